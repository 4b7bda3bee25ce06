/**
 * Discovery as the Sentinel client guidelines describe it, on a real 1 master + 2 replicas +
 * 3 sentinels topology: ask in order, rotate the one that answered to the front, learn the other
 * sentinels, sanity checks, natMap and allowedHosts, and a clean quit.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  AddressNotAllowedError,
  MasterNotFoundError,
  Sentinel,
  type SentinelAddedEvent,
} from '../../src/index.js';
import { LocalTopology, type NodeAddress } from '../../src/testing/index.js';

const label = (a: NodeAddress) => `${a.host}:${a.port}`;

describe('discovery', () => {
  let topology: LocalTopology;
  const clients: Sentinel[] = [];
  const open = (...args: ConstructorParameters<typeof Sentinel>) => {
    const sentinel = new Sentinel(...args);
    clients.push(sentinel);
    return sentinel;
  };

  before(async () => {
    topology = await LocalTopology.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.quit()));
    await topology.restore();
  });
  after(async () => {
    await topology?.stop();
  });

  it('finds the master, the healthy replicas and every sentinel', async () => {
    const sentinel = open(topology.sentinelAddresses());
    const found = await sentinel.discover(topology.masterName);
    assert.deepEqual(found.master, topology.masterAddress());
    assert.deepEqual(found.replicas.map(label).sort(), topology.replicaAddresses().map(label).sort());
    for (const replica of found.replicas) {
      assert.deepEqual(replica.flags, ['slave']);
      assert.equal(replica.masterLinkStatus, 'ok');
      assert.equal(typeof replica.replicationOffset, 'number');
    }
    assert.deepEqual(found.sentinels.map(label).sort(), topology.sentinelAddresses().map(label).sort());
  });

  it('learns the other sentinels from one seed, seeds first', async () => {
    const [seed] = topology.sentinelAddresses();
    const sentinel = open([seed!]);
    const added: SentinelAddedEvent[] = [];
    sentinel.on('sentinelAdded', (e) => added.push(e));
    await sentinel.discover(topology.masterName);
    assert.deepEqual(sentinel.sentinels()[0], seed);
    assert.equal(sentinel.sentinels().length, 3);
    assert.equal(added.length, 2);
  });

  it('asks the next sentinel when the first is dead, and asks it first from then on', async () => {
    const [first, second, third] = topology.sentinelAddresses();
    await topology.kill(first!);
    const sentinel = open(topology.sentinelAddresses(), { socketTimeout: 500 });
    const found = await sentinel.discover(topology.masterName);
    assert.deepEqual(found.master, topology.masterAddress());
    assert.deepEqual(
      sentinel.sentinels(),
      [second, first, third],
      'the sentinel that answered moved to the front',
    );
  });

  it('rotates when the sentinel at the front dies later', async () => {
    const sentinel = open(topology.sentinelAddresses(), { socketTimeout: 500 });
    await sentinel.discover(topology.masterName);
    const [first, second] = sentinel.sentinels();
    await topology.kill(first!);
    await sentinel.discover(topology.masterName);
    assert.deepEqual(sentinel.sentinels()[0], second);
  });

  it('names every sentinel and what it said when the master name is unknown', async () => {
    const sentinel = open(topology.sentinelAddresses());
    const error = await sentinel.discover('no-such-master').catch((e: unknown) => e);
    assert.ok(error instanceof MasterNotFoundError);
    assert.equal(error.name, 'MasterNotFoundError');
    assert.equal(error.attempts.length, 3);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /does not know "no-such-master"/);
  });

  it('gives up within about socketTimeout × sentinels when every sentinel hangs', async () => {
    // Servers that accept connections and never answer: a hung sentinel.
    const sockets: Socket[] = [];
    const hung: Server[] = await Promise.all(
      [0, 1, 2].map(async () => {
        const server = createServer((socket) => sockets.push(socket));
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        return server;
      }),
    );
    try {
      const ports = hung.map((s) => (s.address() as { port: number }).port);
      const sentinel = open(
        ports.map((port) => ({ host: '127.0.0.1', port })),
        { socketTimeout: 300 },
      );
      const started = performance.now();
      const error = await sentinel.discover(topology.masterName).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      assert.ok(error instanceof MasterNotFoundError);
      assert.equal(error.attempts.length, 3);
      assert.ok(elapsed < 3 * 300 + 1500, `took ${elapsed} ms`);
      await sentinel.quit();
    } finally {
      for (const socket of sockets) socket.destroy();
      await Promise.all(hung.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });

  it('reports unreachable sentinels with their connection errors', async () => {
    const dead = topology.sentinelAddresses();
    for (const address of dead) await topology.kill(address);
    const sentinel = open(dead, { socketTimeout: 300 });
    const error = await sentinel.discover(topology.masterName).catch((e: unknown) => e);
    assert.ok(error instanceof MasterNotFoundError);
    assert.equal(error.attempts.length, 3);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /ECONNREFUSED|unreachable/);
  });

  it('translates announced addresses with natMap', async () => {
    const master = topology.masterAddress();
    const sentinel = open(topology.sentinelAddresses(), {
      natMap: { [label(master)]: { host: 'localhost', port: master.port } },
    });
    const found = await sentinel.discover(topology.masterName);
    assert.deepEqual(found.master, { host: 'localhost', port: master.port });
    const mapped = open(topology.sentinelAddresses(), {
      natMap: (a) => ({ host: 'localhost', port: a.port }),
    });
    const all = await mapped.discover(topology.masterName);
    assert.ok(all.replicas.length === 2 && all.replicas.every((r) => r.host === 'localhost'));
  });

  it('ignores and reports an answer outside allowedHosts', async () => {
    const sentinel = open(topology.sentinelAddresses(), { allowedHosts: ['10.11.12.13'] });
    const reported: Error[] = [];
    sentinel.on('error', (e) => reported.push(e));
    const error = await sentinel.discover(topology.masterName).catch((e: unknown) => e);
    assert.ok(error instanceof MasterNotFoundError);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /outside allowedHosts/);
    assert.ok(reported.length >= 3 && reported.every((e) => e instanceof AddressNotAllowedError));
    const allowed = open(topology.sentinelAddresses(), { allowedHosts: (a) => a.host === '127.0.0.1' });
    assert.deepEqual((await allowed.discover(topology.masterName)).master, topology.masterAddress());
  });

  it('skips a sentinel that sees fewer peers than minOtherSentinels', async () => {
    const sentinel = open(topology.sentinelAddresses(), { minOtherSentinels: 5 });
    const error = await sentinel.discover(topology.masterName).catch((e: unknown) => e);
    assert.ok(error instanceof MasterNotFoundError);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /fewer than minOtherSentinels/);
  });

  it('leaves no socket or timer behind after quit(), and rejects calls after it', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    const baseline = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const sentinel = new Sentinel(topology.sentinelAddresses());
    await sentinel.discover(topology.masterName);
    await sentinel.quit();
    await sentinel.quit();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap'),
      baseline,
    );
    await assert.rejects(sentinel.discover(topology.masterName), { code: 'ERR_CLOSED' });
  });
});
