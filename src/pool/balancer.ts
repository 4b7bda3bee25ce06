/**
 * How a replica pool picks one of its open connections. Pure.
 */
import type { BalanceStrategy } from '../options.js';

/** What the balancer knows of a candidate. */
export interface Candidate {
  /** Smoothed latency in ms, when measured. */
  latency: number | undefined;
}

/**
 * The index of the candidate to use. `turn` is a counter the caller increments per pick
 * (round-robin); `random` is a number in [0, 1). Least-latency prefers unmeasured candidates,
 * so that each gets measured.
 */
export function pickIndex(
  strategy: BalanceStrategy,
  candidates: readonly Candidate[],
  turn: number,
  random: number,
): number {
  const n = candidates.length;
  if (n <= 1) return 0;
  if (strategy === 'random') return Math.floor(random * n) % n;
  if (strategy === 'least-latency') {
    let best = 0;
    let bestLatency = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const latency = candidates[i]!.latency ?? -1;
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
