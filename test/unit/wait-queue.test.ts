import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, it } from 'node:test';
import { type Job, newJob } from '../../src/pool/job.js';
import { WaitQueue } from '../../src/pool/wait-queue.js';
import { eventually } from '../../src/testing/index.js';

/** Waits (bounded) until performance.now() has moved past `time`, and returns the new time. */
function nextTick(time: number): number {
  for (let i = 0; i < 10_000_000; i++) if (performance.now() > time) break;
  return performance.now();
}

const jobNamed = (command: string): Job => newJob(command, 'read', async () => command, true);

describe('WaitQueue', () => {
  it('sends in order while the sender takes jobs, and keeps the rest', async () => {
    const queue = new WaitQueue(
      () => 60_000,
      () => Promise.reject(new Error('expired')),
    );
    const outcomes = ['a', 'b', 'c'].map((name) => queue.add(jobNamed(name)));
    let capacity = 2;
    queue.drain((job) => (capacity-- > 0 ? Promise.resolve(`sent ${job.command}`) : undefined));
    assert.deepEqual(await Promise.all(outcomes.slice(0, 2)), ['sent a', 'sent b']);
    assert.equal(queue.length, 1);
    queue.drain((job) => Promise.resolve(`sent ${job.command}`));
    assert.equal(await outcomes[2], 'sent c');
    assert.equal(queue.length, 0);
  });

  it('hands a job past its deadline to expire, and only that one', async () => {
    const expired: string[] = [];
    const queue = new WaitQueue(
      () => 300,
      (job) => {
        expired.push(job.command);
        return Promise.resolve(`expired ${job.command}`);
      },
    );
    const soon = queue.add(jobNamed('soon'));
    // The second job's deadline comes 150 ms after the first one's.
    const queuedAt = performance.now();
    await eventually(() => performance.now() >= queuedAt + 150, { timeoutMs: 5000, intervalMs: 10 });
    const later = queue.add(jobNamed('later'));
    assert.equal(await soon, 'expired soon');
    assert.deepEqual(expired, ['soon']);
    assert.equal(queue.length, 1);
    queue.failAll(new Error('closing'));
    await assert.rejects(later, /closing/);
  });

  it('reads its wait limit once, when the first job waits', async () => {
    let reads = 0;
    const queue = new WaitQueue(
      () => {
        reads += 1;
        return 60_000;
      },
      () => Promise.reject(new Error('expired')),
    );
    assert.equal(reads, 0);
    const outcomes = ['a', 'b'].map((name) => queue.add(jobNamed(name)));
    assert.equal(reads, 1);
    queue.drain((job) => Promise.resolve(job.command));
    assert.deepEqual(await Promise.all(outcomes), ['a', 'b']);
  });

  it('fails only the jobs queued before a time, keeping later ones', async () => {
    const queue = new WaitQueue(
      () => 60_000,
      () => Promise.reject(new Error('expired')),
    );
    const early = queue.add(jobNamed('early'));
    const time = nextTick(performance.now());
    nextTick(time);
    const late = queue.add(jobNamed('late'));
    queue.failQueuedBefore(time, new Error('refused'));
    await assert.rejects(early, /refused/);
    assert.equal(queue.length, 1);
    queue.drain((job) => Promise.resolve(`sent ${job.command}`));
    assert.equal(await late, 'sent late');
  });

  it('expires every job at once on expireAll, leaving no timer', async () => {
    const queue = new WaitQueue(
      () => 60_000,
      (job) => Promise.resolve(job.command),
    );
    const outcomes = ['x', 'y'].map((name) => queue.add(jobNamed(name)));
    queue.expireAll();
    assert.deepEqual(await Promise.all(outcomes), ['x', 'y']);
    assert.equal(queue.length, 0);
  });
});

describe('WaitQueue and async context', () => {
  it("sends each job in its caller's AsyncLocalStorage store, whoever drains the queue", async () => {
    const storage = new AsyncLocalStorage<string>();
    const queue = new WaitQueue(
      () => 60_000,
      async () => storage.getStore(),
    );
    const outcomes = ['a', 'b'].map((caller) => storage.run(caller, () => queue.add(jobNamed(caller))));
    // Drained from another context: a connection's event, the new master's announcement.
    storage.run('drainer', () => queue.drain(async () => storage.getStore()));
    assert.deepEqual(await Promise.all(outcomes), ['a', 'b']);
  });

  it("gives up on a job in its caller's store (a fallback sends it elsewhere as the caller)", async () => {
    const storage = new AsyncLocalStorage<string>();
    const queue = new WaitQueue(
      () => 60_000,
      async () => storage.getStore(),
    );
    const outcome = storage.run('caller', () => queue.add(jobNamed('x')));
    storage.run('timer', () => queue.expireAll());
    assert.equal(await outcome, 'caller');
  });

  it('captures nothing for a job that never waited', () => {
    assert.equal(jobNamed('fast').caller, undefined);
  });
});
