/**
 * TLS to data nodes and sentinels, on a real TLS-only topology (1 master, 2 replicas,
 * 3 sentinels; `port 0`, client certificates required) with certificates made at test time by
 * openssl: pools, sessions and a graceful failover over TLS; and the bad cases (a client that
 * trusts the wrong CA, a client certificate from the wrong CA, plain TCP to a TLS port), each
 * settling within a deadline with a typed error that says what is wrong. Also: the kit's own
 * checks, restarts and restore work over TLS, and `quit()` leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  MasterNotFoundError,
  Sentinel,
  type SentinelOptions,
  TlsCertificateError,
  TlsMismatchError,
} from '../../src/index.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { clientTls, makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { withNode } from '../helpers/node-client.js';
import { fullText, rejection } from '../helpers/rejection.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { WriteLoad } from '../helpers/write-load.js';

/** failoverTimeout of the clients in bad-certificate cases: how long a master-pool command may wait. */
const SHORT_FAILOVER_TIMEOUT = 2000;
/** What a bad case may take beyond its timeout before the test calls it a hang. */
const SETTLE_MARGIN_MS = 2000;

/** An error class a bad case is expected to reject with. */
type ErrorClass = new (...args: never[]) => Error;

const activeResources = () =>
  process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'TTYWrap')
    .sort();
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TLS', () => {
  let certs: TestCerts;
  /** A client's TLS options that every node accepts: the test CA, and a client certificate. */
  let good: TlsOptions;

  before(async () => {
    certs = await makeTestCerts();
    good = clientTls(certs);
  });
  const fixture = topologyFixture(
    () => ({
      tls: {
        certFile: certs.server.certFile,
        keyFile: certs.server.keyFile,
        caFile: certs.ca.certFile,
        authClients: true,
      },
    }),
    { restore: false },
  );
  after(async () => {
    await certs?.remove();
  });

  it('runs every node with TLS only, on the ports the kit reports', async () => {
    for (const node of fixture.topology.dataAddresses()) {
      const ports = await withNode(
        node,
        async (c) => [await c.config('GET', 'port'), await c.config('GET', 'tls-port')],
        { tls: good },
      );
      assert.deepEqual(
        ports,
        [
          ['port', '0'],
          ['tls-port', String(node.port)],
        ],
        `data node :${node.port}`,
      );
    }
    // Sentinels have no CONFIG: they answer TLS on their port (plain TCP is refused, see below).
    for (const node of fixture.topology.sentinelAddresses()) {
      assert.equal(await withNode(node, (c) => c.ping(), { tls: good }), 'PONG', `sentinel :${node.port}`);
    }
  });

  it('serves masterFor, replicaFor and a session over TLS', async () => {
    const sentinel = fixture.open({ sentinelTLS: good, tls: good });
    const master = sentinel.masterFor(fixture.topology.masterName);
    await master.set('tls:key', 'v1');
    assert.equal(await master.get('tls:key'), 'v1');
    const replicas = sentinel.replicaFor(fixture.topology.masterName, { fallbackToMaster: false });
    await eventually(
      async () => {
        assert.equal(await replicas.get('tls:key'), 'v1');
        return true;
      },
      { timeoutMs: 5000 },
    );
    const session = sentinel.session(fixture.topology.masterName, {
      fallbackToMaster: false,
      timeoutMs: 1000,
    });
    await session.master.set('tls:session', 'v2');
    assert.equal(await session.replica.get('tls:session'), 'v2');
    const { master: found, replicas: healthy } = await sentinel.discover(fixture.topology.masterName);
    assert.deepEqual(found, fixture.topology.masterAddress());
    assert.equal(healthy.length, 2);
  });

  describe('bad certificates and plain TCP', () => {
    const bad = (options: SentinelOptions) =>
      fixture.open({ socketTimeout: 500, failoverTimeout: SHORT_FAILOVER_TIMEOUT, ...options });
    const otherCa = () => ({ ...good, ca: readFileSync(certs.otherCa.certFile) });
    const wrongClientCert = () => ({
      ...good,
      cert: readFileSync(certs.wrongCa.certFile),
      key: readFileSync(certs.wrongCa.keyFile),
    });
    const selfSignedClientCert = () => ({
      ...good,
      cert: readFileSync(certs.selfSigned.certFile),
      key: readFileSync(certs.selfSigned.keyFile),
    });
    const limit = SHORT_FAILOVER_TIMEOUT + SETTLE_MARGIN_MS;

    /** discover() rejects at once with MasterNotFoundError; every sentinel's outcome matches. */
    async function assertSentinelsRefused(sentinel: Sentinel, outcome: RegExp): Promise<string> {
      const { error, ms } = await rejection(() => sentinel.discover(fixture.topology.masterName));
      assert.ok(error instanceof MasterNotFoundError, `${error.name}: ${error.message}`);
      assert.ok(ms < limit, `settled in ${ms} ms`);
      assert.equal(error.attempts.length, 3, error.message);
      for (const attempt of error.attempts) assert.match(attempt.outcome, outcome);
      return error.message;
    }

    /**
     * A master-pool write rejects with `expected`: a certificate that does not verify, or plain
     * TCP to a TLS port, is definitive (TlsCertificateError, TlsMismatchError, or the discovery's
     * MasterNotFoundError for sentinels) and comes at once.
     */
    async function assertMasterRefused(sentinel: Sentinel, expected: ErrorClass): Promise<Error> {
      const { error, ms } = await rejection(() =>
        sentinel.masterFor(fixture.topology.masterName).set('tls:bad', '1'),
      );
      assert.ok(error instanceof expected, `${error.name}: ${error.message}`);
      assert.ok(ms < limit, `settled in ${ms} ms`);
      return error;
    }

    it('sentinels: a client that trusts another CA gets MasterNotFoundError naming the certificate', async () => {
      const sentinel = bad({ sentinelTLS: otherCa(), tls: good });
      const message = await assertSentinelsRefused(sentinel, /certificate.*sentinelTLS/);
      console.log(`# sentinelTLS trusting another CA: ${message}`);
      const error = await assertMasterRefused(sentinel, MasterNotFoundError);
      assert.match(error.message, /certificate.*sentinelTLS/);
      console.log(`# … and masterFor().set: ${fullText(error)}`);
    });

    it('sentinels: a client certificate from another CA is refused', async () => {
      const sentinel = bad({ sentinelTLS: wrongClientCert(), tls: good });
      const message = await assertSentinelsRefused(sentinel, /client certificate \(cert and key\)/);
      console.log(`# sentinelTLS with a client certificate from another CA: ${message}`);
    });

    it('sentinels: plain TCP to a TLS port gets MasterNotFoundError suggesting sentinelTLS', async () => {
      const sentinel = bad({ tls: good });
      const message = await assertSentinelsRefused(sentinel, /set sentinelTLS/);
      console.log(`# plain TCP to TLS sentinels: ${message}`);
    });

    it('data nodes: a client that trusts another CA gets TlsCertificateError at once, from both pools', async () => {
      const sentinel = bad({ sentinelTLS: good, tls: otherCa() });
      await sentinel.discover(fixture.topology.masterName);
      const error = await assertMasterRefused(sentinel, TlsCertificateError);
      console.log(`# tls trusting another CA, masterFor().set: ${fullText(error)}`);
      const replicas = sentinel.replicaFor(fixture.topology.masterName, { fallbackToMaster: false });
      const read = await rejection(() => replicas.get('tls:bad'));
      assert.ok(read.error instanceof TlsCertificateError, `${read.error.name}: ${read.error.message}`);
      assert.ok(read.ms < limit, `settled in ${read.ms} ms`);
    });

    it('data nodes: a self-signed client certificate gets TlsCertificateError at once', async () => {
      const sentinel = bad({ sentinelTLS: good, tls: selfSignedClientCert() });
      const error = await assertMasterRefused(sentinel, TlsCertificateError);
      console.log(`# tls with a self-signed client certificate, masterFor().set: ${fullText(error)}`);
    });

    it('data nodes: plain TCP to a TLS port gets TlsMismatchError at once', async () => {
      const sentinel = bad({ sentinelTLS: good });
      const error = await assertMasterRefused(sentinel, TlsMismatchError);
      console.log(`# plain TCP to TLS data nodes, masterFor().set: ${fullText(error)}`);
    });

    it('data nodes: the error names the TLS failure', async () => {
      const cases: Array<[TlsOptions | undefined, ErrorClass, RegExp]> = [
        [otherCa(), TlsCertificateError, /certificate was refused.*check tls\.ca/],
        [selfSignedClientCert(), TlsCertificateError, /client certificate \(cert and key\)/],
        [undefined, TlsMismatchError, /disagree on TLS.*set tls/],
      ];
      for (const [tls, type, expected] of cases) {
        const error = await assertMasterRefused(bad({ sentinelTLS: good, ...(tls ? { tls } : {}) }), type);
        assert.match(fullText(error), expected);
      }
    });
  });

  it('follows a graceful failover under write load, losing no acknowledged write', async () => {
    const key = 'seq:tls-failover';
    const sentinel = fixture.open({ sentinelTLS: good, tls: good });
    const master = sentinel.masterFor(fixture.topology.masterName);
    await master.del(key);
    const writes = WriteLoad.start(master, { key, writers: 2, maxMs: 30_000 });
    try {
      const since = performance.now();
      await eventually(() => writes.acksSince(since) >= 100, { timeoutMs: 10_000, message: '100 acks' });
      const changed = once(sentinel, 'masterChanged', { signal: AbortSignal.timeout(30_000) });
      const { from, to, switches } = await fixture.topology.failover();
      assert.equal(switches.length, 1, 'one switch (no double failover)');
      const [event] = (await changed) as [{ from: NodeAddress; to: NodeAddress }];
      assert.deepEqual([event.from, event.to], [from, to]);
      const switchedAt = performance.now();
      await eventually(() => writes.acksSince(switchedAt) >= 100, {
        timeoutMs: 10_000,
        message: '100 acks on the new master',
      });
    } finally {
      await writes.stop();
    }
    assert.equal(writes.allErrors().length, 0, `write errors: ${writes.describeErrors()}`);
    const to = fixture.topology.masterAddress();
    const present = (await withNode(to, (c) => c.lrange(key, 0, -1), { tls: good })).map(Number);
    const counts = new Map<number, number>();
    for (const n of present) counts.set(n, (counts.get(n) ?? 0) + 1);
    const missing = writes.acks.filter((a) => !counts.has(a.n)).map((a) => a.n);
    const duplicates = [...counts].filter(([, count]) => count > 1).map(([n]) => n);
    console.log(`# TLS graceful failover: ${writes.acks.length} acknowledged, ${present.length} present`);
    assert.deepEqual(missing, [], 'acknowledged writes missing on the new master');
    assert.deepEqual(duplicates, [], 'writes applied twice');
    await fixture.topology.restore();
  });

  it('lets the kit kill, fail over, restart and restore TLS nodes', async () => {
    const old = fixture.topology.masterAddress();
    await fixture.topology.kill(old);
    const next = await fixture.topology.waitForFailover(old);
    assert.notDeepEqual(next, old);
    const [sentinel] = fixture.topology.sentinelAddresses();
    await fixture.topology.kill(sentinel!);
    await fixture.topology.restart(sentinel!);
    await fixture.topology.restore();
    const role = await withNode(old, (c) => c.call('ROLE'), { tls: good });
    assert.equal((role as unknown[])[0], 'slave', 'the old master came back as a replica');
  });

  it('leaves no socket or timer behind after quit(), also after TLS failures', async () => {
    await tick();
    const baseline = activeResources();
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), { sentinelTLS: good, tls: good });
    const master = sentinel.masterFor(fixture.topology.masterName);
    await master.set('tls:quit', '1');
    await sentinel.replicaFor(fixture.topology.masterName).get('tls:quit');
    await master.withConnection((conn) => conn.ping());
    await sentinel.quit();
    const refused = new Sentinel(fixture.topology.sentinelAddresses(), {
      sentinelTLS: { ...good, ca: readFileSync(certs.otherCa.certFile) },
      socketTimeout: 500,
    });
    await assert.rejects(refused.discover(fixture.topology.masterName), MasterNotFoundError);
    await refused.quit();
    await tick();
    assert.deepEqual(activeResources(), baseline);
  });
});

describe('TLS without client certificates (the kit default)', () => {
  let certs: TestCerts;

  before(async () => {
    certs = await makeTestCerts();
  });
  const fixture = topologyFixture(
    () => ({
      replicas: 1,
      sentinels: 1,
      tls: { certFile: certs.server.certFile, keyFile: certs.server.keyFile, caFile: certs.ca.certFile },
    }),
    { restore: false },
  );
  after(async () => {
    await certs?.remove();
  });

  it('serves a client that only trusts the CA', async () => {
    const tls = { ca: readFileSync(certs.ca.certFile) };
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), { sentinelTLS: tls, tls });
    try {
      const master = sentinel.masterFor(fixture.topology.masterName);
      await master.set('tls:plain-ca', 'v');
      assert.equal(await master.get('tls:plain-ca'), 'v');
    } finally {
      await sentinel.quit();
    }
  });
});
