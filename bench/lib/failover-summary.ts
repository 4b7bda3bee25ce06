/** Per-cell (trigger × client) medians, minima and maxima of the measured runs (pure). */
import type { RunRecord, Trigger } from '../failover.js';
import type { ClientName } from './peer-clients.js';
import { addCounts, type Spread, spread } from './stats.js';

export interface CellSummary {
  trigger: Trigger;
  client: ClientName;
  /** Runs measured. */
  runs: number;
  /** Runs excluded (double failover, no switch, error), with why. */
  excluded: string[];
  reactionMs: Spread;
  outageMs: Spread;
  lostAcked: Spread;
  duplicates: Spread;
  writeErrorCount: Spread;
  readErrorCount: Spread;
  readOutageMs: Spread;
  pauseAtSwitchMs: Spread;
  ackWaitMs: Spread;
  switchAfterTriggerMs: Spread;
  /** Totals over the measured runs. */
  writeErrors: Record<string, number>;
  /** Per write error kind: earliest and latest, in ms from the first `+switch-master`, over the runs. */
  writeErrorTimesMs: Record<string, { first: number; last: number }>;
  readErrors: Record<string, number>;
  failedButApplied: number;
  unsettled: number;
  writesAcked: number;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export function summarizeCell(
  trigger: Trigger,
  client: ClientName,
  records: readonly RunRecord[],
): CellSummary {
  const mine = records.filter((r) => r.trigger === trigger && r.client === client);
  const measured = mine.flatMap((r) => (r.measure === undefined ? [] : [{ ...r, measure: r.measure }]));
  const writeErrors: Record<string, number> = {};
  const readErrors: Record<string, number> = {};
  const writeErrorTimesMs: Record<string, { first: number; last: number }> = {};
  for (const r of measured) {
    for (const [kind, t] of Object.entries(r.measure.writeErrorTimesMs)) {
      const seen = writeErrorTimesMs[kind] ?? t;
      writeErrorTimesMs[kind] = { first: Math.min(seen.first, t.first), last: Math.max(seen.last, t.last) };
    }
    addCounts(writeErrors, r.measure.writeErrors);
    addCounts(readErrors, r.measure.readErrors);
  }
  const pick = (f: (m: (typeof measured)[number]['measure']) => number | null) =>
    measured.map((r) => f(r.measure));
  return {
    trigger,
    client,
    runs: measured.length,
    excluded: mine.flatMap((r) => (r.excluded === undefined ? [] : [r.excluded])),
    reactionMs: spread(
      pick((m) => m.reactionMs),
      3,
    ),
    outageMs: spread(
      pick((m) => m.outageMs),
      0,
    ),
    lostAcked: spread(
      pick((m) => m.lostAcked),
      0,
    ),
    duplicates: spread(
      pick((m) => m.duplicates),
      0,
    ),
    writeErrorCount: spread(
      pick((m) => sum(m.writeErrors)),
      0,
    ),
    readErrorCount: spread(
      pick((m) => sum(m.readErrors)),
      0,
    ),
    readOutageMs: spread(
      pick((m) => m.readOutageMs),
      0,
    ),
    ackWaitMs: spread(
      pick((m) => m.ackWaitMs),
      3,
    ),
    pauseAtSwitchMs: spread(pick((m) => m.pauseAtSwitchMs)),
    switchAfterTriggerMs: spread(
      measured.map((r) => r.switchAfterTriggerMs ?? null),
      0,
    ),
    writeErrors,
    writeErrorTimesMs,
    readErrors,
    failedButApplied: measured.reduce((a, r) => a + r.measure.failedButApplied, 0),
    unsettled: measured.reduce((a, r) => a + r.measure.unsettled, 0),
    writesAcked: measured.reduce((a, r) => a + r.measure.writesAcked, 0),
  };
}
