/**
 * The steady-state figures, summarized (pure). Ratios are taken round by round, between clients
 * measured one after the other in the same round, then summarized as median (min–max): on a
 * noisy machine a ratio of two medians taken minutes apart says little.
 */
import { median, round, type Spread, spread } from './stats.js';
import {
  type ClientKind,
  PEER_KINDS,
  type SteadySample,
  type SteadySettings,
  type Workload,
} from './steady-types.js';

/** One client's figures in one cell (a workload at one concurrency), over the rounds. */
export interface ClientFigures {
  rounds: number;
  /** ops/s of each round: median (min–max). */
  opsPerSec: Spread;
  /** Medians over the rounds of each round's p50 and p99. */
  p50Ms: number | null;
  p99Ms: number | null;
  cpuMicrosPerOp: number | null;
  errors: number;
  firstError?: string;
}

export interface CellSummary {
  workload: Workload;
  concurrency: number;
  clients: Partial<Record<ClientKind, ClientFigures>>;
  /** Ours ÷ the best peer of the same round, ops/s. */
  vsBestPeer: Spread | null;
  /** The peer that was best in most rounds. */
  bestPeer: ClientKind | null;
  /** Ours ÷ plain ioredis of the same round. */
  p99VsPlain: Spread | null;
  cpuVsPlain: Spread | null;
  /** Sessions: ours p50 ÷ plain ioredis's replica GET p50 at the same concurrency, same round. */
  p50VsPlainReplica: Spread | null;
}

/** One of the targets, against a run (shown, never asserted). */
export interface SteadyTargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

const opsPerSec = (s: SteadySample) => (s.ops / s.ms) * 1000;
const cpuPerOp = (s: SteadySample) => (s.ops === 0 ? Number.NaN : s.cpuMicros / s.ops);
const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
const medianOrNull = (xs: number[], digits: number) => {
  const m = median(finite(xs));
  return Number.isNaN(m) ? null : round(m, digits);
};

