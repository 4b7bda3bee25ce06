import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../../src/testing/index.js';
import { TICKS_PER_TIMEOUT, TickDeadlines } from '../../src/tick-deadlines.js';
import { deadlineRecorder, type Item, item, sharedDeadlineTests } from '../helpers/deadline-recorder.js';

const recorder = (ms: number, onExpire?: (it: Item) => void) =>
  deadlineRecorder((...args) => new TickDeadlines<Item>(...args), ms, onExpire);

/** How late a timer may fire on a loaded test machine, beyond what the module promises. */
const TIMER_SLACK_MS = 250;

for (const ms of [160, 10, 300]) {
  test(`an item expires no sooner than its timeout and about a tick later at most (${ms} ms)`, async () => {
    const { deadlines, expiredAt, whenExpired } = recorder(ms);
    const { tickMs } = deadlines as TickDeadlines<Item>;
    // Tracked at two points of a tick: as the timer starts, and a tick and 7 ms later.
    const trackedAt: number[] = [performance.now()];
    deadlines.track(item(1));
    setTimeout(() => {
      trackedAt.push(performance.now());
      deadlines.track(item(2));
    }, tickMs + 7);
    await whenExpired(2);
    for (const [i, at] of expiredAt.entries()) {
      const waited = at - trackedAt[i]!;
      // performance.now() against Node's whole-millisecond timers: allow 1 ms.
      assert.ok(waited >= ms - 1, `item ${i + 1} expired after ${waited.toFixed(1)} ms, before ${ms}`);
      assert.ok(
        waited < ms + 2 * tickMs + TIMER_SLACK_MS,
        `item ${i + 1} expired after ${waited.toFixed(1)} ms`,
      );
    }
  });
}

test('a timeout that is not a multiple of the ticks rounds the tick up, never down', () => {
  assert.equal((recorder(160).deadlines as TickDeadlines<Item>).tickMs, 160 / TICKS_PER_TIMEOUT);
  assert.equal((recorder(300).deadlines as TickDeadlines<Item>).tickMs, 38);
  assert.equal((recorder(3).deadlines as TickDeadlines<Item>).tickMs, 1);
});

test('the timer stops once everything settled, and starts again for the next item', async () => {
  const { deadlines, expired, whenExpired } = recorder(40);
  const answered = item(1);
  deadlines.track(answered);
  answered.settled = true;
  await eventually(() => !deadlines.isArmed, { timeoutMs: 2000 });
  assert.equal(deadlines.length, 0);
  deadlines.track(item(2));
  assert.equal(deadlines.isArmed, true);
  await whenExpired(1);
  assert.deepEqual(expired, [2]);
});

sharedDeadlineTests('TickDeadlines', (...args) => new TickDeadlines<Item>(...args));
