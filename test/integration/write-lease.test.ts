/**
 * writeLeaseMs on real servers (loopback): the master pool writes while a majority of sentinels
 * confirms the master; with two of three sentinels stopped (the client hears only a minority, as
 * when it is cut off with the old master) the lease lapses, commands are held and fail with
 * WriteLeaseExpiredError after failoverTimeout, and they flow again once the majority answers.
 * A lease too close to down-after-milliseconds is reported. The partition case itself is in
 * test/partition/.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { SentinelConfigError, WriteLeaseExpiredError } from '../../src/errors.js';
import { CHANNELS, type WriteLeaseMessage } from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('write lease', () => {
  const fixture = topologyFixture();

  it('writes while a majority confirms; holds, then fails with WriteLeaseExpiredError without one', async () => {
    const changes: WriteLeaseMessage[] = [];
    const onChange = (message: unknown) => changes.push(message as WriteLeaseMessage);
    subscribe(CHANNELS.writeLease, onChange);
    fixture.undo(async () => unsubscribe(CHANNELS.writeLease, onChange));
    const sentinel = fixture.open({ writeLeaseMs: 300, failoverTimeout: 1500 });
    const master = sentinel.masterFor(fixture.topology.masterName);
    await eventually(() => master.set('lease:k', '1').then((r) => r === 'OK'), { timeoutMs: 5000 });
    const [first, second] = fixture.topology.sentinelAddresses();
    await fixture.topology.kill(first!, 'SIGSTOP');
    await fixture.topology.kill(second!, 'SIGSTOP');
    const stoppedAt = performance.now();
    // The lease lapses within a lease and a round trip; writes are then held, not sent.
    const refused = await eventually(
      async () => {
        try {
          await master.set('lease:k', '2');
          return false;
        } catch (error) {
          // A write in flight when the lease lapses loses its socket (maybeApplied): try again.
          return (error as Error).name !== 'ConnectionLostError' && error;
        }
      },
      { timeoutMs: 10_000, intervalMs: 10, message: 'a write is refused once the lease lapsed' },
    );
    assert.ok(refused instanceof WriteLeaseExpiredError, `got ${String(refused)}`);
    // Reads are not fenced unless asked: they still reach the master.
    const readAt = performance.now();
    // (the writes before the lease lapsed went through: '2' then)
    assert.match(String(await master.get('lease:k')), /^[12]$/);
    assert.ok(performance.now() - readAt < 500, 'a read is not held');
    assert.equal((refused as WriteLeaseExpiredError).code, 'ERR_WRITE_LEASE_EXPIRED');
    const elapsed = performance.now() - stoppedAt;
    assert.ok(
      elapsed >= 1500 && elapsed < 1500 + 300 + 1500,
      `held for failoverTimeout (${Math.round(elapsed)} ms)`,
    );
    await fixture.topology.kill(first!, 'SIGCONT');
    await fixture.topology.kill(second!, 'SIGCONT');
    await eventually(() => master.set('lease:k', '3').then((r) => r === 'OK'), {
      timeoutMs: 5000,
      message: 'writes flow again once the majority confirms',
    });
    // The write-lease channel told both changes, about the master written to.
    const name = fixture.topology.masterName;
    const leased = `${fixture.topology.masterAddress().host}:${fixture.topology.masterAddress().port}`;
    const lapsed = changes.findIndex((c) => c.name === name && c.state === 'lapsed');
    assert.ok(lapsed >= 0, JSON.stringify(changes));
    assert.deepEqual(changes[lapsed], { name, state: 'lapsed', master: leased });
    assert.ok(
      changes.slice(lapsed).some((c) => c.name === name && c.state === 'renewed'),
      JSON.stringify(changes),
    );
  });

  it('fenceReads: reads are held and refused too while the lease has lapsed', async () => {
    const sentinel = fixture.open({ writeLeaseMs: 300, failoverTimeout: 800, fenceReads: true });
    const master = sentinel.masterFor(fixture.topology.masterName);
    await eventually(() => master.set('lease:r', 'x').then((r) => r === 'OK'), { timeoutMs: 5000 });
    const [first, second] = fixture.topology.sentinelAddresses();
    await fixture.topology.kill(first!, 'SIGSTOP');
    await fixture.topology.kill(second!, 'SIGSTOP');
    try {
      const refused = await eventually(
        async () => {
          try {
            await master.get('lease:r');
            return false;
          } catch (error) {
            return error;
          }
        },
        { timeoutMs: 10_000, intervalMs: 10, message: 'a read is refused once the lease lapsed' },
      );
      assert.ok(refused instanceof WriteLeaseExpiredError, `got ${String(refused)}`);
    } finally {
      await fixture.topology.kill(first!, 'SIGCONT');
      await fixture.topology.kill(second!, 'SIGCONT');
    }
    await eventually(() => master.get('lease:r').then((v) => v === 'x'), {
      timeoutMs: 5000,
      message: 'reads flow again once the majority confirms',
    });
  });

  it('a managed master client (redisFor) is fenced: nothing reaches the master until the lease is back', async () => {
    const sentinel = fixture.open({ writeLeaseMs: 300 });
    const redis = sentinel.redisFor(fixture.topology.masterName);
    redis.on('error', () => {});
    await eventually(() => redis.set('lease:m', '1').then((r) => r === 'OK'), { timeoutMs: 5000 });
    const [first, second] = fixture.topology.sentinelAddresses();
    await fixture.topology.kill(first!, 'SIGSTOP');
    await fixture.topology.kill(second!, 'SIGSTOP');
    let pending: Promise<unknown> | undefined;
    try {
      // The lease lapses: the client's socket is dropped and it may not connect again.
      await eventually(() => redis.status !== 'ready', {
        timeoutMs: 5000,
        intervalMs: 10,
        message: 'the managed client leaves the master once the lease lapsed',
      });
      pending = redis.set('lease:m', '2');
      pending.catch(() => {});
      assert.notEqual(redis.status, 'ready');
      assert.equal(await withNode(fixture.topology.masterAddress(), (c) => c.get('lease:m')), '1');
    } finally {
      await fixture.topology.kill(first!, 'SIGCONT');
      await fixture.topology.kill(second!, 'SIGCONT');
    }
    // Queued by ioredis meanwhile, sent once the majority confirms the master again.
    assert.equal(await pending, 'OK');
    assert.equal(await withNode(fixture.topology.masterAddress(), (c) => c.get('lease:m')), '2');
  });

  it('reports a lease that is not comfortably below down-after-milliseconds', async () => {
    const down = fixture.topology.options.downAfterMilliseconds;
    const sentinel = fixture.open({ writeLeaseMs: down });
    const warned = once(sentinel, 'error');
    sentinel.masterFor(fixture.topology.masterName);
    const [error] = (await warned) as [Error];
    assert.ok(error instanceof SentinelConfigError);
    assert.match(error.message, new RegExp(`not comfortably below down-after-milliseconds ${down}`));
  });

  it('refuses a lease shorter than 30 ms', () => {
    assert.throws(() => fixture.open({ writeLeaseMs: 10 }), {
      name: 'SentinelConfigError',
      message: /at least 30/,
    });
  });
});
