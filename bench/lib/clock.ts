/**
 * One clock for every process of a benchmark run: wall-clock milliseconds with sub-millisecond
 * resolution (`performance.timeOrigin` is taken from the system clock at process start, with
 * microsecond precision, and `performance.now()` is monotonic), so that a time the parent takes
 * on a `+switch-master` compares with the times a child takes on its writes.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Milliseconds since the epoch, fractional. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms` (a timer that does not keep the process alive on its own is not needed here). */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** Rejects with `message` if `promise` has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
