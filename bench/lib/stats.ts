/** Pure summaries of measured samples. */

/** Median, min and max of the samples that were measured (`null` ones are counted apart). */
export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  /** Samples with a value. */
  count: number;
  /** Samples without one (e.g. the client never got there within the observation window). */
  missing: number;
}

/** The value at percentile `p` (0–100) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The median (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function spread(samples: readonly (number | null)[], digits = 2): Spread {
  const values = samples.filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return { median: null, min: null, max: null, count: 0, missing: samples.length };
  return {
    median: round(median(values), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
    count: values.length,
    missing: samples.length - values.length,
  };
}

/** Adds counts per key. */
export function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}

/** The longest gap between consecutive times, `start` and `end` included as bounds. */
export function longestGap(sortedTimes: readonly number[], start: number, end: number): number {
  let previous = start;
  let longest = 0;
  for (const t of sortedTimes) {
    if (t < start) continue;
    if (t > end) break;
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return Math.max(longest, end - previous);
}
