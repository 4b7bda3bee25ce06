/**
 * BullMQ on managed clients (`sentinel.redisFor()`): a Queue and a Worker across a graceful
 * failover and a master SIGKILL (test/helpers/downstream/), and a pool handed to BullMQ by
 * mistake. With plain ioredis in Sentinel mode BullMQ
 * lost 150 of 200 job records per graceful failover; handed a pool, it took it for ioredis
 * options and connected to 127.0.0.1:6379.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { SentinelConfigError } from '../../src/index.js';
import { BullmqWorkload } from '../helpers/downstream/bullmq-workload.js';
import { assertLossAllowed, checkedAcrossFailover } from '../helpers/downstream/checks.js';
import { DISRUPTIONS } from '../helpers/downstream/disruption.js';
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

  for (const disruption of DISRUPTIONS) {
    it(`completes every job whose add() the final master holds across a ${disruption} failover, and keeps working after`, async () => {
      const sentinel = fixture.open();
      const workload = new BullmqWorkload((options) => sentinel.redisFor(name(), options));
      fixture.undo(() => workload.close());
      const { result } = await checkedAcrossFailover(fixture.topology, disruption, workload, 'BullMQ');
      // Graceful: every job whose add() resolved is on the final master. SIGKILL: only those the
      // dead master acknowledged in the last second before it died may be gone (not replicated).
      assertLossAllowed(result, 'jobs');
      assert.equal(result.notCompleted, 0, 'held jobs not completed');
      if (disruption === 'graceful') assert.equal(result.processedTwice, 0, 'processed twice');
      assert.ok(result.lateJobMs !== undefined && result.lateJobMs < 10_000, 'a job added later completes');
    });
  }
});
