/**
 * BullMQ on managed clients (`sentinel.redisFor()`): a Queue and a Worker across a graceful
 * failover, and a pool handed to BullMQ by mistake. With plain ioredis in Sentinel mode BullMQ
 * lost 150 of 200 job records per graceful failover; handed a pool, it took it for ioredis
 * options and connected to 127.0.0.1:6379.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { SentinelConfigError } from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { BoundedLoop } from '../helpers/bounded-loop.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('BullMQ on managed clients', () => {
  const fixture = topologyFixture();
  const name = () => fixture.topology.masterName;

  it('refuses a pool handed to BullMQ with a SentinelConfigError, and opens nothing', () => {
    const sentinel = fixture.open();
    for (const pool of [sentinel.masterFor(name()), sentinel.replicaFor(name())]) {
      assert.throws(
        () => new Queue('bq-pool', { connection: pool as never }),
        (error: unknown) =>
          error instanceof SentinelConfigError && /redisFor\("mymaster"\)/.test(error.message),
      );
      assert.throws(
        () => new Worker('bq-pool', async () => {}, { connection: pool as never }),
        SentinelConfigError,
      );
    }
  });

  it('completes every job whose add() resolved across a graceful failover, and keeps working after', async () => {
    const sentinel = fixture.open();
    const queueName = `bq-failover-${Date.now()}`;
    const queue = new Queue(queueName, { connection: sentinel.redisFor(name()) });
    const queueErrors: Error[] = [];
    queue.on('error', (error) => queueErrors.push(error));
    const processed = new Map<number, number>();
    const worker = new Worker(
      queueName,
      async (job) => {
        const n = Number((job.data as { n: number }).n);
        processed.set(n, (processed.get(n) ?? 0) + 1);
      },
      {
        connection: sentinel.redisFor(name(), { maxRetriesPerRequest: null }),
        concurrency: 4,
        lockDuration: 5000,
        stalledInterval: 5000,
      },
    );
    const workerErrors: Error[] = [];
    worker.on('error', (error) => workerErrors.push(error));
    // Adds jobs one after another; `resolved` holds the numbers whose add() resolved.
    const producer = new BoundedLoop((n) => queue.add('job', { n }, { jobId: `job-${n}` }), {
      maxSteps: 5000,
      pauseMs: 5,
    });
    fixture.track(producer);
    fixture.undo(async () => {
      await worker.close();
      await queue.close();
    });
    try {
      await eventually(() => producer.resolved.length >= 100, {
        timeoutMs: 15_000,
        message: '100 jobs added',
      });
      const { from, to } = await fixture.topology.failover();
      const afterSwitch = producer.resolved.length;
      await eventually(() => producer.resolved.length >= afterSwitch + 100, {
        timeoutMs: 20_000,
        message: '100 jobs added after the failover',
      });
      await producer.stop();
      await eventually(() => producer.resolved.every((n) => processed.has(n)), {
        timeoutMs: 60_000,
        intervalMs: 200,
        message: 'every job whose add() resolved is processed',
      });
      // Counted on the final master, once the old one is a replica (it took writes until then).
      await eventually(
        async () => ((await withNode(from, (c) => c.call('ROLE'))) as unknown[])[0] === 'slave',
        { timeoutMs: 40_000, intervalMs: 200, message: 'Sentinel demotes the old master' },
      );
      assert.equal(fixture.topology.masterAddress().port, to.port, 'no second failover');
      const completed = new Set(
        await withNode(to, (c) => c.zrange(`bull:${queueName}:completed`, '0', '-1')),
      );
      const missing = producer.resolved.filter((n) => !completed.has(`job-${n}`));
      assert.deepEqual(missing, [], 'added, and not completed on the final master');
      // The worker keeps processing after the failover.
      const late = await queue.add('job', { n: -1 }, { jobId: 'job-late' });
      await eventually(() => processed.has(-1), {
        timeoutMs: 20_000,
        message: 'a job added later is processed',
      });
      assert.equal(await late.getState(), 'completed');
      const twice = [...processed.values()].filter((count) => count > 1).length;
      console.log(
        `# BullMQ: ${producer.resolved.length} added, ${producer.errors.length} add() failed, ${twice} processed twice, ${workerErrors.length} worker errors (${workerErrors.map((e) => e.name)}), ${queueErrors.length} queue errors`,
      );
    } finally {
      await producer.stop();
    }
  });
});
