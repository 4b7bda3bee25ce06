/**
 * Drives a deadline keeper (DeadlineQueue, TickDeadlines) with plain items and records which
 * expire, in order; and the tests both must pass ({@link sharedDeadlineTests}).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../../src/testing/index.js';

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

/** What every deadline keeper must do, whatever its clock. */
export function sharedDeadlineTests(name: string, make: DeadlinesFactory): void {
  const recorder = (ms: number, onExpire?: (it: Item) => void) => deadlineRecorder(make, ms, onExpire);
  describe(`${name}: what every deadline keeper does`, () => {
    test('unanswered items expire in the order they were tracked; answered ones never do; the timer stops', async () => {
      const { deadlines, expired, whenExpired } = recorder(40);
      const items = [1, 2, 3, 4, 5].map(item);
      for (const it of items) deadlines.track(it);
      items[1]!.settled = true;
      items[3]!.settled = true;
      await whenExpired(3);
      assert.deepEqual(expired, [1, 3, 5]);
      await eventually(() => !deadlines.isArmed, { timeoutMs: 2000 });
      assert.equal(deadlines.length, 0);
    });

    test('answered items leave from the front as new ones come: it holds about what is in flight', () => {
      const { deadlines } = recorder(60_000);
      let previous: Item | undefined;
      for (let i = 0; i < 10_000; i++) {
        if (previous) previous.settled = true;
        previous = item(i);
        deadlines.track(previous);
      }
      assert.equal(deadlines.length, 1);
      deadlines.stop();
    });

    test('an expiry that settles the others (the connection is dropped) expires nothing more', async () => {
      const items = [1, 2, 3].map(item);
      const { deadlines, expired, whenExpired } = recorder(20, () => {
        for (const it of items) it.settled = true;
      });
      for (const it of items) deadlines.track(it);
      await whenExpired(1);
      // The timer may run once more, and then finds nothing to expire.
      await eventually(() => !deadlines.isArmed, { timeoutMs: 2000 });
      assert.deepEqual(expired, [1]);
    });

    test('stop() forgets every item and stops the timer', () => {
      const { deadlines, expired } = recorder(20);
      deadlines.track(item(1));
      assert.equal(deadlines.isArmed, true);
      deadlines.stop();
      assert.equal(deadlines.isArmed, false);
      assert.equal(deadlines.length, 0);
      assert.deepEqual(expired, []);
    });
  });
}
