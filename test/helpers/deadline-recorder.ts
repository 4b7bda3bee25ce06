/**
 * Drives a deadline keeper (DeadlineQueue, TickDeadlines) with plain items and records which
 * expire, in order: the unit tests of both use it.
 */

export interface Item {
  id: number;
  settled: boolean;
}

export const item = (id: number): Item => ({ id, settled: false });

/** What the two deadline keepers have in common. */
export interface Deadlines<T> {
  readonly length: number;
  readonly isArmed: boolean;
  track(item: T): void;
  stop(): void;
}

/** How to make one: `(ms, isDone, expire)`. */
export type DeadlinesFactory = (
  ms: number,
  isDone: (it: Item) => boolean,
  expire: (it: Item) => void,
) => Deadlines<Item>;

/** Deadlines of `ms` whose expiries are recorded; `whenExpired(n)` resolves at the n-th. */
export function deadlineRecorder(
  make: DeadlinesFactory,
  ms: number,
  onExpire: (it: Item) => void = () => {},
) {
  const expired: number[] = [];
  const expiredAt: number[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const deadlines = make(
    ms,
    (it) => it.settled,
    (it) => {
      expired.push(it.id);
      expiredAt.push(performance.now());
      it.settled = true;
      onExpire(it);
      for (const w of waiters) if (expired.length >= w.count) w.resolve();
    },
  );
  const whenExpired = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`only ${expired.length} expired`)), 5000);
      waiters.push({
        count,
        resolve: () => {
          clearTimeout(deadline);
          resolve();
        },
      });
    });
  return { deadlines, expired, expiredAt, whenExpired };
}
