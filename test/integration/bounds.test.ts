/**
 * Every public call settles within its documented bound (docs/bounds.md) when a server accepts
 * TCP and never answers: a real redis-server or sentinel frozen with SIGSTOP (the kernel still
 * completes the TCP handshake; nothing replies). Small option values keep it fast; each bound is
 * asserted with a generous margin, since the machine is loaded. Sentinels wait 60 s before they
 * call a frozen master down, so no failover changes the answer during a test. Session reads have
 * their own file (session-deadlines.test.ts). On a real 1 master + 2 replicas + 3 sentinels
 * topology; the fixture sends SIGCONT after each test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CommandTimeoutError,
  FailoverTimeoutError,
  MasterNotFoundError,
  PoolTimeoutError,
  ReplicationTimeoutError,
  type Sentinel,
} from '../../src/index.js';
import type { NodeAddress } from '../../src/testing/index.js';
import { runCli } from '../helpers/cli-process.js';
import { fullText, rejection } from '../helpers/rejection.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const COMMAND_TIMEOUT = 300;
const FAILOVER_TIMEOUT = 1500;
const ACQUIRE_TIMEOUT = 800;
const SOCKET_TIMEOUT = 300;
/** What a call may take beyond its bound before the test calls it a hang (a loaded machine). */
const MARGIN_MS = 1500;

/** An error class a call is expected to reject with. */
type ErrorClass = new (...args: never[]) => Error;

