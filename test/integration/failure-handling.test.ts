/**
 * Fail fast on what will not heal, wait out what will (issue 13; docs/failure-handling.md), on a
 * real 1 master + 2 replicas + 3 sentinels topology. Each mistake that no waiting fixes rejects
 * with its typed error well before failoverTimeout (20 s here; the bound asserted is 10 s, loose
 * enough for a loaded machine); the same pool then serves once the configuration is fixed, with no
 * restart; and a short outage of every sentinel is still waited out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as hold } from 'node:timers/promises';
import {
  AddressNotAllowedError,
  AuthenticationError,
  DatabaseIndexError,
  MasterNotFoundError,
  type SentinelOptions,
} from '../../src/index.js';
import type { NodeAddress } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { fullText, rejection } from '../helpers/rejection.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

/** Long enough that an error before it can only be a fast failure. */
const FAILOVER_TIMEOUT = 20_000;
/** A fast failure arrives well before this (about a second on an idle machine). */
const FAST_BOUND_MS = 10_000;
/** The passwords the data nodes require while a test gets them wrong, and the client's. */
const SERVER_PASSWORD = 'server-pass-5e1d';
const CLIENT_PASSWORD = 'client-pass-a7c3';

describe('failure handling', () => {
  const fixture = topologyFixture();
  const open = (options: SentinelOptions = {}) =>
    fixture.open({ socketTimeout: 500, failoverTimeout: FAILOVER_TIMEOUT, ...options });

  /** Sends `SENTINEL <args…>` to every sentinel. */
  const everySentinel = (...args: string[]) =>
    Promise.all(
      fixture.topology.sentinelAddresses().map((s) => withNode(s, (c) => c.call('SENTINEL', ...args))),
    );

  /** Sets requirepass on every data node, authenticating with `current` if one is set. */
  const requirePass = (password: string, current?: string) =>
    Promise.all(
      fixture.topology
        .dataAddresses()
        .map((node: NodeAddress) =>
          withNode(
            node,
            (c) => c.config('SET', 'requirepass', password),
            current ? { password: current } : {},
          ),
        ),
    );

  it('an unknown master name: MasterNotFoundError within a discovery round, then served once monitored', async () => {
    const name = 'not-monitored-yet';
    const sentinel = open();
    const master = sentinel.masterFor(name);
    const { error, ms } = await rejection(() => master.get('x'));
    assert.ok(error instanceof MasterNotFoundError, `${error.name}: ${error.message}`);
    assert.ok(ms < FAST_BOUND_MS, `settled in ${Math.round(ms)} ms`);
    assert.ok(error.attempts.length > 0);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /does not know/);
    // Still wrong: the next command fails as fast.
    const again = await rejection(() => master.get('x'));
    assert.ok(again.error instanceof MasterNotFoundError);
    assert.ok(again.ms < FAST_BOUND_MS, `settled in ${Math.round(again.ms)} ms`);

    const { host, port } = fixture.topology.masterAddress();
    await everySentinel('MONITOR', name, host, String(port), '2');
    try {
      await master.set('failure-handling:monitored', 'yes');
      assert.equal(
        await master.get('failure-handling:monitored'),
        'yes',
        'the same pool serves after the fix',
      );
    } finally {
      await everySentinel('REMOVE', name);
    }
  });

  it('a wrong data-node password: AuthenticationError on master and replica pools, then served once the server agrees', async () => {
    await requirePass(SERVER_PASSWORD);
    let serverPassword = SERVER_PASSWORD;
    try {
      const sentinel = open({ password: CLIENT_PASSWORD });
      const master = sentinel.masterFor(fixture.topology.masterName);
      const replica = sentinel.replicaFor(fixture.topology.masterName);
      for (const [pool, call] of [
        ['masterFor', () => master.set('failure-handling:k', 'v')],
        ['replicaFor', () => replica.get('failure-handling:k')],
        ['masterFor acquire()', () => master.acquire()],
        ['replicaFor acquire()', () => replica.acquire()],
      ] as const) {
        const { error, ms } = await rejection(call);
        assert.ok(error instanceof AuthenticationError, `${pool}: ${error.name}: ${error.message}`);
        assert.equal(error.code, 'ERR_AUTHENTICATION');
        assert.ok(ms < FAST_BOUND_MS, `${pool}: settled in ${Math.round(ms)} ms`);
        assert.match(error.message, /WRONGPASS.*Check username and password/);
        assert.ok(!fullText(error).includes(CLIENT_PASSWORD) && !fullText(error).includes(SERVER_PASSWORD));
      }

      await requirePass(CLIENT_PASSWORD, SERVER_PASSWORD);
      serverPassword = CLIENT_PASSWORD;
      await master.set('failure-handling:k', 'fixed');
      assert.equal(
        await master.get('failure-handling:k'),
        'fixed',
        'the same master pool serves after the fix',
      );
      const read = await replica.get('failure-handling:k');
      assert.ok(
        read === 'fixed' || read === null,
        `the same replica pool serves after the fix (got ${read})`,
      );
    } finally {
      await requirePass('', serverPassword);
    }
  });

  it('a db the servers lack: DatabaseIndexError naming the option db, on master and replica pools', async () => {
    // The kit's servers have Redis's default of 16 databases: 0 to 15.
    const sentinel = open({ db: 40 });
    const master = sentinel.masterFor(fixture.topology.masterName);
    const replica = sentinel.replicaFor(fixture.topology.masterName);
    for (const [pool, call] of [
      ['masterFor', () => master.set('failure-handling:db', 'v')],
      ['replicaFor', () => replica.get('failure-handling:db')],
      ['masterFor acquire()', () => master.acquire()],
    ] as const) {
      const { error, ms } = await rejection(call);
      assert.ok(error instanceof DatabaseIndexError, `${pool}: ${error.name}: ${error.message}`);
      assert.equal(error.code, 'ERR_DATABASE_INDEX');
      assert.ok(ms < FAST_BOUND_MS, `${pool}: settled in ${Math.round(ms)} ms`);
      assert.match(error.message, /DB index is out of range.*check the option db/);
      console.log(`# ${pool} with db 40: ${Math.round(ms)} ms: ${error.message}`);
    }
  });

  it('allowedHosts that refuse every answer: MasterNotFoundError saying so, within a discovery round', async () => {
    const sentinel = open({ allowedHosts: ['10.9.9.9'] });
    const reported: Error[] = [];
    sentinel.on('error', (e) => reported.push(e));
    const { error, ms } = await rejection(() => sentinel.masterFor(fixture.topology.masterName).get('x'));
    assert.ok(error instanceof MasterNotFoundError, `${error.name}: ${error.message}`);
    assert.ok(ms < FAST_BOUND_MS, `settled in ${Math.round(ms)} ms`);
    for (const attempt of error.attempts) assert.match(attempt.outcome, /outside allowedHosts/);
    assert.ok(reported.some((e) => e instanceof AddressNotAllowedError));
  });

  it('every sentinel stopped for a moment: a command still succeeds', async () => {
    const sentinels = fixture.topology.sentinelAddresses();
    await Promise.all(sentinels.map((s) => fixture.topology.kill(s, 'SIGSTOP')));
    const sentinel = open();
    let pending: Promise<unknown>;
    try {
      pending = sentinel.masterFor(fixture.topology.masterName).set('failure-handling:outage', '1');
      // The outage itself, not a synchronisation: the command must wait it out.
      await hold(1500);
    } finally {
      await Promise.all(sentinels.map((s) => fixture.topology.kill(s, 'SIGCONT')));
    }
    assert.equal(await pending, 'OK');
  });
});
