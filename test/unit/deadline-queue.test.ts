import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineQueue } from '../../src/deadline-queue.js';
import { eventually } from '../../src/testing/index.js';
import { deadlineRecorder, type Item, item } from '../helpers/deadline-recorder.js';

const recorder = (ms: number, onExpire?: (it: Item) => void) =>
  deadlineRecorder((...args) => new DeadlineQueue<Item>(...args), ms, onExpire);

test('unanswered items expire in the order they were tracked; answered ones never do', async () => {
  const { deadlines, expired, whenExpired } = recorder(20);
  const items = [1, 2, 3, 4, 5].map(item);
  for (const it of items) deadlines.track(it);
  items[1]!.settled = true;
  items[3]!.settled = true;
  await whenExpired(3);
  assert.deepEqual(expired, [1, 3, 5]);
  assert.equal(deadlines.isArmed, false, 'nothing left to time');
  assert.equal(deadlines.length, 0);
});

test('an item tracked later waits its own full timeout (one timer, re-armed for the oldest)', async () => {
  const { deadlines, expired, whenExpired } = recorder(40);
  const first = item(1);
  deadlines.track(first);
  const trackedSecondAt = await new Promise<number>((resolve) =>
    setTimeout(() => {
      deadlines.track(item(2));
      resolve(performance.now());
    }, 25),
  );
  await whenExpired(2);
  assert.ok(performance.now() - trackedSecondAt >= 39, 'the second item got its whole timeout');
  assert.deepEqual(expired, [1, 2]);
});

test('answered items leave from the front as new ones come: the queue holds about what is in flight', () => {
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

test('an item tracked twice (sent again) expires once, at its first deadline', async () => {
  const { deadlines, expired, whenExpired } = recorder(20);
  const it = item(7);
  deadlines.track(it);
  deadlines.track(it);
  deadlines.track(item(8));
  await whenExpired(2);
  assert.deepEqual(expired, [7, 8]);
});

test('an expiry that settles the others (the connection is dropped) expires nothing more', async () => {
  const items = [1, 2, 3].map(item);
  const { deadlines, expired, whenExpired } = recorder(20, () => {
    for (const it of items) it.settled = true;
  });
  for (const it of items) deadlines.track(it);
  await whenExpired(1);
  // The timer may be armed once more for the next deadline, and then finds nothing to expire.
  await eventually(() => !deadlines.isArmed, { timeoutMs: 2000 });
  assert.deepEqual(expired, [1]);
});

test('stop() forgets every item and disarms the timer', () => {
  const { deadlines, expired } = recorder(20);
  deadlines.track(item(1));
  assert.equal(deadlines.isArmed, true);
  deadlines.stop();
  assert.equal(deadlines.isArmed, false);
  assert.equal(deadlines.length, 0);
  assert.deepEqual(expired, []);
});
