/**
 * One measured round in a client process: `concurrency` callers, each awaiting one operation at
 * a time, until the round's time is up (or `maxOps` operations: every loop is bounded). Latency of
 * each timed operation, and the process's CPU time over the round.
 */
import type { PreparedWorkload } from './steady-clients.js';
import type { RoundFigures } from './steady-types.js';

/** The value at percentile `p` of the first `count` entries of `values` (sorted in place). */
function percentiles(values: Float64Array, count: number, ps: readonly number[]): number[] {
  const sorted = values.subarray(0, count).sort();
  return ps.map((p) =>
    count === 0 ? Number.NaN : sorted[Math.min(count - 1, Math.floor((p / 100) * count))]!,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Runs one round. `latencies` is reused between rounds (no per-round allocation that would show
 * up as GC in the next client's figures); its length bounds the operations of the round.
 */
export async function measureRound(
  workload: PreparedWorkload,
  concurrency: number,
  ms: number,
  latencies: Float64Array,
): Promise<RoundFigures> {
  const maxOps = latencies.length;
  const callers = Array.from({ length: concurrency }, (_, caller) => caller);
  if (workload.setup) await Promise.all(callers.map((caller) => workload.setup?.(caller)));
  let ops = 0;
  let attempts = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + ms;
  await Promise.all(
    callers.map(async (caller) => {
      for (let i = 0; attempts < maxOps; i++) {
        attempts += 1;
        try {
          if (workload.before) await workload.before(caller, i);
          const t = performance.now();
          if (t >= until) break;
          await workload.op(caller, i);
          const n = ops++;
          latencies[n] = performance.now() - t;
        } catch (error) {
          errors += 1;
          firstError ??= describe(error);
          if (performance.now() >= until) break;
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const [p50Ms = Number.NaN, p99Ms = Number.NaN] = percentiles(latencies, ops, [50, 99]);
  return {
    ops,
    ms: elapsed,
    cpuMicros: cpu.user + cpu.system,
    p50Ms,
    p99Ms,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
