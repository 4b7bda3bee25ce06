/**
 * Chaos: network faults a real server cannot produce, under the mixed load. One topology
 * (1 master, 2 replicas, 3 sentinels) for the file; the client reaches every data node through a
 * loopback proxy of the test's own (test/helpers/tcp-proxy.ts, mapped in with `natMap`), which
 * injects the fault into the server → client direction. The servers themselves stay healthy, so
 * Sentinel sees nothing and no failover happens. See support/scenario.ts for what each row checks.
 *
 * Expected errors, per scenario, and why each is the documented one:
 *
 * - master stops answering mid-reply (`stall-mid-reply`, then `pass`):
 *   - `CommandTimeoutError`: the writes whose replies were cut off get no answer within
 *     `commandTimeout` (2 s); the master ran them (`maybeApplied: true`).
 *   - `ConnectionLostError`: the pool then drops that connection (a stream cut mid-reply never
 *     resumes); the other writes still unanswered on it fail as lost, never resent. Reads on it
 *     are retried and do not surface. Also a durable write whose `WAIT` was cut off (the write
 *     is on the master, unconfirmed: `command: 'wait'`).
 *   Which of the two the application sees depends on where the cut falls: when it falls in a
 *   session's `ROLE` or a durable `WAIT`, that command's timeout drops the connection and the
 *   writes see only `ConnectionLostError`. So the scenario waits for the pool's reaction (the
 *   proxy sees the client close the cut connection), not for a particular error.
 * - garbage from the master (`garbage`, then `pass`):
 *   - `ConnectionLostError`: the client cannot parse the stream any more, so the connection is
 *     dropped and made again; the writes in flight on it may have run (`maybeApplied: true`), as
 *     for a dropped connection. Reads are retried. (ioredis itself would reject them with its
 *     plain parser `Error`; see src/pool/pool-connection.ts.)
 * - slow master (`slow` 200 ms, then 2500 ms, then `pass`):
 *   - none while the delay is below `commandTimeout`: only the throughput drops.
 *   - `CommandTimeoutError` once the delay is above it, then `ConnectionLostError` for the other
 *     writes on the dropped connection, as for the stall.
 * - garbage from a replica: none. The reads in flight fail inside the pool as lost and are
 *   retried on another connection.
 * - a replica stops answering mid-reply:
 *   - `CommandTimeoutError`: the plain reads already sent to that replica when it stopped, after
 *     2 s (a read that timed out is not retried: it already waited `commandTimeout`); session
 *     reads cut off are served by the master at their deadline instead. The timeout drops the
 *     connection; later reads go to the other replica while the pool reconnects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Sentinel } from '../../src/index.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import type { MixedLoad } from './support/mixed-load.js';
import { runScenario, type ScenarioSpec } from './support/scenario.js';

const FILE = 'network';

/** How many times the application saw `kind` so far. */
function seen(load: MixedLoad, kind: string): number {
  return load.errorCounts().get(kind) ?? 0;
}

/** Failed operations so far, over every lane. */
function failed(load: MixedLoad): number {
  return Object.values(load.errorsByLane()).reduce((sum, n) => sum + n, 0);
}

