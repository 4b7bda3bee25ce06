/**
 * How a replica pool picks one of its open connections. Pure.
 */
import type { BalanceStrategy } from '../options.js';

/**
 * The index of the candidate to use. `turn` is a counter the caller increments per pick
 * (round-robin); `random` is a number in [0, 1); `latencyOf` gives a candidate's smoothed
 * latency in ms, when measured. Least-latency prefers unmeasured candidates, so that each gets
 * measured.
 */
export function pickIndex<T>(
  strategy: BalanceStrategy,
  candidates: readonly T[],
  turn: number,
  random: number,
  latencyOf: (candidate: T) => number | undefined,
): number {
  const n = candidates.length;
  if (n <= 1) return 0;
  if (strategy === 'random') return Math.floor(random * n) % n;
  if (strategy === 'least-latency') {
    let best = 0;
    let bestLatency = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const latency = latencyOf(candidates[i]!) ?? -1;
      if (latency < bestLatency) {
        best = i;
        bestLatency = latency;
      }
    }
    return best;
  }
  return turn % n;
}

/** Exponentially weighted moving average of latencies (weight of the newest sample). */
export function smoothLatency(previous: number | undefined, sample: number, weight = 0.2): number {
  return previous === undefined ? sample : previous + weight * (sample - previous);
}
