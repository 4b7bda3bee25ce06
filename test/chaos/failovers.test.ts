/**
 * Chaos: data nodes fail under the mixed load (plain, durable and session writes, replica and
 * session reads). One topology (1 master, 2 replicas, 3 sentinels) for the file, restored after
 * every scenario. See support/scenario.ts for what each row checks.
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
import { after, before, describe, it } from 'node:test';
import { Sentinel } from '../../src/index.js';
import { eventually, LocalTopology } from '../../src/testing/index.js';
import { HandleBaseline } from './support/process-guard.js';
import { runScenario } from './support/scenario.js';

const FILE = 'failovers';

describe('chaos: failovers', () => {
  let topology: LocalTopology;

  before(async () => {
    topology = await LocalTopology.start();
  });
  after(async () => {
    await topology?.stop();
  });

  it('master SIGKILL: in-flight writes fail as lost, none applied twice, durable ones all kept', async () => {
    await runScenario(FILE, topology, {
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
    await runScenario(FILE, topology, {
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
    await runScenario(FILE, topology, {
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
    await runScenario(FILE, topology, {
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
    const sentinel = new Sentinel(topology.sentinelAddresses());
    try {
      const pool = sentinel.masterFor(topology.masterName);
      const connection = await pool.acquire();
      assert.equal(await connection.ping(), 'PONG');
      await topology.kill(topology.masterAddress(), 'SIGKILL');
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
      await topology.restore();
    }
  });
});