function figures(samples: readonly SteadySample[]): ClientFigures {
  const firstError = samples.find((s) => s.firstError !== undefined)?.firstError;
  return {
    rounds: samples.length,
    opsPerSec: spread(samples.map(opsPerSec), 0),
    p50Ms: medianOrNull(
      samples.map((s) => s.p50Ms),
      3,
    ),
    p99Ms: medianOrNull(
      samples.map((s) => s.p99Ms),
      3,
    ),
    cpuMicrosPerOp: medianOrNull(samples.map(cpuPerOp), 2),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** `f(ours, other)` for each round where both were measured. */
function perRound(
  ours: readonly SteadySample[],
  other: (round: number) => SteadySample | undefined,
  f: (a: SteadySample, b: SteadySample) => number,
): Spread | null {
  const ratios = ours.flatMap((a) => {
    const b = other(a.round);
    return b ? [f(a, b)] : [];
  });
  return ratios.length === 0 ? null : spread(ratios, 2);
}

function mostFrequent<T>(items: readonly T[]): T | null {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  let best: T | null = null;
  for (const [item, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = item;
  return best;
}

function summarizeCell(
  workload: Workload,
  concurrency: number,
  samples: readonly SteadySample[],
  all: readonly SteadySample[],
): CellSummary {
  const of = (client: ClientKind) => samples.filter((s) => s.client === client);
  const clients: CellSummary['clients'] = {};
  for (const s of samples) clients[s.client] ??= figures(of(s.client));
  const ours = of('ours');
  const at = (client: ClientKind, r: number) => samples.find((s) => s.client === client && s.round === r);
  const bestPeerAt = (r: number) =>
    PEER_KINDS.map((k) => at(k, r))
      .filter((s): s is SteadySample => s !== undefined)
      .sort((a, b) => opsPerSec(b) - opsPerSec(a))[0];
  const plainReplicaAt = (r: number) =>
    all.find(
      (s) =>
        s.workload === 'replica' && s.client === 'ioredis' && s.concurrency === concurrency && s.round === r,
    );
  const isSession = workload !== 'master' && workload !== 'replica';
  return {
    workload,
    concurrency,
    clients,
    vsBestPeer: isSession ? null : perRound(ours, bestPeerAt, (a, b) => opsPerSec(a) / opsPerSec(b)),
    bestPeer: isSession ? null : mostFrequent(ours.flatMap((a) => bestPeerAt(a.round)?.client ?? [])),
    p99VsPlain: isSession
      ? null
      : perRound(
          ours,
          (r) => at('ioredis', r),
          (a, b) => a.p99Ms / b.p99Ms,
        ),
    cpuVsPlain: isSession
      ? null
      : perRound(
          ours,
          (r) => at('ioredis', r),
          (a, b) => cpuPerOp(a) / cpuPerOp(b),
        ),
    p50VsPlainReplica: perRound(ours, plainReplicaAt, (a, b) => a.p50Ms / b.p50Ms),
  };
}

/** Every cell of the run, in the settings' order (workloads, then concurrency). */
export function summarizeSteady(samples: readonly SteadySample[], settings: SteadySettings): CellSummary[] {
  return settings.workloads.flatMap((workload) =>
    settings.concurrency.flatMap((concurrency) => {
      const cell = samples.filter((s) => s.workload === workload && s.concurrency === concurrency);
      return cell.length === 0 ? [] : [summarizeCell(workload, concurrency, cell, samples)];
    }),
  );
}

const POOL_NAMES: Partial<Record<Workload, string>> = { master: 'masterFor()', replica: 'replicaFor()' };

function listed(
  cells: readonly CellSummary[],
  pick: (c: CellSummary) => Spread | null,
  ok: (median: number) => boolean,
): Pick<SteadyTargetCheck, 'measured' | 'met'> {
  const rows = cells.flatMap((c) => {
    const s = pick(c);
    return s?.median == null ? [] : [{ c, median: s.median }];
  });
  if (rows.length === 0) return { measured: 'not measured', met: null };
  return {
    measured: rows.map(({ c, median: m }) => `${c.concurrency}: ${m}×`).join(', '),
    met: rows.every(({ median: m }) => ok(m)),
  };
}

/** Issue 16's targets against a run: medians of the per-round ratios, by concurrency. */
export function steadyTargetChecks(cells: readonly CellSummary[]): SteadyTargetCheck[] {
  const checks: SteadyTargetCheck[] = [];
  for (const workload of ['master', 'replica'] as const) {
    const ofPool = cells.filter((c) => c.workload === workload && c.vsBestPeer !== null);
    if (ofPool.length === 0) continue;
    const name = POOL_NAMES[workload];
    checks.push({
      target: `${name}: throughput ≥ the best peer, by callers (ours ÷ best, median of rounds)`,
      ...listed(
        ofPool,
        (c) => c.vsBestPeer,
        (m) => m >= 1,
      ),
    });
    checks.push({
      target: `${name}: p99 ≤ plain ioredis at 1 and 10 callers`,
      ...listed(
        ofPool.filter((c) => c.concurrency === 1 || c.concurrency === 10),
        (c) => c.p99VsPlain,
        (m) => m <= 1,
      ),
    });
    checks.push({
      target: `${name}: CPU per operation ≤ plain ioredis, by callers`,
      ...listed(
        ofPool,
        (c) => c.cpuVsPlain,
        (m) => m <= 1,
      ),
    });
  }
  const known = cells.filter((c) => c.workload === 'session-known');
  if (known.length > 0) {
    checks.push({
      target: 'session read, replica known caught up: p50 ≤ 1.2× a plain replica read, by callers',
      ...listed(
        known,
        (c) => c.p50VsPlainReplica,
        (m) => m <= 1.2,
      ),
    });
  }
  return checks;
}
