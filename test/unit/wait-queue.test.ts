import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, it } from 'node:test';
import { type Job, newJob } from '../../src/pool/job.js';
import { WaitQueue } from '../../src/pool/wait-queue.js';

/** Waits (bounded) until performance.now() has moved past `time`, and returns the new time. */
function nextTick(time: number): number {
  for (let i = 0; i < 10_000_000; i++) if (performance.now() > time) break;
  return performance.now();
}

const jobNamed = (command: string): Job => newJob(command, 'read', async () => command, true);

describe('WaitQueue', () => {
  it('sends in order while the sender takes jobs, and keeps the rest', async () => {
    const queue = new WaitQueue(() => Promise.reject(new Error('expired')));
    const outcomes = ['a', 'b', 'c'].map((name) => queue.add(jobNamed(name), 60_000));
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
    const queue = new WaitQueue((job) => {
      expired.push(job.command);
      return Promise.resolve(`expired ${job.command}`);
    });
    const soon = queue.add(jobNamed('soon'), 0);
    const later = queue.add(jobNamed('later'), 60_000);
    assert.equal(await soon, 'expired soon');
    assert.deepEqual(expired, ['soon']);
    assert.equal(queue.length, 1);
    queue.failAll(new Error('closing'));
    await assert.rejects(later, /closing/);
  });

  it('fails only the jobs queued before a time, keeping later ones', async () => {
    const queue = new WaitQueue(() => Promise.reject(new Error('expired')));
    const early = queue.add(jobNamed('early'), 60_000);
    const time = nextTick(performance.now());
    nextTick(time);
    const late = queue.add(jobNamed('late'), 60_000);
    queue.failQueuedBefore(time, new Error('refused'));
    await assert.rejects(early, /refused/);
    assert.equal(queue.length, 1);
    queue.drain((job) => Promise.resolve(`sent ${job.command}`));
    assert.equal(await late, 'sent late');
  });

  it('expires every job at once on expireAll, leaving no timer', async () => {
    const queue = new WaitQueue((job) => Promise.resolve(job.command));
    const outcomes = ['x', 'y'].map((name) => queue.add(jobNamed(name), 60_000));
    queue.expireAll();
    assert.deepEqual(await Promise.all(outcomes), ['x', 'y']);
    assert.equal(queue.length, 0);
  });
});

describe('WaitQueue and async context', () => {
  it("sends each job in its caller's AsyncLocalStorage store, whoever drains the queue", async () => {
    const storage = new AsyncLocalStorage<string>();
    const queue = new WaitQueue(async () => storage.getStore());
    const outcomes = ['a', 'b'].map((caller) =>
      storage.run(caller, () => queue.add(jobNamed(caller), 60_000)),
    );
    // Drained from another context: a connection's event, the new master's announcement.
    storage.run('drainer', () => queue.drain(async () => storage.getStore()));
    assert.deepEqual(await Promise.all(outcomes), ['a', 'b']);
  });

  it("gives up on a job in its caller's store (a fallback sends it elsewhere as the caller)", async () => {
    const storage = new AsyncLocalStorage<string>();
    const queue = new WaitQueue(async () => storage.getStore());
    const outcome = storage.run('caller', () => queue.add(jobNamed('x'), 60_000));
    storage.run('timer', () => queue.expireAll());
    assert.equal(await outcome, 'caller');
  });

  it('captures nothing for a job that never waited', () => {
    assert.equal(jobNamed('fast').caller, undefined);
  });
});
