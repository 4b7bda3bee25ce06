/**
 * `sentinel.redisFor(name)`: genuine ioredis clients whose connection the Sentinel manages, and
 * `duplicate()` of them and of connections lent by `acquire()`. On a real 1 master + 2 replicas
 * + 3 sentinels topology; writes are counted on the final master once the old one is demoted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  CommandTimeoutError,
  ConnectionLostError,
  type MasterPool,
  SentinelConfigError,
} from '../../src/index.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { checkWrites, WriteLoad } from '../helpers/write-load.js';

/** `CLIENT LIST` of a node. */
function clientList(address: NodeAddress): Promise<string> {
  return withNode(address, (c) => c.client('LIST') as Promise<string>);
}

/** The names of the clients connected to `address`. */
async function clientNames(address: NodeAddress): Promise<string[]> {
  const list = await clientList(address);
  return [...list.matchAll(/ name=(\S*)/g)].map((m) => m[1]!).filter((n) => n !== '');
}

/** `calls` and `rejected_calls` of one command on a node (INFO commandstats). */
async function commandStats(
  address: NodeAddress,
  command: string,
): Promise<{ calls: number; rejected: number }> {
  const info = String(await withNode(address, (c) => c.info('commandstats')));
  const line = info.split('\r\n').find((l) => l.startsWith(`cmdstat_${command}:`)) ?? '';
  const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? 0);
  return { calls: field('calls'), rejected: field('rejected_calls') };
}

/** Waits until the old master says ROLE slave: before that it still takes writes it will lose. */
async function waitForDemotion(old: NodeAddress): Promise<void> {
  await eventually(async () => ((await withNode(old, (c) => c.call('ROLE'))) as unknown[])[0] === 'slave', {
    timeoutMs: 40_000,
    intervalMs: 200,
    message: 'Sentinel demotes the old master',
  });
}

/** A write load through an ioredis client (WriteLoad uses only rpush and pipeline). */
function loadOn(redis: Redis, key: string): WriteLoad {
  return WriteLoad.start(redis as unknown as MasterPool, { key, writers: 4, maxMs: 60_000 });
}

