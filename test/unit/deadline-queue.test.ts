import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineQueue } from '../../src/deadline-queue.js';
import { deadlineRecorder, type Item, item, sharedDeadlineTests } from '../helpers/deadline-recorder.js';

const recorder = (ms: number, onExpire?: (it: Item) => void) =>
  deadlineRecorder((...args) => new DeadlineQueue<Item>(...args), ms, onExpire);

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

test('an item tracked twice (sent again) expires once, at its first deadline', async () => {
  const { deadlines, expired, whenExpired } = recorder(20);
  const it = item(7);
  deadlines.track(it);
  deadlines.track(it);
  deadlines.track(item(8));
  await whenExpired(2);
  assert.deepEqual(expired, [7, 8]);
});

sharedDeadlineTests('DeadlineQueue', (...args) => new DeadlineQueue<Item>(...args));
