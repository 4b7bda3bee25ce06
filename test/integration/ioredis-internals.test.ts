/**
 * Every ioredis internal this library relies on (src/connector/ioredis-internals.ts), one test
 * each, against a real redis-server: an ioredis release that moves one fails here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis, type RedisOptions } from 'ioredis';
import { CommandTimeoutError } from '../../src/command-errors.js';
import { typeCommandTimeouts } from '../../src/connector/command-timeouts.js';
import {
  checkIoredisInternals,
  disconnectNow,
  flushQueue,
  isLeftChanged,
  isQueuedOffline,
  missingInternals,
  onFatalError,
  reconnectNow,
  takeUnanswered,
  verifyBeforeReady,
} from '../../src/connector/ioredis-internals.js';
import { findFreePort } from '../../src/testing/free-port.js';
import { eventually, LocalTopology, type NodeAddress } from '../../src/testing/index.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

describe('ioredis internals', { timeout: 60_000 }, () => {
  let topology: LocalTopology;
  let server: NodeAddress;
  const clients: Redis[] = [];
  const open = (options: RedisOptions = {}): Redis => {
    const client = new Redis({ host: server.host, port: server.port, ...options });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };

  before(async () => {
    topology = await LocalTopology.start({ replicas: 0, sentinels: 1, quorum: 1 });
    server = topology.masterAddress();
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await topology.stop();
  });

  it('finds every internal on the installed ioredis', () => {
    const redis = new Redis({ lazyConnect: true });
    assert.deepEqual(missingInternals(redis), []);
    redis.disconnect();
    checkIoredisInternals();
  });

  it('commandQueue: a command written and not answered can be taken and failed', async () => {
    const redis = open();
    await redis.ping();
    const pending = redis.blpop('internals:never', 30);
    const taken = await eventually(
      () => {
        const commands = takeUnanswered(redis);
        return commands.length > 0 ? commands : false;
      },
      { message: 'blpop in the command queue', timeoutMs: 5000 },
    );
    assert.deepEqual(
      taken.map((c) => c.name),
      ['blpop'],
    );
    for (const command of taken) command.reject(new Error('taken by the test'));
    await assert.rejects(pending, /taken by the test/);
    redis.disconnect();
  });

  it('offlineQueue and flushQueue: a command issued before connecting waits unsent, and can be failed', async () => {
    const redis = open({ lazyConnect: true, enableOfflineQueue: true });
    const queued = redis.get('internals:offline');
    const command = takeCommandNamed(redis, 'get');
    assert.equal(isQueuedOffline(redis, command), true);
    flushQueue(redis, new Error('flushed by the test'));
    await assert.rejects(queued, /flushed by the test/);
    redis.disconnect();
  });

  it('condition: a connection left subscribed or on another database is told apart', async () => {
    const redis = open();
    await redis.ping();
    assert.equal(isLeftChanged(redis, 0), false);
    await redis.select(1);
    assert.equal(isLeftChanged(redis, 0), true);
    await redis.select(0);
    await redis.subscribe('internals:channel');
    assert.equal(isLeftChanged(redis, 0), true);
  });

  it('recoverFromFatalError: bytes that are not RESP reach the handler', async () => {
    const proxy = await TcpProxy.start(server);
    try {
      const redis = new Redis({
        host: proxy.address.host,
        port: proxy.address.port,
        retryStrategy: () => null,
      });
      redis.on('error', () => {});
      clients.push(redis);
      await redis.ping();
      const seen: Error[] = [];
      onFatalError(redis, (error) => {
        seen.push(error);
        redis.disconnect();
      });
      proxy.setMode({ kind: 'garbage' });
      await redis.ping().catch(() => {});
      await eventually(() => seen.length > 0, { message: 'the fatal error handler ran', timeoutMs: 5000 });
      assert.match(seen[0]!.message, /RESP|Protocol/i);
    } finally {
      await proxy.close();
    }
  });

  it('reconnectTimeout: reconnectNow connects at once instead of after the backoff', async () => {
    const redis = open({ retryStrategy: () => 60_000 });
    await redis.ping();
    await redis.call('CLIENT', 'KILL', 'SKIPME', 'no', 'ID', String(await redis.client('ID')));
    await eventually(() => redis.status === 'reconnecting', { message: 'reconnecting', timeoutMs: 5000 });
    reconnectNow(redis);
    await eventually(() => redis.status === 'ready', {
      message: 'ready long before the 60 s backoff',
      timeoutMs: 5000,
    });
  });

  it('sendCommand: a typed timeout knows a queued command was never sent', async () => {
    const redis = open({
      lazyConnect: true,
      enableOfflineQueue: true,
      retryStrategy: () => 60_000,
      port: await findFreePort(),
    });
    typeCommandTimeouts(redis, { ms: 50, isDedicated: true, where: () => 'nowhere', onTimeout: () => {} });
    const error = await redis.get('internals:timeout').then(
      () => assert.fail('answered'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CommandTimeoutError);
    assert.equal(error.maybeApplied, false);
    await disconnectNow(redis, new Error('closed by the test'));
  });

  it('disconnectNow: fails what waits between reconnects, with no reconnect after it', async () => {
    const redis = open({ enableOfflineQueue: true, retryStrategy: () => 60_000, port: await findFreePort() });
    await eventually(() => redis.status === 'reconnecting', { message: 'reconnecting', timeoutMs: 5000 });
    const queued = redis.get('internals:queued');
    await disconnectNow(redis, new Error('closed by the test'));
    await assert.rejects(queued, /closed by the test/);
    // No reconnect follows: it was between attempts, and ioredis's retry timer is gone.
    assert.notEqual(redis.status, 'connecting');
  });

  it('_readyCheck and condition.handshake: nothing queued is sent before the check passes', async () => {
    let pass: (ok: boolean) => void = () => {};
    const checks: Array<Promise<unknown>> = [];
    const redis = open({ lazyConnect: true, enableReadyCheck: true });
    verifyBeforeReady(redis, () => {
      // Written now, before ready: ROLE passes the handshake gate only while the check runs.
      checks.push(redis.call('ROLE'));
      return new Promise<boolean>((resolve) => {
        pass = resolve;
      });
    });
    const name = `internals-gate-${process.pid}`;
    redis.connect().catch(() => {});
    const queued = redis.set('internals:gate', name);
    await eventually(() => checks.length === 1, { timeoutMs: 5000, message: 'the check ran' });
    assert.equal(((await checks[0]) as unknown[])[0], 'master', 'ROLE answered before ready');
    assert.equal(redis.status, 'connect', 'not ready while the check runs');
    const other = open();
    assert.notEqual(await other.get('internals:gate'), name, 'the queued SET was not sent');
    // A user's command issued while the check runs waits too (the gate closed again).
    const published = redis.publish('internals:gate', 'x');
    pass(true);
    assert.equal(await queued, 'OK');
    assert.equal(await published, 0);
    assert.equal(redis.status, 'ready');
    assert.equal(await other.get('internals:gate'), name);
  });
});

/** The queued command of that name (the offline queue's, read through the public toArray). */
function takeCommandNamed(redis: Redis, name: string) {
  const queue = (redis as unknown as { offlineQueue: { toArray(): Array<{ command: { name: string } }> } })
    .offlineQueue;
  const item = queue.toArray().find((i) => i.command.name === name);
  assert.ok(item, `${name} in the offline queue`);
  return item.command as unknown as Parameters<typeof isQueuedOffline>[1];
}
