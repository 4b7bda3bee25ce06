/** The targets, checked against the results (shown in the report, never asserted). */

import { TRIGGER_LABELS, type Trigger } from '../failover.js';
import type { CellSummary } from './failover-summary.js';
import { round } from './stats.js';
import { steadyTargetChecks, summarizeSteady } from './steady-analysis.js';
import type { SteadyResult } from './steady-types.js';

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when there was nothing to measure (section skipped, no run measured). */
  met: boolean | null;
}

const OURS = 'redis-sentinel-pool';
/** When a cell has no measured resolution (`ackWaitMs`): about the load's write interval. */
const DEFAULT_RESOLUTION_MS = 1;

function cell(cells: readonly CellSummary[], trigger: Trigger, client: string): CellSummary | undefined {
  return cells.find((c) => c.trigger === trigger && c.client === client && c.runs > 0);
}

function failoverTargets(cells: readonly CellSummary[], triggers: readonly Trigger[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const trigger of triggers) {
    const ours = cell(cells, trigger, OURS);
    const theirs = cell(cells, trigger, 'ioredis');
    const oursMedian = ours?.reactionMs.median ?? null;
    checks.push({
      target: `${TRIGGER_LABELS[trigger]}: reaction median < 5 ms`,
      measured: oursMedian === null ? 'no measured run' : `${oursMedian} ms`,
      met: oursMedian === null ? null : oursMedian < 5,
    });
    const theirsMedian = theirs?.reactionMs.median ?? null;
    // Below the load's resolution a reaction measures the spacing of the writes, not the client.
    const floor = ours?.ackWaitMs.median ?? DEFAULT_RESOLUTION_MS;
    const isFloored = oursMedian !== null && oursMedian < floor;
    const ratio =
      oursMedian !== null && theirsMedian !== null ? theirsMedian / Math.max(oursMedian, floor) : null;
    checks.push({
      target: `${TRIGGER_LABELS[trigger]}: reaction ≥ 10× faster than ioredis default`,
      measured:
        ratio === null
          ? 'no measured pair'
          : `${oursMedian} ms vs ${theirsMedian} ms (${isFloored ? '≥ ' : ''}${ratio >= 100 ? Math.round(ratio) : round(ratio, 1)}×)`,
      met: ratio === null ? null : ratio >= 10,
    });
  }
  const graceful = cell(cells, 'graceful', OURS);
  if (graceful !== undefined) {
    const errors = Object.values(graceful.writeErrors).reduce((a, b) => a + b, 0);
    const readErrors = Object.values(graceful.readErrors).reduce((a, b) => a + b, 0);
    const lost = graceful.lostAcked.max ?? 0;
    checks.push({
      target: 'SENTINEL FAILOVER: zero errors and zero lost acknowledged writes',
      measured: `${errors} write errors, ${readErrors} read errors, at most ${lost} lost in ${graceful.runs} runs`,
      met: errors === 0 && readErrors === 0 && lost === 0,
    });
  }
  return checks;
}

/** Issue 16's steady-state targets (bench/lib/steady-analysis.ts). */
function steadyTargets(steady: SteadyResult): TargetCheck[] {
  return steadyTargetChecks(summarizeSteady(steady.samples, steady.settings));
}

export function checkTargets(
  cells: readonly CellSummary[] | undefined,
  triggers: readonly Trigger[],
  steady: SteadyResult | undefined,
): TargetCheck[] {
  return [...(cells ? failoverTargets(cells, triggers) : []), ...(steady ? steadyTargets(steady) : [])];
}