describe('managed clients', () => {
  const fixture = topologyFixture();
  const name = () => fixture.topology.masterName;

  /** Lets every load run for `count` more acks (load duration, not a sync). */
  async function runLoads(loads: WriteLoad[], count = 100): Promise<void> {
    const since = performance.now();
    await eventually(() => loads.every((l) => l.acksSince(since) >= count), {
      timeoutMs: 15_000,
      message: `${count} acks on every load`,
    });
  }

  /** Writes through every client across a graceful failover; 0 acknowledged lost on each. */
  async function assertNoLossAcrossFailover(clients: Record<string, Redis>): Promise<void> {
    const keys = Object.keys(clients).map((label) => `mc:seq:${label}`);
    await withNode(fixture.topology.masterAddress(), (c) => c.del(...keys));
    const loads = Object.entries(clients).map(([label, redis]) => ({
      label,
      load: fixture.track(loadOn(redis, `mc:seq:${label}`)),
    }));
    await runLoads(loads.map((l) => l.load));
    const { from, to } = await fixture.topology.failover();
    await runLoads(loads.map((l) => l.load));
    await Promise.all(loads.map(({ load }) => load.stop()));
    await waitForDemotion(from);
    assert.equal(fixture.topology.masterAddress().port, to.port, 'no second failover');
    for (const { label, load } of loads) {
      assert.deepEqual(load.errorsOtherThan('ConnectionLostError'), [], `${label}: ${load.describeErrors()}`);
      const check = await checkWrites(to, `mc:seq:${label}`, load.acks);
      console.log(
        `# ${label}: ${check.acknowledged} acknowledged, ${check.missing.length} lost, ${check.duplicates.length} twice, ${load.failed.size} failed`,
      );
      assert.deepEqual(check.missing, [], `${label}: acknowledged writes missing on the final master`);
      assert.deepEqual(check.duplicates, [], `${label}: writes applied twice`);
    }
  }

  it('gives a genuine ioredis client of the master, and of a replica with role: "replica"', async () => {
    const sentinel = fixture.open();
    const master = sentinel.redisFor(name(), { connectionName: 'mc-basic-master', keyPrefix: 'mc:' });
    const replica = sentinel.redisFor(name(), { role: 'replica', connectionName: 'mc-basic-replica' });
    assert.ok(master instanceof Redis);
    assert.ok(replica instanceof Redis);
    assert.equal(await master.set('basic', 'v'), 'OK');
    assert.equal(((await master.call('ROLE')) as unknown[])[0], 'master');
    assert.equal(((await replica.call('ROLE')) as unknown[])[0], 'slave');
    assert.equal(
      await withNode(fixture.topology.masterAddress(), (c) => c.get('mc:basic')),
      'v',
      'keyPrefix',
    );
    assert.ok((await clientNames(fixture.topology.masterAddress())).includes('mc-basic-master'));
    assert.equal(master.status, 'ready');
    assert.deepEqual(await master.pipeline().set('pipe', '1').get('pipe').exec(), [
      [null, 'OK'],
      [null, '1'],
    ]);
    assert.deepEqual(await master.multi().incr('pipe').get('pipe').exec(), [
      [null, 2],
      [null, '2'],
    ]);
    const events: string[] = [];
    for (const event of ['close', 'end']) replica.once(event, () => events.push(event));
    replica.disconnect();
    await eventually(() => replica.status === 'end' && events.includes('end'), { timeoutMs: 5000 });
  });

  it('refuses an option the Sentinel owns, in redisFor() and in duplicate(), naming it', () => {
    const sentinel = fixture.open();
    const named = (option: string) => (error: unknown) =>
      error instanceof SentinelConfigError && error.message.includes(`option ${option} `);
    assert.throws(() => sentinel.redisFor(name(), { host: '127.0.0.1' } as never), named('host'));
    const redis = sentinel.redisFor(name(), { lazyConnect: true });
    assert.throws(() => redis.duplicate({ port: 6379 }), named('port'));
    assert.throws(() => sentinel.redisFor(name(), { role: 'slave' } as never), SentinelConfigError);
  });

  it('leaves no connection behind after sentinel.quit()', async () => {
    const sentinel = fixture.open();
    const a = sentinel.redisFor(name(), { connectionName: 'mc-quit-a' });
    const b = a.duplicate({ connectionName: 'mc-quit-b' });
    const c = sentinel.redisFor(name(), { role: 'replica', connectionName: 'mc-quit-c' });
    await Promise.all([a.ping(), b.ping(), c.ping()]);
    await sentinel.quit();
    assert.deepEqual([a.status, b.status, c.status], ['end', 'end', 'end']);
    for (const node of fixture.topology.dataAddresses()) {
      const names = await clientNames(node);
      assert.deepEqual(
        names.filter((n) => n.startsWith('mc-quit')),
        [],
        `clients left on ${node.port}`,
      );
    }
  });

  it('fails a command in flight on a dropped socket with ConnectionLostError and never resends it', async () => {
    const sentinel = fixture.open();
    const redis = sentinel.redisFor(name());
    const key = 'mc:inflight:list';
    await redis.del(key);
    const id = await redis.client('ID');
    const popping = redis.blpop(key, 0).then(
      () => undefined,
      (error: unknown) => error,
    );
    const blocked = new RegExp(`id=${id} .*cmd=blpop`);
    await eventually(async () => blocked.test(await clientList(fixture.topology.masterAddress())), {
      timeoutMs: 5000,
      message: 'BLPOP sent',
    });
    await withNode(fixture.topology.masterAddress(), (c) => c.client('KILL', 'ID', id));
    const error = await popping;
    assert.ok(error instanceof ConnectionLostError, `got ${String(error)}`);
    assert.equal(error.maybeApplied, true);
    // Reconnected: a resent BLPOP would pop this element.
    assert.equal(await redis.ping(), 'PONG');
    await redis.rpush(key, 'kept');
    assert.deepEqual(await redis.lrange(key, 0, -1), ['kept']);
  });

  it('resends a PUBLISH lost with its socket, as ioredis does: a library that publishes without catching survives', async () => {
    const sentinel = fixture.open();
    const pub = sentinel.redisFor(name());
    const sub = sentinel.redisFor(name());
    const received: string[] = [];
    sub.on('message', (_channel: string, message: string) => received.push(message));
    await sub.subscribe('mc:resend');
    assert.equal(await pub.ping(), 'PONG');
    const published = pub.publish('mc:resend', 'after-drop');
    pub.stream.destroy(); // in flight: written, not answered
    assert.equal(await published, 1);
    await eventually(() => received.includes('after-drop'), {
      timeoutMs: 5000,
      message: 'the message arrives',
    });
    // Other commands in flight are still never resent (the test above).
  });

  it('makes duplicate() of a managed client and of an acquired connection managed clients', async () => {
    const sentinel = fixture.open();
    const original = sentinel.redisFor(name(), { connectionName: 'mc-dup-original' });
    const copy = original.duplicate({ connectionName: 'mc-dup-copy' });
    const replica = sentinel.redisFor(name(), { role: 'replica' }).duplicate();
    const lent = await sentinel.masterFor(name()).acquire();
    const lentCopy = lent.duplicate();
    try {
      for (const redis of [copy, replica, lentCopy]) assert.ok(redis instanceof Redis);
      assert.notEqual(copy, original);
      assert.equal(((await copy.call('ROLE')) as unknown[])[0], 'master');
      assert.equal(((await replica.call('ROLE')) as unknown[])[0], 'slave');
      assert.equal(((await lentCopy.call('ROLE')) as unknown[])[0], 'master');
      assert.ok((await clientNames(fixture.topology.masterAddress())).includes('mc-dup-copy'));
    } finally {
      sentinel.masterFor(name()).release(lent);
    }
  });

  it('loses no acknowledged write through a managed client and its duplicate across a graceful failover', async () => {
    const sentinel = fixture.open();
    const original = sentinel.redisFor(name());
    const copy = original.duplicate();
    await assertNoLossAcrossFailover({ original, duplicate: copy });
  });

  it('loses no acknowledged write through an acquired connection and its duplicate across a graceful failover', async () => {
    const sentinel = fixture.open();
    const pool = sentinel.masterFor(name());
    const lent = await pool.acquire();
    try {
      await assertNoLossAcrossFailover({ acquired: lent, 'acquired-duplicate': lent.duplicate() });
    } finally {
      pool.release(lent);
    }
  });

  it('resubscribes a managed subscriber on the new master after a failover', async () => {
    const sentinel = fixture.open();
    const subscriber = sentinel.redisFor(name());
    const publisher = subscriber.duplicate();
    const messages: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => messages.push(message));
    await subscriber.subscribe('mc:news');
    assert.equal(await publisher.publish('mc:news', 'before'), 1);
    await eventually(() => messages.includes('before'), { timeoutMs: 5000 });
    await fixture.topology.failover();
    await eventually(async () => (await publisher.publish('mc:news', 'after')) >= 1, {
      timeoutMs: 10_000,
      intervalMs: 100,
      message: 'the subscriber resubscribed on the new master',
    });
    await eventually(() => messages.includes('after'), { timeoutMs: 5000 });
  });

  it('moves a replica client off a promoted replica, and leaves a client its user quit closed', async () => {
    const sentinel = fixture.open();
    const replica = sentinel.redisFor(name(), { role: 'replica', connectionName: 'mc-follow-replica' });
    const quitter = sentinel.redisFor(name(), { connectionName: 'mc-follow-quit' });
    assert.equal(((await replica.call('ROLE')) as unknown[])[0], 'slave');
    await quitter.ping();
    await quitter.quit();
    const { to } = await fixture.topology.failover();
    await eventually(
      async () => {
        const role = (await replica.call('ROLE').catch(() => ['lost'])) as unknown[];
        return role[0] === 'slave';
      },
      { timeoutMs: 10_000, intervalMs: 100, message: 'the replica client reads from a replica' },
    );
    assert.ok(!(await clientNames(to)).includes('mc-follow-replica'), 'not on the new master');
    assert.equal(quitter.status, 'end');
    for (const node of fixture.topology.dataAddresses()) {
      assert.ok(
        !(await clientNames(node)).includes('mc-follow-quit'),
        `the quit client is back on ${node.port}`,
      );
    }
  });

  it('treats defineCommand of the same script again as a no-op, and refuses another script', async () => {
    const sentinel = fixture.open();
    const redis = sentinel.redisFor(name());
    const pool = sentinel.masterFor(name());
    const lua = 'return redis.call("INCRBY", KEYS[1], ARGV[1])';
    for (const target of [redis, pool]) {
      target.defineCommand('mcIncr', { numberOfKeys: 1, lua });
      target.defineCommand('mcIncr', { numberOfKeys: 1, lua });
      assert.throws(
        () => target.defineCommand('mcIncr', { numberOfKeys: 1, lua: 'return 0' }),
        SentinelConfigError,
      );
    }
    await redis.del('mc:script');
    const call = (target: unknown) =>
      (target as { mcIncr(k: string, n: number): Promise<number> }).mcIncr('mc:script', 2);
    assert.equal(await call(redis), 2);
    assert.equal(await call(pool), 4);
  });

  it('checks ROLE before it sends what it queued: a held write never reaches a replica named as the master', async () => {
    const master = fixture.topology.masterAddress();
    const replica = fixture.topology.replicaAddresses()[0]!;
    // A stale announcement: the master's address translates to a replica.
    const sentinel = fixture.open({
      natMap: (address) => (address.port === master.port ? { ...replica } : address),
    });
    const key = 'mc:held-write';
    await withNode(master, (c) => c.del(key));
    const pushesBefore = await commandStats(replica, 'lpush');
    const rolesBefore = await commandStats(replica, 'role');
    const client = sentinel.redisFor(name());
    // Issued before the client is ready: it waits in ioredis's offline queue.
    const write = client.lpush(key, 'held');
    // Two connects to the replica, each refused by the ROLE check (ioredis flushed the queue on
    // the first one before the check ran).
    await eventually(async () => (await commandStats(replica, 'role')).calls >= rolesBefore.calls + 2, {
      timeoutMs: 10_000,
      message: 'the client tried the replica twice',
    });
    assert.deepEqual(await commandStats(replica, 'lpush'), pushesBefore, 'no LPUSH reached the replica');
    // Closed while still held: the write fails as never sent, and reached no server. (Under load
    // the two refused connects can take longer than commandTimeout: then it has already failed
    // as timed out while queued, never sent, which shows the same.)
    client.disconnect();
    await assert.rejects(
      write,
      (error: Error) =>
        error.name === 'ClosedError' ||
        /closed/i.test(error.message) ||
        (error instanceof CommandTimeoutError && !error.maybeApplied),
    );
    assert.deepEqual(await commandStats(replica, 'lpush'), pushesBefore, 'still no LPUSH on the replica');
    assert.equal(await withNode(master, (c) => c.exists(key)), 0, 'nor on the master');
  });
});
