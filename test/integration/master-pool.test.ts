/**
 * `masterFor()`: the ioredis command surface through a pool (typed replies, Buffer variants,
 * `call`, callbacks, pipelines and transactions), batches and dedicated connections across a
 * failover, `retryWrites`, READONLY and ROLE checks, the dedicated-connection rules and limits,
 * and what happens after `quit()`. On a real 1 master + 2 replicas + 3 sentinels topology.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import {
  ClosedError,
  ConnectionLostError,
  FailoverTimeoutError,
  PoolTimeoutError,
  Sentinel,
} from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { commandAttempts, commandCalls, withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { checkWrites, WriteLoad } from '../helpers/write-load.js';

/** How long the load keeps running after a switch before the checks (load duration, not a sync). */
const LOAD_AFTER_SWITCH_MS = 1500;

describe('master pool', () => {
  const fixture = topologyFixture();
  const masterOf = (sentinel: Sentinel, options?: Parameters<Sentinel['masterFor']>[1]) =>
    sentinel.masterFor(fixture.topology.masterName, options);

  /** Lets the load run for `count` more acks and at least `minMs` (load duration, not a sync). */
  async function runLoad(writes: WriteLoad, count = 200, minMs = 0): Promise<void> {
    const since = performance.now();
    await eventually(() => writes.acksSince(since) >= count && performance.now() - since >= minMs, {
      timeoutMs: 10_000 + minMs,
      message: `${count} acks`,
    });
  }

  it('answers typed commands as ioredis does: objects, Buffers, call(), callbacks', async () => {
    const master = masterOf(fixture.open());
    assert.equal(await master.set('mp:str', 'v'), 'OK');
    assert.equal(await master.get('mp:str'), 'v');
    assert.equal(await master.hset('mp:hash', { a: '1', b: '2' }), 2);
    assert.deepEqual({ ...(await master.hgetall('mp:hash')) }, { a: '1', b: '2' });
    const buffer = await master.getBuffer('mp:str');
    assert.ok(Buffer.isBuffer(buffer));
    assert.equal(buffer.toString(), 'v');
    assert.equal(await master.call('SET', 'mp:call', 'x'), 'OK');
    assert.equal(await master.call('GET', 'mp:call'), 'x');
    const viaCallback = await new Promise((resolve, reject) =>
      master.get('mp:str', (error, value) => (error ? reject(error) : resolve(value))),
    );
    assert.equal(viaCallback, 'v');
    const callbackError = await new Promise<Error | null | undefined>((resolve) =>
      master.incr('mp:str', (error) => resolve(error)),
    );
    assert.match(String(callbackError?.message), /not an integer/);
    assert.equal(await withNode(fixture.topology.masterAddress(), (c) => c.get('mp:call')), 'x');
  });

  it('returns pipeline and multi results in order', async () => {
    const master = masterOf(fixture.open());
    assert.deepEqual(await master.pipeline().set('mp:p', '1').incr('mp:p').get('mp:p').exec(), [
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    assert.deepEqual(await master.multi().set('mp:m', 'a').append('mp:m', 'b').get('mp:m').exec(), [
      [null, 'OK'],
      [null, 2],
      [null, 'ab'],
    ]);
    const [[error]] = (await master.pipeline().incr('mp:m').exec()) as [[Error | null, unknown]];
    assert.match(String(error?.message), /not an integer/);
  });

  it('runs batches recorded before a graceful failover and sent during and after it', async () => {
    const sentinel = fixture.open();
    const master = masterOf(sentinel);
    await master.del('mp:fo:n', 'mp:fo:list');
    const pipeline = master.pipeline().incr('mp:fo:n').incr('mp:fo:n');
    const transaction = master
      .multi()
      .rpush('mp:fo:list', 'x')
      .rpush('mp:fo:list', 'y')
      .lrange('mp:fo:list', 0, -1);
    const started = once(sentinel, 'failoverStarted', { signal: AbortSignal.timeout(20_000) });
    const failover = fixture.topology.failover();
    await started;
    const during = Promise.all([pipeline.exec(), transaction.exec()]);
    const { to } = await failover;
    const [pipelined, transacted] = await during;
    assert.deepEqual(pipelined, [
      [null, 1],
      [null, 2],
    ]);
    assert.deepEqual(transacted, [
      [null, 1],
      [null, 2],
      [null, ['x', 'y']],
    ]);
    assert.deepEqual(await master.multi().incr('mp:fo:n').get('mp:fo:n').exec(), [
      [null, 3],
      [null, '3'],
    ]);
    assert.equal(await withNode(to, (c) => c.get('mp:fo:n')), '3');
    assert.deepEqual(await withNode(to, (c) => c.lrange('mp:fo:list', 0, -1)), ['x', 'y']);
  });

  it('never fails a write with retryWrites: true across a SIGKILL of the master', async () => {
    const key = 'seq:retry-writes';
    const master = masterOf(fixture.open(), { retryWrites: true });
    const writes = WriteLoad.start(master, { key, writers: 4, maxMs: 40_000 });
    fixture.track(writes);
    await runLoad(writes);
    const old = fixture.topology.masterAddress();
    const killedAt = performance.now();
    await fixture.topology.kill(old, 'SIGKILL');
    const to = await fixture.topology.waitForFailover(old);
    await runLoad(writes, 200, LOAD_AFTER_SWITCH_MS);
    await writes.stop();
    assert.equal(writes.allErrors().length, 0, writes.describeErrors());
    assert.ok(writes.acksSince(killedAt) > 0);
    const check = await checkWrites(to, key, writes.acks);
    console.log(
      `# retryWrites: ${check.duplicates.length} applied twice (allowed), ${check.missing.length} acknowledged lost by async replication`,
    );
  });

  it('retries reads, and fails only in-flight writes, when the server drops the connection', async () => {
    const master = masterOf(fixture.open());
    await master.set('mp:kill', 'v');
    const readErrors: Error[] = [];
    const writeErrors: Error[] = [];
    let readCount = 0;
    for (let round = 0; round < 5; round++) {
      let isStopped = false;
      const loops = Array.from({ length: 8 }, async (_, i) => {
        for (let n = 0; n < 10_000 && !isStopped; n++) {
          if (i % 2 === 0) {
            await master.get('mp:kill').then(
              (v) => {
                assert.equal(v, 'v');
                readCount++;
              },
              (e: Error) => readErrors.push(e),
            );
          } else {
            await master.incr('mp:kill:n').catch((e: Error) => writeErrors.push(e));
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
      await eventually(() => readCount > (round + 1) * 100, { timeoutMs: 5000 });
      // The server closes every client connection but the killer's own.
      await withNode(fixture.topology.masterAddress(), (c) => c.call('CLIENT', 'KILL', 'TYPE', 'normal'));
      const after = readCount;
      await eventually(() => readCount > after + 100, { timeoutMs: 5000, message: 'reads continue' });
      isStopped = true;
      await Promise.all(loops);
    }
    const describe = (errors: Error[]) =>
      [...new Set(errors.map((e) => `${e.name}: ${e.message}`))].join('; ');
    assert.equal(readErrors.length, 0, `reads failed: ${readErrors.length}× ${describe(readErrors)}`);
    const other = writeErrors.filter((e) => !(e instanceof ConnectionLostError && e.maybeApplied));
    assert.equal(
      other.length,
      0,
      `writes failed otherwise than in flight: ${other.length}× ${describe(other)}`,
    );
    assert.ok(
      writeErrors.length <= 5 * 4,
      `at most one in-flight write per writer per kill: ${writeErrors.length}`,
    );
  });

  it('sends no write to a demoted master: none fails with READONLY through a failover', async () => {
    const key = 'seq:readonly';
    const master = masterOf(fixture.open());
    const writes = WriteLoad.start(master, { key, writers: 4, maxMs: 40_000 });
    fixture.track(writes);
    await runLoad(writes, 50);
    const { to } = await fixture.topology.failover();
    await runLoad(writes, 200, LOAD_AFTER_SWITCH_MS);
    await writes.stop();
    const readonly = writes.allErrors().filter((e) => /READONLY/.test(e.message));
    assert.deepEqual(readonly, [], 'writes refused with READONLY');
    assert.equal(writes.allErrors().length, 0, writes.describeErrors());
    const check = await checkWrites(to, key, writes.acks);
    assert.deepEqual(check.missing, []);
    assert.deepEqual(check.duplicates, []);
  });

  it('never serves from a replica that discovery names as the master (ROLE check)', async () => {
    const announced = fixture.topology.masterAddress();
    const replica = fixture.topology.replicaAddresses()[0]!;
    const sentinel = fixture.open({
      failoverTimeout: 1500,
      natMap: { [`${announced.host}:${announced.port}`]: { host: replica.host, port: replica.port } },
    });
    const master = masterOf(sentinel);
    const [setsBefore, getsBefore] = await Promise.all([
      commandAttempts(replica, 'set'),
      commandCalls(replica, 'get'),
    ]);
    const started = performance.now();
    const [written, read] = await Promise.all([
      master.set('mp:nat', 'x').catch((e: unknown) => e),
      master.get('mp:nat').catch((e: unknown) => e),
    ]);
    const elapsed = performance.now() - started;
    assert.ok(written instanceof FailoverTimeoutError, `set: ${String(written)}`);
    assert.ok(read instanceof FailoverTimeoutError, `get: ${String(read)}`);
    assert.equal(written.code, 'ERR_FAILOVER_TIMEOUT');
    assert.ok(elapsed > 1400 && elapsed < 5000, `failed after ${elapsed} ms`);
    assert.equal(await commandAttempts(replica, 'set'), setsBefore, 'SET reached the replica');
    assert.equal(await commandCalls(replica, 'get'), getsBefore, 'GET reached the replica');
  });

  it('refuses blocking and stateful commands on the pool with DedicatedConnectionRequiredError', async () => {
    const master = masterOf(fixture.open());
    await master.ping();
    const blpopsBefore = await commandCalls(fixture.topology.masterAddress(), 'blpop');
    // The types refuse these too (test/types/pool-types.ts); JavaScript callers get the error.
    const calls: [string, () => Promise<unknown>][] = [
      // @ts-expect-error: not a method of MasterPool's type
      ['blpop', () => master.blpop('mp:queue', 1)],
      // @ts-expect-error: not a method of MasterPool's type
      ['watch', () => master.watch('mp:w')],
      // @ts-expect-error: not a method of MasterPool's type
      ['subscribe', () => master.subscribe('mp:ch')],
      ['call BLPOP', () => master.call('BLPOP', 'mp:queue', '1')],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(
        call(),
        { name: 'DedicatedConnectionRequiredError', code: 'ERR_DEDICATED_CONNECTION_REQUIRED' },
        what,
      );
    }
    await assert.rejects(master.pipeline().get('a').watch('a').exec(), {
      name: 'DedicatedConnectionRequiredError',
    });
    assert.equal(await commandCalls(fixture.topology.masterAddress(), 'blpop'), blpopsBefore);
  });

  it('keeps a BLPOP consumer in withConnection receiving across a graceful failover', async () => {
    const sentinel = fixture.open();
    const master = masterOf(sentinel);
    const queue = 'mp:queue:blpop';
    await master.del(queue);
    const received: string[] = [];
    const unexpected: unknown[] = [];
    let lostCount = 0;
    let isStopped = false;
    const consumer = master.withConnection(async (connection) => {
      const deadline = performance.now() + 60_000;
      for (let i = 0; i < 1000 && !isStopped && performance.now() < deadline; i++) {
        try {
          const item = await connection.blpop(queue, 1);
          if (item) received.push(item[1]);
        } catch (error) {
          if (error instanceof ConnectionLostError) lostCount++;
          else unexpected.push(error);
        }
      }
    });
    try {
      await master.rpush(queue, 'before');
      await eventually(() => received.includes('before'), { timeoutMs: 5000, message: 'first item' });
      const { to } = await fixture.topology.failover();
      await master.rpush(queue, 'after');
      await eventually(() => received.includes('after'), {
        timeoutMs: 10_000,
        message: 'the consumer receives an item pushed to the new master',
      });
      assert.equal(await withNode(to, (c) => c.llen(queue)), 0, 'popped from the new master');
    } finally {
      isStopped = true;
      await consumer;
    }
    assert.deepEqual(unexpected, []);
    console.log(`# BLPOP consumer: ${lostCount} ConnectionLostError during the failover`);
  });

  it('keeps a subscription on a dedicated connection across a graceful failover', async () => {
    const master = masterOf(fixture.open());
    const connection = await master.acquire();
    try {
      const messages: string[] = [];
      connection.on('message', (_channel: string, message: string) => messages.push(message));
      await connection.subscribe('mp:news');
      assert.equal(await master.publish('mp:news', 'before'), 1);
      await eventually(() => messages.includes('before'), { timeoutMs: 5000 });
      const { to } = await fixture.topology.failover();
      // PUBLISH answers how many subscribers of the new master got it: ours, once it moved.
      await eventually(async () => (await master.publish('mp:news', 'after')) >= 1, {
        timeoutMs: 10_000,
        intervalMs: 100,
        message: 'the subscriber resubscribed on the new master',
      });
      await eventually(() => messages.includes('after'), { timeoutMs: 5000 });
      const [, subscribers] = (await withNode(to, (c) => c.pubsub('NUMSUB', 'mp:news'))) as [string, number];
      assert.equal(Number(subscribers), 1);
    } finally {
      master.release(connection);
    }
  });

  it('rejects acquire() beyond maxDedicatedConnections with PoolTimeoutError after acquireTimeout', async () => {
    const master = masterOf(fixture.open(), {
      maxDedicatedConnections: 1,
      acquireTimeout: 200,
    });
    const first = await master.acquire();
    const started = performance.now();
    const error = await master.acquire().catch((e: unknown) => e);
    const waited = performance.now() - started;
    assert.ok(error instanceof PoolTimeoutError, String(error));
    assert.equal(error.code, 'ERR_POOL_TIMEOUT');
    assert.ok(waited >= 190 && waited < 2000, `rejected after ${waited} ms`);
    // A waiter gets the connection as soon as it is released.
    const waiting = master.acquire();
    master.release(first);
    const second = await waiting;
    assert.equal(await second.ping(), 'PONG');
    master.release(second);
  });

  it('rejects every call with ClosedError after quit()', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses());
    const master = masterOf(sentinel);
    await master.set('mp:closed', '1');
    await sentinel.quit();
    const closed = { name: 'ClosedError', code: 'ERR_CLOSED' };
    await assert.rejects(master.get('mp:closed'), closed);
    await assert.rejects(master.set('mp:closed', '2'), closed);
    await assert.rejects(master.pipeline().get('mp:closed').exec(), closed);
    await assert.rejects(master.multi().get('mp:closed').exec(), closed);
    await assert.rejects(master.acquire(), closed);
    await assert.rejects(
      master.withConnection(async () => {}),
      closed,
    );
    const viaCallback = await new Promise((resolve) => master.get('mp:closed', (error) => resolve(error)));
    assert.ok(viaCallback instanceof ClosedError);
    assert.throws(() => sentinel.masterFor(fixture.topology.masterName), closed);
    assert.equal(await withNode(fixture.topology.masterAddress(), (c) => c.get('mp:closed')), '1');
  });
});