describe('chaos: network faults', () => {
  /** One proxy per data node, by the node's port. */
  const proxies = new Map<number, TcpProxy>();
  const proxyOf = (node: NodeAddress) => proxies.get(node.port)!;

  // Hooks run in the order they are registered: the proxies close before the topology stops.
  after(async () => {
    await Promise.all([...proxies.values()].map((p) => p.close()));
  });
  const fixture = topologyFixture({}, { restore: false });
  before(async () => {
    for (const node of fixture.topology.dataAddresses()) proxies.set(node.port, await TcpProxy.start(node));
  });

  /** Every data node's address mapped to its proxy. */
  const natMap = () =>
    Object.fromEntries([...proxies].map(([port, proxy]) => [`127.0.0.1:${port}`, proxy.address]));

  /** What every scenario of this file shares: through the proxies, which `heal` sets back to `pass`. */
  function spec(scenario: Omit<ScenarioSpec, 'options' | 'isForeignSocket' | 'heal'>): ScenarioSpec {
    return {
      ...scenario,
      options: { natMap: natMap() },
      isForeignSocket: (socket) => [...proxies.values()].some((p) => p.owns(socket)),
      async heal() {
        for (const proxy of proxies.values()) proxy.setMode({ kind: 'pass' });
      },
    };
  }

  it('master stops answering mid-reply: timeouts, the connection is made again, nothing applied twice', async () => {
    let faults = 0;
    const row = await runScenario(
      FILE,
      fixture.topology,
      spec({
        name: 'master stalls mid-reply',
        expectedErrors: ['CommandTimeoutError', 'ConnectionLostError'],
        async inject({ topology }) {
          const proxy = proxyOf(topology.masterAddress());
          const [faultsBefore, droppedBefore] = [proxy.faultCount, proxy.droppedByClientCount];
          proxy.setMode({ kind: 'stall-mid-reply' });
          // The pool's reaction to its CommandTimeoutError: it drops the connection. (Which
          // error the application sees depends on where the cut falls; see the header.)
          await eventually(() => proxy.droppedByClientCount > droppedBefore, {
            timeoutMs: 10_000,
            intervalMs: 20,
            message: 'the client dropped a connection cut mid-reply',
          });
          proxy.setMode({ kind: 'pass' });
          faults = proxy.faultCount - faultsBefore;
        },
      }),
    );
    assert.ok(faults > 0, 'no connection was cut mid-reply');
    assert.ok(
      (row.errors.CommandTimeoutError ?? 0) + (row.errors.ConnectionLostError ?? 0) > 0,
      'the writes cut off ended in no error',
    );
  });

  it('garbage from the master: in-flight writes fail as lost, reads are retried, the client reconnects', async () => {
    let faults = 0;
    let reconnects = 0;
    await runScenario(
      FILE,
      fixture.topology,
      spec({
        name: 'garbage from the master',
        expectedErrors: ['ConnectionLostError'],
        async inject({ topology }) {
          const proxy = proxyOf(topology.masterAddress());
          const open = proxy.openConnectionCount;
          const [faultsBefore, connectionsBefore] = [proxy.faultCount, proxy.connectionCount];
          proxy.setMode({ kind: 'garbage' });
          // Every connection open at the switch got its garbage, and so did at least two made
          // after it, in reply to their handshake (HELLO): ioredis reports that one through
          // another path.
          await eventually(
            () =>
              proxy.faultCount - faultsBefore >= open + 2 && proxy.connectionCount - connectionsBefore >= 2,
            {
              timeoutMs: 10_000,
              intervalMs: 10,
              message: `garbage reached the ${open} connections to the master, then 2 new ones`,
            },
          );
          proxy.setMode({ kind: 'pass' });
          faults = proxy.faultCount - faultsBefore;
          reconnects = proxy.connectionCount - connectionsBefore;
        },
      }),
    );
    assert.ok(faults > 0, 'no garbage was sent');
    assert.ok(reconnects > 0, 'the client never made a new connection after the garbage');
  });

  it('slow master: no error below commandTimeout, timeouts above it, recovery after', async () => {
    let rates = '';
    const row = await runScenario(
      FILE,
      fixture.topology,
      spec({
        name: 'slow master (200 ms, then 2500 ms)',
        expectedErrors: ['CommandTimeoutError', 'ConnectionLostError'],
        async inject({ topology, load, waitForProgress }) {
          const proxy = proxyOf(topology.masterAddress());
          const timed = async () => {
            const began = performance.now();
            await waitForProgress(5);
            return performance.now() - began;
          };
          const fast = await timed();
          const failedBefore = failed(load);
          proxy.setMode({ kind: 'slow', delayMs: 200 });
          const slow = await timed();
          assert.equal(failed(load), failedBefore, 'errors while the delay was below commandTimeout');
          rates = `5 ops per lane: ${Math.round(fast)} ms at full speed, ${Math.round(slow)} ms at 200 ms`;
          assert.ok(slow > fast, rates);
          proxy.setMode({ kind: 'slow', delayMs: 2500 });
          await eventually(() => seen(load, 'CommandTimeoutError') > 0, {
            timeoutMs: 10_000,
            intervalMs: 20,
            message: 'the application saw a CommandTimeoutError',
          });
          proxy.setMode({ kind: 'pass' });
        },
      }),
    );
    console.log(`# slow master: ${rates}`);
    assert.ok(row.errors.CommandTimeoutError! > 0);
  });

  it('garbage from a replica: the reads in flight are retried, the application sees nothing', async () => {
    let faults = 0;
    await runScenario(
      FILE,
      fixture.topology,
      spec({
        name: 'garbage from a replica',
        async inject({ topology, waitForProgress }) {
          const proxy = proxyOf(topology.replicaAddresses()[0]!);
          const open = proxy.openConnectionCount;
          const faultsBefore = proxy.faultCount;
          proxy.setMode({ kind: 'garbage' });
          await eventually(() => proxy.faultCount - faultsBefore >= open, {
            timeoutMs: 10_000,
            intervalMs: 10,
            message: `garbage reached the ${open} connections to the replica`,
          });
          await waitForProgress(20);
          proxy.setMode({ kind: 'pass' });
          faults = proxy.faultCount - faultsBefore;
        },
      }),
    );
    assert.ok(faults > 0, 'no garbage was sent');
  });

  it('a replica stops answering mid-reply: reads move to the other replica', async () => {
    await runScenario(
      FILE,
      fixture.topology,
      spec({
        name: 'replica stalls mid-reply',
        expectedErrors: ['CommandTimeoutError'],
        async inject({ topology, waitForProgress }) {
          const proxy = proxyOf(topology.replicaAddresses()[0]!);
          const before = proxy.faultCount;
          const droppedBefore = proxy.droppedByClientCount;
          proxy.setMode({ kind: 'stall-mid-reply' });
          await eventually(() => proxy.faultCount > before, {
            timeoutMs: 5000,
            intervalMs: 10,
            message: 'a connection to the replica was cut mid-reply',
          });
          // Reads keep succeeding elsewhere while this replica stays stalled.
          await waitForProgress(50);
          // A plain read cut off times out (CommandTimeoutError) and the client drops that
          // connection; a session read cut off is abandoned at its own deadline and the master
          // answers it, so the drop, not the error, is what every run shows.
          await eventually(() => proxy.droppedByClientCount > droppedBefore, {
            timeoutMs: 10_000,
            intervalMs: 20,
            message: 'the client dropped the connection cut off mid-reply',
          });
          proxy.setMode({ kind: 'pass' });
        },
      }),
    );
  });

  it('a dedicated connection whose command timed out is closed on release, not lent again', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), {
      natMap: natMap(),
      commandTimeout: 500,
    });
    const proxy = proxyOf(fixture.topology.masterAddress());
    try {
      const master = sentinel.masterFor(fixture.topology.masterName);
      const first = await master.acquire();
      assert.equal(await first.ping(), 'PONG');
      proxy.setMode({ kind: 'stall-mid-reply' });
      await assert.rejects(first.call('ECHO', 'cut off'), { name: 'CommandTimeoutError', command: 'echo' });
      proxy.setMode({ kind: 'pass' });
      master.release(first);
      await eventually(() => first.status === 'end', {
        timeoutMs: 2000,
        message: 'the stalled connection was closed',
      });
      const second = await master.acquire();
      assert.notEqual(second, first, 'the stalled connection was lent again');
      assert.equal(await second.ping(), 'PONG');
      master.release(second);
    } finally {
      proxy.setMode({ kind: 'pass' });
      await sentinel.quit();
    }
  });

  it('a dedicated write that timed out while its connection reconnected is never sent', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), {
      natMap: natMap(),
      commandTimeout: 300,
    });
    const master = fixture.topology.masterAddress();
    const key = 'network:offline-timeout';
    let isStopped = false;
    try {
      const pool = sentinel.masterFor(fixture.topology.masterName);
      const connection = await pool.acquire();
      assert.equal(await connection.ping(), 'PONG');
      // The connection reconnects to a master that does not answer its handshake (stopped for
      // well under down-after-milliseconds: no failover), so a command given meanwhile waits in
      // ioredis's offline queue and times out there.
      await fixture.topology.kill(master, 'SIGSTOP');
      isStopped = true;
      proxyOf(master).resetAll();
      await eventually(() => connection.status !== 'ready', {
        timeoutMs: 2000,
        message: 'the reset was seen',
      });
      await assert.rejects(connection.rpush(key, 'once'), {
        name: 'CommandTimeoutError',
        maybeApplied: false,
      });
      await fixture.topology.kill(master, 'SIGCONT');
      isStopped = false;
      await eventually(async () => (await connection.ping()) === 'PONG', {
        timeoutMs: 5000,
        message: 'the connection is back',
      });
      assert.equal(await withNode(master, (c) => c.llen(key)), 0, 'the write that timed out was sent later');
      pool.release(connection);
    } finally {
      if (isStopped) await fixture.topology.kill(master, 'SIGCONT');
      await sentinel.quit();
    }
  });

  it('a dedicated connection switched to another db stays on it after a reconnect', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), { natMap: natMap(), db: 1 });
    const master = fixture.topology.masterAddress();
    try {
      const pool = sentinel.masterFor(fixture.topology.masterName);
      const connection = await pool.acquire();
      await connection.select(2);
      proxyOf(master).resetAll();
      await eventually(async () => (await connection.set('network:db', 'after')) === 'OK', {
        timeoutMs: 5000,
        message: 'a write after the reconnect',
      });
      const [inDb1, inDb2] = await withNode(master, async (c) => {
        await c.select(1);
        const one = await c.get('network:db');
        await c.select(2);
        return [one, await c.get('network:db')];
      });
      assert.deepEqual([inDb1, inDb2], [null, 'after']);
      pool.release(connection);
    } finally {
      await sentinel.quit();
    }
  });
});
