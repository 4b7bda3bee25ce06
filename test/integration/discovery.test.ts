/**
 * Discovery as the Sentinel client guidelines describe it, on a real 1 master + 2 replicas +
 * 3 sentinels topology: ask in order, rotate the one that answered to the front, learn the other
 * sentinels, sanity checks, natMap and allowedHosts, and a clean quit.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  AddressNotAllowedError,
  MasterNotFoundError,
  Sentinel,
  type SentinelAddedEvent,
} from '../../src/index.js';
import type { NodeAddress } from '../../src/testing/index.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const label = (a: NodeAddress) => `${a.host}:${a.port}`;

describe('discovery', () => {
  const fixture = topologyFixture();

  it('finds the master, the healthy replicas and every sentinel', async () => {
    const sentinel = fixture.open();
    const found = await sentinel.discover(fixture.topology.masterName);
    assert.deepEqual(found.master, fixture.topology.masterAddress());
    assert.deepEqual(found.replicas.map(label).sort(), fixture.topology.replicaAddresses().map(label).sort());
    for (const replica of found.replicas) {
      assert.deepEqual(replica.flags, ['slave']);
      assert.equal(replica.masterLinkStatus, 'ok');
      assert.equal(typeof replica.replicationOffset, 'number');
    }
    assert.deepEqual(
      found.sentinels.map(label).sort(),
      fixture.topology.sentinelAddresses().map(label).sort(),
    );
  });

  it('learns the other sentinels from one seed, seeds first', async () => {
    const [seed] = fixture.topology.sentinelAddresses();
    const sentinel = fixture.openWith([seed!]);
    const added: SentinelAddedEvent[] = [];
    sentinel.on('sentinelAdded', (e) => added.push(e));
    await sentinel.discover(fixture.topology.masterName);
    assert.deepEqual(sentinel.sentinels()[0], seed);
    assert.equal(sentinel.sentinels().length, 3);
    assert.equal(added.length, 2);
  });

  it('asks the next sentinel when the first is dead, and asks it first from then on', async () => {
    const [first, second, third] = fixture.topology.sentinelAddresses();
    await fixture.topology.kill(first!);
    const sentinel = fixture.open({ socketTimeout: 500 });
    const found = await sentinel.discover(fixture.topology.masterName);
    assert.deepEqual(found.master, fixture.topology.masterAddress());
    assert.deepEqual(
      sentinel.sentinels(),
      [second, first, third],
      'the sentinel that answered moved to the front',
    );
  });

  it('rotates when the sentinel at the front dies later', async () => {
    const sentinel = fixture.open({ socketTimeout: 500 });
    await sentinel.discover(fixture.topology.masterName);
    const [first, second] = sentinel.sentinels();
    await fixture.topology.kill(first!);
    await sentinel.discover(fixture.topology.masterName);
    assert.deepEqual(sentinel.sentinels()[0], second);
  });

  it('names every sentinel and what it said when the master name is unknown', async () => {
    const sentinel = fixture.open();
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
      const sentinel = fixture.openWith(
        ports.map((port) => ({ host: '127.0.0.1', port })),
        { socketTimeout: 300 },
      );
      const started = performance.now();
      const error = await sentinel.discover(fixture.topology.masterName).catch((e: unknown) => e);
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
    const dead = fixture.topology.sentinelAddresses();
    for (const address of dead) await fixture.topology.kill(address);
    const sentinel = fixture.openWith(dead, { socketTimeout: 300 });
    const error = await sentinel.discover(fixture.topology.masterName).catch((e: unknown) => e);
    assert.ok(error instanceof MasterNotFoundError);
    assert.equal(error.attempts.length, 3);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /ECONNREFUSED|unreachable/);
  });

  it('translates announced addresses with natMap', async () => {
    const master = fixture.topology.masterAddress();
    const sentinel = fixture.open({
      natMap: { [label(master)]: { host: 'localhost', port: master.port } },
    });
    const found = await sentinel.discover(fixture.topology.masterName);
    assert.deepEqual(found.master, { host: 'localhost', port: master.port });
    const mapped = fixture.open({
      natMap: (a) => ({ host: 'localhost', port: a.port }),
    });
    const all = await mapped.discover(fixture.topology.masterName);
    assert.ok(all.replicas.length === 2 && all.replicas.every((r) => r.host === 'localhost'));
  });

  it('ignores and reports an answer outside allowedHosts', async () => {
    const sentinel = fixture.open({ allowedHosts: ['10.11.12.13'] });
    const reported: Error[] = [];
    sentinel.on('error', (e) => reported.push(e));
    const error = await sentinel.discover(fixture.topology.masterName).catch((e: unknown) => e);
    assert.ok(error instanceof MasterNotFoundError);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /outside allowedHosts/);
    assert.ok(reported.length >= 3 && reported.every((e) => e instanceof AddressNotAllowedError));
    const allowed = fixture.open({ allowedHosts: (a) => a.host === '127.0.0.1' });
    assert.deepEqual(
      (await allowed.discover(fixture.topology.masterName)).master,
      fixture.topology.masterAddress(),
    );
  });

  it('skips a sentinel that sees fewer peers than minOtherSentinels', async () => {
    const sentinel = fixture.open({ minOtherSentinels: 5 });
    const error = await sentinel.discover(fixture.topology.masterName).catch((e: unknown) => e);
    assert.ok(error instanceof MasterNotFoundError);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /fewer than minOtherSentinels/);
  });

  it('leaves no socket or timer behind after quit(), and rejects calls after it', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    const baseline = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses());
    await sentinel.discover(fixture.topology.masterName);
    await sentinel.quit();
    await sentinel.quit();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap'),
      baseline,
    );
    await assert.rejects(sentinel.discover(fixture.topology.masterName), { code: 'ERR_CLOSED' });
  });
});