describe('bounds of public calls against servers that never answer', () => {
  const fixture = topologyFixture({ downAfterMilliseconds: 60_000 });
  const open = () =>
    fixture.open({
      commandTimeout: COMMAND_TIMEOUT,
      failoverTimeout: FAILOVER_TIMEOUT,
      socketTimeout: SOCKET_TIMEOUT,
    });
  const name = () => fixture.topology.masterName;
  const freeze = (node: NodeAddress) => fixture.topology.kill(node, 'SIGSTOP');
  const freezeMaster = () => freeze(fixture.topology.masterAddress());

  /** `call` rejects with `expected` within `boundMs` (plus the margin); returns the time. */
  async function assertBound(
    what: string,
    call: () => Promise<unknown>,
    expected: ErrorClass,
    boundMs: number,
  ): Promise<number> {
    const { error, ms } = await rejection(call);
    assert.ok(error instanceof expected, `${what}: ${error.name}: ${fullText(error)}`);
    assert.ok(ms < boundMs + MARGIN_MS, `${what}: settled in ${Math.round(ms)} ms, bound ${boundMs}`);
    console.log(`# ${what}: ${error.name} after ${Math.round(ms)} ms (bound ${boundMs} ms)`);
    return ms;
  }

  /** A Sentinel whose master pool has an open connection, then the master frozen. */
  async function frozenMasterPool(): Promise<Sentinel> {
    const sentinel = open();
    await sentinel.masterFor(name()).set('bounds:k', 'v');
    await freezeMaster();
    return sentinel;
  }

  it('masterFor(): a command in flight gets CommandTimeoutError within commandTimeout; the next waits at most failoverTimeout', async () => {
    const sentinel = await frozenMasterPool();
    const master = sentinel.masterFor(name());
    await assertBound(
      'masterFor().get, sent',
      () => master.get('bounds:k'),
      CommandTimeoutError,
      COMMAND_TIMEOUT,
    );
    // The connection was dropped; the new one reaches a server that never answers the handshake.
    await assertBound(
      'masterFor().get, waiting for a master',
      () => master.get('bounds:k'),
      FailoverTimeoutError,
      FAILOVER_TIMEOUT + COMMAND_TIMEOUT,
    );
  });

  it('replicaFor(): a read settles within commandTimeout, or falls back within replicaWait', async () => {
    const sentinel = open();
    const replica = sentinel.replicaFor(name(), { fallbackToMaster: false });
    await replica.get('bounds:k');
    for (const r of fixture.topology.replicaAddresses()) await freeze(r);
    await assertBound(
      'replicaFor().get, sent',
      () => replica.get('bounds:k'),
      CommandTimeoutError,
      COMMAND_TIMEOUT,
    );
  });

  it('pipeline() and multi(): exec() settles within commandTimeout, each reply a timeout or lost', async () => {
    const sentinel = await frozenMasterPool();
    const master = sentinel.masterFor(name());
    for (const [what, batch] of [
      ['pipeline().exec', () => master.pipeline().set('bounds:p', '1').get('bounds:p')],
      ['multi().exec', () => master.multi().set('bounds:m', '1').get('bounds:m')],
    ] as const) {
      const started = performance.now();
      // As ioredis's: a batch resolves with [error, reply] per command, or rejects as a whole.
      const outcome = await batch()
        .exec()
        .then(
          (replies) => replies?.map(([error]) => error),
          (error: unknown) => [error],
        );
      const ms = performance.now() - started;
      const names = (outcome ?? []).map((e) => (e instanceof Error ? e.name : String(e)));
      console.log(
        `# ${what}: ${names.join(', ')} after ${Math.round(ms)} ms (bound ${COMMAND_TIMEOUT + FAILOVER_TIMEOUT} ms)`,
      );
      assert.ok(
        ms < COMMAND_TIMEOUT + FAILOVER_TIMEOUT + MARGIN_MS,
        `${what}: settled in ${Math.round(ms)} ms`,
      );
      assert.ok(
        names.length > 0 &&
          names.every((n) =>
            ['CommandTimeoutError', 'ConnectionLostError', 'FailoverTimeoutError'].includes(n),
          ),
        `${what}: ${names.join(', ')}`,
      );
    }
  });

  it('acquire() and withConnection(): PoolTimeoutError within acquireTimeout; a command on a lent connection within commandTimeout', async () => {
    const sentinel = open();
    const held = sentinel.masterFor(name(), { acquireTimeout: ACQUIRE_TIMEOUT });
    const lent = await held.acquire();
    await freezeMaster();
    try {
      await assertBound(
        'a command on an acquired connection',
        () => lent.get('bounds:k'),
        CommandTimeoutError,
        COMMAND_TIMEOUT,
      );
    } finally {
      held.release(lent);
    }
    const fresh = open().masterFor(name(), { acquireTimeout: ACQUIRE_TIMEOUT });
    await assertBound('acquire()', () => fresh.acquire(), PoolTimeoutError, ACQUIRE_TIMEOUT);
    await assertBound(
      'withConnection()',
      () => fresh.withConnection((c) => c.get('bounds:k')),
      PoolTimeoutError,
      ACQUIRE_TIMEOUT,
    );
  });

  it('session writes: CommandTimeoutError within commandTimeout', async () => {
    const sentinel = await frozenMasterPool();
    const session = sentinel.session(name());
    await assertBound(
      'session.master.set',
      () => session.master.set('bounds:s', '1'),
      CommandTimeoutError,
      COMMAND_TIMEOUT,
    );
  });

  it('durable writes: ReplicationTimeoutError within waitForReplicas.timeoutMs plus a round trip; CommandTimeoutError on a frozen master', async () => {
    const sentinel = open();
    const durable = sentinel.masterFor(name(), { waitForReplicas: { replicas: 2, timeoutMs: 400 } });
    await durable.set('bounds:d', '0');
    for (const r of fixture.topology.replicaAddresses()) await freeze(r);
    await assertBound(
      'durable set, replicas frozen',
      () => durable.set('bounds:d', '1'),
      ReplicationTimeoutError,
      400,
    );
    await freezeMaster();
    await assertBound(
      'durable set, master frozen',
      () => durable.set('bounds:d', '2'),
      CommandTimeoutError,
      COMMAND_TIMEOUT,
    );
  });

  it('redisFor(): a command rejects within commandTimeout', async () => {
    const sentinel = open();
    const client = sentinel.redisFor(name(), { commandTimeout: COMMAND_TIMEOUT });
    await client.set('bounds:r', '1');
    await freezeMaster();
    await assertBound('redisFor().get', () => client.get('bounds:r'), Error, COMMAND_TIMEOUT);
  });

  it('quit() and disconnect(): settle within commandTimeout with a frozen master and frozen sentinels', async () => {
    const a = await frozenMasterPool();
    const pending = a
      .masterFor(name())
      .get('bounds:k')
      .catch(() => undefined);
    for (const s of fixture.topology.sentinelAddresses()) await freeze(s);
    let started = performance.now();
    await a.quit();
    let ms = performance.now() - started;
    console.log(`# Sentinel.quit(), all frozen: ${Math.round(ms)} ms (bound ${COMMAND_TIMEOUT} ms)`);
    assert.ok(ms < COMMAND_TIMEOUT + MARGIN_MS, `quit() took ${Math.round(ms)} ms`);
    await pending;

    const b = open();
    const pool = b.masterFor(name());
    const waiting = pool.get('bounds:k').catch((e: unknown) => e);
    started = performance.now();
    await pool.disconnect();
    await b.disconnect();
    ms = performance.now() - started;
    console.log(`# disconnect(), all frozen: ${Math.round(ms)} ms`);
    assert.ok(ms < MARGIN_MS, `disconnect() took ${Math.round(ms)} ms`);
    assert.ok((await waiting) instanceof Error);
  });

  it('discovery with every sentinel frozen: discover() within a round, the first command within failoverTimeout', async () => {
    for (const s of fixture.topology.sentinelAddresses()) await freeze(s);
    const sentinel = open();
    const round = 3 * (SOCKET_TIMEOUT + SOCKET_TIMEOUT); // per sentinel: connectTimeout + socketTimeout
    await assertBound('discover()', () => sentinel.discover(name()), MasterNotFoundError, round);
    await assertBound(
      'masterFor().get, first command',
      () => sentinel.masterFor(name()).get('bounds:k'),
      FailoverTimeoutError,
      FAILOVER_TIMEOUT + round,
    );
  });

  it('sentinel-pool status with every sentinel frozen: exits 2 within --timeout plus start-up', async () => {
    for (const s of fixture.topology.sentinelAddresses()) await freeze(s);
    const sentinels = fixture.topology
      .sentinelAddresses()
      .map((s) => `${s.host}:${s.port}`)
      .join(',');
    // Node's start-up and the module load come on top: measured on a command that connects nowhere.
    const baseline = await runCli(['--version']);
    const result = await runCli(['status', '--sentinels', sentinels, '--name', name(), '--timeout', '500']);
    console.log(
      `# sentinel-pool status, all frozen: exit ${result.code} after ${Math.round(result.ms)} ms (--version: ${Math.round(baseline.ms)} ms)`,
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /not answering|no sentinel could be asked/);
    assert.ok(result.ms < baseline.ms + 2 * 500 + MARGIN_MS, `took ${Math.round(result.ms)} ms`);
  });
});
