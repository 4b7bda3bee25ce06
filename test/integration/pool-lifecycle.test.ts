/**
 * The lifecycle of pools (issue 13): a replica pool lends a connection on its very first call, a
 * pool closed by its own quit() or disconnect() leaves the Sentinel's cache (the same name and
 * options then give a new pool), and a replica pool's fallback into the master pool it holds,
 * once the caller closed that, fails at once with a ClosedError naming the fix. On a real 1 master + 2 replicas + 3 sentinels topology.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ClosedError, ReplicaNotFoundError, type SentinelOptions } from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

/** Long enough that a call settled before it did not wait for it. */
const FAILOVER_TIMEOUT = 20_000;
/** A call that needs no waiting settles well before this (milliseconds on an idle machine). */
const FAST_BOUND_MS = 2500;

describe('pool lifecycle', () => {
  const fixture = topologyFixture({}, { restore: false });
  const open = (options: SentinelOptions = {}) =>
    fixture.open({ socketTimeout: 500, failoverTimeout: FAILOVER_TIMEOUT, ...options });

  it('lends a replica connection on the first call of a new replica pool, in well under acquireTimeout', async () => {
    const replicaPorts = fixture.topology.replicaAddresses().map((r) => r.port);
    const started = performance.now();
    const replica = open().replicaFor(fixture.topology.masterName);
    const connection = await replica.acquire();
    try {
      assert.ok(
        performance.now() - started < FAST_BOUND_MS,
        `took ${Math.round(performance.now() - started)} ms`,
      );
      const role = (await connection.call('ROLE')) as unknown[];
      assert.equal(role[0], 'slave');
    } finally {
      replica.release(connection);
    }
    const other = open().replicaFor(fixture.topology.masterName);
    const port = await other.withConnection(async (c) =>
      Number(((await c.config('GET', 'port')) as string[])[1]),
    );
    assert.ok(replicaPorts.includes(port), `withConnection() as the first call reached ${port}`);
  });

  it('never lends again a dedicated connection its borrower ended', async () => {
    const master = open().masterFor(fixture.topology.masterName, { maxDedicatedConnections: 1 });
    // Given back once it ended, or given back first and ended while idle: neither is lent again.
    for (const isReleasedFirst of [false, true]) {
      const first = await master.acquire();
      const ended = once(first, 'end');
      await first.quit();
      if (isReleasedFirst) master.release(first);
      await ended;
      if (!isReleasedFirst) master.release(first);
      const second = await master.acquire();
      try {
        assert.notEqual(second, first);
        assert.equal(await second.ping(), 'PONG');
      } finally {
        master.release(second);
      }
      await master.withConnection(async (c) => {
        await c.quit();
        await once(c, 'end');
      });
    }
  });

  it('forgets a pool closed by its own quit() or disconnect(): the same name and options give a new one', async () => {
    const sentinel = open();
    const name = fixture.topology.masterName;
    const master = sentinel.masterFor(name);
    await master.set('lifecycle:k', 'v');
    await master.quit();
    await assert.rejects(master.get('lifecycle:k'), ClosedError);
    const again = sentinel.masterFor(name);
    assert.notEqual(again, master);
    assert.equal(await again.get('lifecycle:k'), 'v');
    assert.equal(sentinel.masterFor(name), again, 'an open pool is still shared');

    const replica = sentinel.replicaFor(name, { balance: 'round-robin' });
    await replica.get('lifecycle:k');
    await replica.disconnect();
    const newReplica = sentinel.replicaFor(name, { balance: 'round-robin' });
    assert.notEqual(newReplica, replica);
    await newReplica.get('lifecycle:k');

    // A session built on the closed pool is built again.
    await sentinel.session(name).master.set('lifecycle:s', '1');
    await sentinel.masterFor(name).quit();
    await sentinel.session(name).master.set('lifecycle:s', '2');
  });

  it('fails a fallback into the master pool the caller closed at once with ClosedError saying what to do, never waits on it, lends no replica it has not', async () => {
    // Replicas refused by allowedHosts: the replica pool has none, so every read falls back.
    const masterPort = fixture.topology.masterAddress().port;
    const sentinelPorts = new Set(fixture.topology.sentinelAddresses().map((s) => s.port));
    const sentinel = open({ allowedHosts: (a) => a.port === masterPort || sentinelPorts.has(a.port) });
    const name = fixture.topology.masterName;
    const master = sentinel.masterFor(name);
    const replica = sentinel.replicaFor(name);
    await master.set('lifecycle:f', 'v');
    assert.equal(await replica.get('lifecycle:f'), 'v');
    await master.quit();
    const closed = await rejection(() => replica.get('lifecycle:f'));
    assert.ok(closed.error instanceof ClosedError, `${closed.error.name}: ${closed.error.message}`);
    assert.match(
      closed.error.message,
      /masterFor\("mymaster"\), which replicaFor\("mymaster"\) falls back into, is closed: quit\(\) the replica pool too/,
    );
    assert.ok(closed.ms < FAST_BOUND_MS, `settled in ${closed.ms} ms`);
    assert.notEqual(sentinel.masterFor(name), master, 'the closed master pool left the cache all the same');

    // The fix the message names: a new replica pool falls back into a new master pool.
    await replica.quit();
    const again = sentinel.replicaFor(name);
    assert.notEqual(again, replica);
    assert.equal(await again.get('lifecycle:f'), 'v', 'the new master pool serves the fallback');

    const lent = await rejection(() => again.acquire());
    assert.ok(
      lent.error instanceof ReplicaNotFoundError,
      `acquire(): ${lent.error.name}: ${lent.error.message}`,
    );
    assert.ok(lent.ms < FAST_BOUND_MS);

    const pending = again.get('lifecycle:f');
    const closing = sentinel.quit();
    const after = await rejection(() => again.get('lifecycle:f'));
    assert.ok(after.error instanceof ClosedError, `${after.error.name}: ${after.error.message}`);
    assert.ok(after.ms < FAST_BOUND_MS);
    await pending.catch(() => undefined);
    await closing;
  });
});
