/**
 * Pool command surface: what ioredis does to a command's arguments and reply (the pools hand
 * ioredis a `Command` for a built-in command, see pool/job.ts), Lua commands from
 * defineCommand(), and what a command does when no master can be found at all.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { before, describe, it } from 'node:test';
import { FailoverTimeoutError, Sentinel } from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

/** Waits until `pool` (a replica pool: replication is asynchronous) sees `key`. */
async function waitForKey(pool: { exists(key: string): Promise<number> }, key: string): Promise<void> {
  await eventually(async () => (await pool.exists(key)) === 1, { timeoutMs: 5000 });
}

describe('pool commands', () => {
  const fixture = topologyFixture({ replicas: 1, sentinels: 1, quorum: 1 }, { restore: false });
  let sentinel: Sentinel;

  before(() => {
    sentinel = fixture.open();
  });

  it('keeps every reply with its command while concurrent writes are gathered', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName);
    // 10 callers, 2 × 1,700 commands each: enough for the connection's first trial of the other
    // gathering floor (gather-floor-tuner.ts: 4 windows of 2,048 commands, then a trial of 4).
    const callers = 10;
    const rounds = 1700;
    await Promise.all(
      Array.from({ length: callers }, async (_, caller) => {
        for (let i = 0; i < rounds; i++) {
          const value = `${caller}:${i}`;
          assert.equal(await master.set(`gather:${caller}`, value), 'OK');
          assert.equal(await master.get(`gather:${caller}`), value);
        }
      }),
    );
  });

  it('keeps ioredis reply encodings and its argument and reply transformers', async () => {
    const name = fixture.topology.masterName;
    const master = sentinel.masterFor(name);
    const replica = sentinel.replicaFor(name);
    // Argument transformers: an object and a Map for HSET/MSET.
    assert.equal(await master.hset('enc:h', { a: '1', b: 2 }), 2);
    assert.equal(
      await master.mset(
        new Map([
          ['enc:m1', 'x'],
          ['enc:m2', 'y'],
        ]),
      ),
      'OK',
    );
    assert.equal(await master.rpush('enc:l', ...['p', 'q'], 'r'), 3);
    // Reply transformers and encodings, on both pools.
    for (const pool of [master, replica]) {
      await waitForKey(pool, 'enc:l'); // the last write: replication keeps the order
      assert.deepEqual({ ...(await pool.hgetall('enc:h')) }, { a: '1', b: '2' });
      const buffer = await pool.getBuffer('enc:m1');
      assert.ok(Buffer.isBuffer(buffer), 'getBuffer answers a Buffer');
      assert.equal(buffer.toString(), 'x');
      assert.deepEqual(await pool.mget('enc:m1', 'enc:m2'), ['x', 'y']);
      assert.deepEqual(await pool.lrange('enc:l', 0, -1), ['p', 'q', 'r']);
      assert.equal(await pool.call('GET', 'enc:m2'), 'y');
      assert.ok(Buffer.isBuffer(await pool.callBuffer('get', 'enc:m2')));
    }
    // A callback gets the reply as ioredis's would.
    const viaCallback = await new Promise((resolve, reject) =>
      master.get('enc:m1', (error, value) => (error ? reject(error) : resolve(value))),
    );
    assert.equal(viaCallback, 'x');
  });

  it('defines Lua commands on every connection, present and future', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName, { poolSize: 2 });
    await master.set('lua:k', 'old');
    master.defineCommand('swap', { numberOfKeys: 1, lua: 'return redis.call("GETSET", KEYS[1], ARGV[1])' });
    const swap = (master as unknown as { swap(key: string, value: string): Promise<string> }).swap;
    assert.equal(await swap('lua:k', 'new'), 'old');
    assert.equal(await swap('lua:k', 'newer'), 'new');
    await master.withConnection(async (connection) => {
      const dedicated = connection as unknown as { swap(key: string, value: string): Promise<string> };
      assert.equal(await dedicated.swap('lua:k', 'x'), 'newer');
    });
    assert.throws(() => master.defineCommand('get', { lua: 'return 1' }), { name: 'SentinelConfigError' });
  });

  it('fails a command with FailoverTimeoutError when no sentinel can name a master', async () => {
    // A port with nothing listening: every sentinel is unreachable.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const lonely = new Sentinel([{ host: '127.0.0.1', port }], { failoverTimeout: 500, socketTimeout: 200 });
    try {
      const started = performance.now();
      const error = await lonely
        .masterFor('mymaster')
        .get('k')
        .catch((e: unknown) => e);
      assert.ok(error instanceof FailoverTimeoutError, String(error));
      assert.equal(error.code, 'ERR_FAILOVER_TIMEOUT');
      assert.ok(performance.now() - started < 3000);
    } finally {
      await lonely.quit();
    }
  });
});
