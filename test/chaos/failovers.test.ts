/**
 * Chaos: data nodes fail under the mixed load (plain, durable and session writes, replica and
 * session reads). One topology (1 master, 2 replicas, 3 sentinels) for the file, restored after
 * every scenario, with the production recipe's `min-replicas-to-write 1`: a new master refuses
 * writes (NOREPLICAS) until a replica has connected to it, and the pools resend them meanwhile,
 * so the application never sees that refusal. See support/scenario.ts for what each row checks.
 *
 * Expected errors, and why each is the documented one:
 * - `ConnectionLostError`: a write in flight on the master's connection when it died (or was cut
 *   off because Sentinel switched away from it); `maybeApplied: true`, never resent.
 * - `CommandTimeoutError`: a command sent to the stopped master just before SIGSTOP, unanswered
 *   after `commandTimeout` (2 s here) while Sentinel has not yet switched (down-after 1.5 s, then
 *   the election); `maybeApplied: true`.
 * - `ReplicationTimeoutError`: a durable write the master took, but that no replica confirmed
 *   within 1 s because the master died or was stopped right after.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sentinel } from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { errorKey } from './support/mixed-load.js';
import { HandleBaseline } from './support/process-guard.js';
import { CHAOS_CLIENT_OPTIONS, runScenario } from './support/scenario.js';

const FILE = 'failovers';

describe('chaos: failovers', () => {
  const fixture = topologyFixture({ minReplicasToWrite: 1 }, { restore: false });

  it('master SIGKILL: in-flight writes fail as lost, none applied twice, durable ones all kept', async () => {
    await runScenario(FILE, fixture.topology, {
      name: 'master SIGKILL',
      expectedErrors: ['ConnectionLostError', 'ReplicationTimeoutError'],
      mayLosePlainWrites: true,
      async inject({ topology, waitForProgress }) {
        const old = topology.masterAddress();
        await topology.kill(old, 'SIGKILL');
        await topology.waitForFailover(old);
        await waitForProgress();
      },
    });
  });

  it('master SIGSTOP until the switch, then SIGCONT: the old master comes back and is demoted', async () => {
    await runScenario(FILE, fixture.topology, {
      name: 'master SIGSTOP, SIGCONT after the switch',
      expectedErrors: ['ConnectionLostError', 'CommandTimeoutError', 'ReplicationTimeoutError'],
      mayLosePlainWrites: true,
      async inject({ topology, waitForProgress }) {
        const old = topology.masterAddress();
        await topology.kill(old, 'SIGSTOP');
        const next = await topology.waitForFailover(old);
        await topology.kill(old, 'SIGCONT');
        await waitForProgress();
        // Sentinel demotes the old master once it answers again; the load keeps going meanwhile.
        await topology.restore();
        assert.notEqual(topology.masterAddress().port, old.port);
        assert.equal(topology.masterAddress().port, next.port);
        await waitForProgress();
      },
    });
  });

  it('graceful failover twice in a row: no error, nothing lost', async () => {
    await runScenario(FILE, fixture.topology, {
      name: 'SENTINEL FAILOVER twice',
      async inject({ topology, waitForProgress }) {
        const first = await topology.failover();
        await waitForProgress();
        const second = await topology.failover();
        await waitForProgress();
        assert.notEqual(first.to.port, second.to.port);
      },
    });
  });

  it('replica SIGKILL and restart: reads move to the other replica, nothing fails', async () => {
    await runScenario(FILE, fixture.topology, {
      name: 'replica SIGKILL and restart',
      async inject({ topology, waitForProgress }) {
        const replica = topology.replicaAddresses()[0]!;
        await topology.kill(replica, 'SIGKILL');
        await waitForProgress(50);
        await topology.restart(replica);
        await waitForProgress(50);
      },
    });
  });

  it('quit() while a dedicated connection waits to reconnect fails its queued command with ClosedError', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses());
    try {
      const pool = sentinel.masterFor(fixture.topology.masterName);
      const connection = await pool.acquire();
      assert.equal(await connection.ping(), 'PONG');
      await fixture.topology.kill(fixture.topology.masterAddress(), 'SIGKILL');
      await eventually(() => connection.status === 'reconnecting', {
        timeoutMs: 5000,
        message: 'the dedicated connection waits to reconnect',
      });
      const queued = connection.get('failovers:queued').then(
        (value) => value,
        (error: unknown) => error,
      );
      const handles = new HandleBaseline();
      await sentinel.quit();
      assert.equal(((await queued) as Error).name, 'ClosedError');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await handles.leftOver(), [], 'left after quit()');
    } finally {
      await sentinel.quit();
      await fixture.topology.restore();
    }
  });

  it('NOREPLICAS is resent until a replica is back, and reaches the caller only after failoverTimeout', async () => {
    const replicas = fixture.topology.replicaAddresses();
    const quick = new Sentinel(fixture.topology.sentinelAddresses(), { failoverTimeout: 1000 });
    const patient = new Sentinel(fixture.topology.sentinelAddresses(), { failoverTimeout: 20_000 });
    try {
      await quick.masterFor(fixture.topology.masterName).set('failovers:noreplicas', '0');
      await patient.masterFor(fixture.topology.masterName).set('failovers:noreplicas', '0');
      // With no replica connected, the master refuses every write (min-replicas-to-write 1).
      for (const replica of replicas) await fixture.topology.kill(replica, 'SIGKILL');
      const started = performance.now();
      const refused = await quick
        .masterFor(fixture.topology.masterName)
        .set('failovers:noreplicas', 'quick')
        .catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      assert.ok(refused instanceof Error && refused.message.startsWith('NOREPLICAS'), String(refused));
      assert.ok(elapsed >= 900, `NOREPLICAS reached the caller after ${Math.round(elapsed)} ms`);
      // A write given now is resent until a replica is back, then goes through.
      const write = patient.masterFor(fixture.topology.masterName).set('failovers:noreplicas', 'patient');
      await fixture.topology.restart(replicas[0]!);
      assert.equal(await write, 'OK');
      assert.equal(
        await patient.masterFor(fixture.topology.masterName).get('failovers:noreplicas'),
        'patient',
      );
    } finally {
      await Promise.all([quick.quit(), patient.quit()]);
      await fixture.topology.restore();
    }
  });

  it('a script that wrote and then returned a retry-later error is not run again', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), { failoverTimeout: 2000 });
    try {
      const master = sentinel.masterFor(fixture.topology.masterName);
      const key = 'failovers:script-runs';
      await master.del(key);
      const lua = "redis.call('INCR', KEYS[1]); return redis.error_reply('BUSY pretend')";
      await assert.rejects(master.eval(lua, 1, key), /^ReplyError: BUSY pretend|BUSY pretend/);
      master.defineCommand('incrThenBusy', { numberOfKeys: 1, lua });
      const method = (master as unknown as Record<string, (key: string) => Promise<unknown>>).incrThenBusy!;
      await assert.rejects(method(key), /BUSY pretend/);
      assert.equal(await master.get(key), '2', 'a script was run more than once');
    } finally {
      await sentinel.quit();
    }
  });

  it('a dedicated connection writing through a graceful failover loses no acknowledged write', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), CHAOS_CLIENT_OPTIONS);
    const key = 'failovers:dedicated';
    const acked: number[] = [];
    const errors: string[] = [];
    let isStopped = false;
    try {
      const pool = sentinel.masterFor(fixture.topology.masterName);
      const writer = pool.withConnection(async (connection) => {
        // Bounded in count and time; the pause paces the load, it synchronises nothing.
        const until = performance.now() + 30_000;
        for (let n = 0; n < 100_000 && !isStopped && performance.now() < until; n++) {
          try {
            await connection.rpush(key, String(n));
            acked.push(n);
          } catch (error) {
            errors.push(errorKey(error));
          }
          await sleep(1);
        }
      });
      await eventually(() => acked.length >= 50, { timeoutMs: 5000, message: 'the writer is under way' });
      const { to } = await fixture.topology.failover();
      const since = acked.length;
      await eventually(() => acked.length >= since + 50, { timeoutMs: 10_000, message: 'writes go on' });
      isStopped = true;
      await writer;
      const list = (await withNode(to, (c) => c.lrange(key, 0, -1))).map(Number);
      const present = new Set(list);
      assert.deepEqual(
        acked.filter((n) => !present.has(n)),
        [],
        'acknowledged writes lost',
      );
      assert.equal(list.length, present.size, 'writes applied twice');
      // Dropped at the failover's start, its connection fails what was in flight as lost; and
      // nothing resends on a dedicated connection, so the new master's NOREPLICAS (until a
      // replica has connected to it: min-replicas-to-write 1) reaches the caller.
      const expected = ['ConnectionLostError', 'ReplyError NOREPLICAS'];
      assert.deepEqual(
        errors.filter((kind) => !expected.includes(kind)),
        [],
      );
    } finally {
      isStopped = true;
      await sentinel.quit();
      await fixture.topology.restore();
    }
  });
});
