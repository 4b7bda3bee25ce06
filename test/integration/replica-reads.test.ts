/**
 * `replicaFor()`: reads spread over the healthy replicas (round-robin, random, least-latency),
 * writes refused before they are sent, a replica lost under a steady read load, the fallback to
 * the master (or ReplicaNotFoundError) when no replica is left, a restarted replica rejoining,
 * and a promoted replica leaving. What each server served is read from its `INFO commandstats`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BalanceStrategy,
  type MasterPool,
  type ReplicaEvent,
  ReplicaNotFoundError,
  type ReplicaPool,
  type Sentinel,
  WriteOnReplicaError,
} from '../../src/index.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { commandAttempts, commandCalls, withNode } from '../helpers/node-client.js';
import { ReadLoad } from '../helpers/read-load.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const KEY = 'rr:key';
const VALUE = 'replicated';

const same = (a: NodeAddress) => (b: NodeAddress) => a.host === b.host && a.port === b.port;

describe('replica reads', () => {
  const fixture = topologyFixture();

  /** A Sentinel with the key written through the master and present on every replica. */
  async function setUp(): Promise<Sentinel> {
    const sentinel = fixture.open();
    await sentinel.masterFor(fixture.topology.masterName).set(KEY, VALUE);
    await eventually(async () => {
      for (const replica of fixture.topology.replicaAddresses()) {
        assert.equal(await withNode(replica, (c) => c.get(KEY)), VALUE);
      }
      return true;
    });
    return sentinel;
  }

  const getsOn = (nodes: NodeAddress[]) => Promise.all(nodes.map((n) => commandCalls(n, 'get')));

  /** Reads `count` times, one at a time, checking every answer. */
  async function read(pool: ReplicaPool, count: number): Promise<void> {
    for (let i = 0; i < count; i++) assert.equal(await pool.get(KEY), VALUE);
  }

  /**
   * Reads until every node in `nodes` served GETs since `baseline` (their GET counts then; now by
   * default), and returns how many each served.
   */
  async function readUntilEachServed(
    pool: ReplicaPool,
    nodes: NodeAddress[],
    baseline?: number[],
  ): Promise<number[]> {
    const before = baseline ?? (await getsOn(nodes));
    return eventually(
      async () => {
        await read(pool, 50);
        const served = (await getsOn(nodes)).map((n, i) => n - before[i]!);
        return served.every((n) => n > 0) ? served : false;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: `reads reach ${nodes.map((n) => n.port).join(', ')}` },
    );
  }

  for (const balance of ['round-robin', 'random', 'least-latency'] as BalanceStrategy[]) {
    it(`spreads reads over both replicas, never the master (balance: '${balance}')`, async () => {
      const sentinel = await setUp();
      const pool = sentinel.replicaFor(fixture.topology.masterName, { balance });
      const master = fixture.topology.masterAddress();
      const replicas = fixture.topology.replicaAddresses();
      const [masterBefore] = await getsOn([master]);
      const untouched = await getsOn(replicas);
      await read(pool, 10);
      const before = await getsOn(replicas);
      await read(pool, 200);
      const served = (await getsOn(replicas)).map((n, i) => n - before[i]!);
      console.log(`# ${balance}: replicas served ${served.join(' + ')} of 200 reads`);
      assert.equal(
        served.reduce((a, b) => a + b, 0),
        200,
      );
      if (balance !== 'least-latency') {
        for (const n of served) assert.ok(n >= 20, `each replica served a share: ${served}`);
      } else {
        // Each replica is measured (served at least once); the faster one then gets most reads.
        await readUntilEachServed(pool, replicas, untouched);
      }
      assert.deepEqual(await getsOn([master]), [masterBefore], 'the master served no read');
    });
  }

  it('rejects writes with WriteOnReplicaError before sending them', async () => {
    const sentinel = await setUp();
    const pool = sentinel.replicaFor(fixture.topology.masterName);
    const nodes = fixture.topology.dataAddresses();
    const before = await Promise.all(
      nodes.flatMap((n) => [
        commandAttempts(n, 'set'),
        commandAttempts(n, 'incr'),
        commandAttempts(n, 'del'),
      ]),
    );
    const refused = { name: 'WriteOnReplicaError', code: 'ERR_WRITE_ON_REPLICA' };
    // ReplicaPool's type has no write methods (test/types/pool-types.ts); JavaScript callers
    // and call() get the error.
    const untyped = pool as unknown as Pick<MasterPool, 'set' | 'incr' | 'del'>;
    // Before the pool ever connected, and after.
    await assert.rejects(untyped.set('rr:w', 'x'), refused);
    await read(pool, 5);
    await assert.rejects(untyped.set('rr:w', 'x'), refused);
    await assert.rejects(untyped.incr('rr:w'), refused);
    await assert.rejects(untyped.del(KEY), refused);
    await assert.rejects(pool.call('SET', 'rr:w', 'x'), refused);
    await assert.rejects(pool.pipeline().get(KEY).set('rr:w', 'x').exec(), refused);
    const error = await untyped.set('rr:w', 'x').catch((e: unknown) => e);
    assert.ok(error instanceof WriteOnReplicaError);
    assert.equal(error.command, 'set');
    const after = await Promise.all(
      nodes.flatMap((n) => [
        commandAttempts(n, 'set'),
        commandAttempts(n, 'incr'),
        commandAttempts(n, 'del'),
      ]),
    );
    assert.deepEqual(after, before, 'no server saw SET, INCR or DEL');
    assert.equal(await withNode(fixture.topology.masterAddress(), (c) => c.get(KEY)), VALUE);
  });

  it('shows no error to a steady read load when a replica is SIGKILLed', async () => {
    const sentinel = await setUp();
    const pool = sentinel.replicaFor(fixture.topology.masterName);
    const down: ReplicaEvent[] = [];
    sentinel.on('replicaDown', (e) => down.push(e));
    await readUntilEachServed(pool, fixture.topology.replicaAddresses());
    const reads = ReadLoad.start({
      read: () => pool.get(KEY),
      isExpected: (v) => v === VALUE,
      maxMs: 30_000,
    });
    fixture.track(reads);
    await eventually(() => reads.answered > 100, { timeoutMs: 5000 });
    const [victim, survivor] = fixture.topology.replicaAddresses() as [NodeAddress, NodeAddress];
    await fixture.topology.kill(victim, 'SIGKILL');
    await eventually(() => down.some((e) => same(victim)(e.replica)), {
      timeoutMs: 15_000,
      message: 'the killed replica is reported down',
    });
    const survivorBefore = await commandCalls(survivor, 'get');
    // Counted after the survivor's own count: reads answered while that count was being taken
    // may precede it, so the load goes on past 200 by more than the readers in flight.
    const answeredAtCount = reads.answered;
    await eventually(() => reads.answered > answeredAtCount + 300, { timeoutMs: 5000 });
    await reads.stop();
    assert.equal(reads.allErrors().length + reads.wrong.length, 0, reads.describe());
    const servedBySurvivor = (await commandCalls(survivor, 'get')) - survivorBefore;
    assert.ok(
      servedBySurvivor >= 200,
      `the survivor serves the reads: ${servedBySurvivor} of ${reads.answered - answeredAtCount} since its count`,
    );
    assert.ok(!pool.replicas().some(same(victim)), 'the killed replica left the pool');
  });

  it('falls back to the master when both replicas are down, or rejects with ReplicaNotFoundError', async () => {
    const sentinel = await setUp();
    const fallback = sentinel.replicaFor(fixture.topology.masterName);
    const strict = sentinel.replicaFor(fixture.topology.masterName, { fallbackToMaster: false });
    await readUntilEachServed(fallback, fixture.topology.replicaAddresses());
    await read(strict, 10);
    const reads = ReadLoad.start({
      read: () => fallback.get(KEY),
      isExpected: (v) => v === VALUE,
      maxMs: 30_000,
    });
    fixture.track(reads);
    const master = fixture.topology.masterAddress();
    const [masterBefore] = await getsOn([master]);
    await Promise.all(fixture.topology.replicaAddresses().map((r) => fixture.topology.kill(r, 'SIGKILL')));
    // Sentinel takes down-after-milliseconds (1.5 s) to call them down.
    const error = await eventually(
      async () => {
        const e = await strict.get(KEY).catch((x: unknown) => x);
        return e instanceof ReplicaNotFoundError ? e : false;
      },
      { timeoutMs: 15_000, intervalMs: 100, message: 'strict reads reject with ReplicaNotFoundError' },
    );
    assert.equal(error.code, 'ERR_REPLICA_NOT_FOUND');
    await eventually(async () => (await commandCalls(master, 'get')) - masterBefore! >= 100, {
      timeoutMs: 10_000,
      message: 'the master serves the fallback reads',
    });
    await reads.stop();
    assert.equal(reads.allErrors().length + reads.wrong.length, 0, reads.describe());
    assert.equal(await fallback.get(KEY), VALUE);
  });

  it('reads from a restarted replica again once it rejoined', async () => {
    const sentinel = await setUp();
    const pool = sentinel.replicaFor(fixture.topology.masterName);
    const down: ReplicaEvent[] = [];
    const up: ReplicaEvent[] = [];
    sentinel.on('replicaDown', (e) => down.push(e));
    sentinel.on('replicaUp', (e) => up.push(e));
    const replica = fixture.topology.replicaAddresses()[0]!;
    await readUntilEachServed(pool, fixture.topology.replicaAddresses());
    await fixture.topology.kill(replica, 'SIGKILL');
    await eventually(() => down.some((e) => same(replica)(e.replica)), { timeoutMs: 15_000 });
    await read(pool, 20);
    await fixture.topology.restart(replica);
    const startedAt = performance.now();
    await eventually(() => up.some((e) => same(replica)(e.replica)), {
      timeoutMs: 30_000,
      message: 'the restarted replica is reported up',
    });
    await readUntilEachServed(pool, [replica]);
    console.log(
      `# replica back in the pool ${(performance.now() - startedAt).toFixed(0)} ms after restart()`,
    );
  });

  it('stops reading from a replica promoted by a failover', async () => {
    const sentinel = await setUp();
    const pool = sentinel.replicaFor(fixture.topology.masterName);
    await readUntilEachServed(pool, fixture.topology.replicaAddresses());
    const { to } = await fixture.topology.failover();
    await eventually(() => !pool.replicas().some(same(to)), {
      message: 'the promoted replica left the pool',
    });
    const others = fixture.topology.dataAddresses().filter((n) => !same(to)(n));
    const [promotedBefore, othersBefore] = await Promise.all([getsOn([to]), getsOn(others)]);
    await read(pool, 200);
    assert.deepEqual(await getsOn([to]), promotedBefore, 'the new master served replica reads');
    const served = (await getsOn(others)).reduce((sum, n, i) => sum + n - othersBefore[i]!, 0);
    assert.equal(served, 200, 'the other data nodes served every read');
    console.log(`# after the failover, replica reads go to ${pool.replicas().map((r) => r.port)}`);
  });
});
