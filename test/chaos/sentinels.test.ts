/**
 * Chaos: the sentinels fail, not the data nodes, under the mixed load. One topology (1 master,
 * 2 replicas, 3 sentinels, quorum 2) for the file, restored after every scenario (killed
 * sentinels are restarted). See support/scenario.ts for what each row checks.
 *
 * A Sentinel client must keep using a working master while sentinels are unreachable: it asks
 * Sentinel *where* the master is, it does not need Sentinel to *use* it.
 *
 * Expected errors, and why each is the documented one:
 * - one sentinel down, then master SIGKILL: the two left have quorum and fail over, so this is
 *   `failovers › master SIGKILL` with one sentinel fewer: `ConnectionLostError` (a write in flight
 *   on the master's connection when it died; `maybeApplied: true`, never resent) and
 *   `ReplicationTimeoutError` (a durable write the master took but no replica confirmed within
 *   1 s, as it died right after). Plain writes the master acknowledged but had not replicated
 *   may be lost with it.
 * - two of three sentinels down (one killed, one hung by SIGSTOP, as behind a partition), all
 *   three down: none. The master keeps working, so no call may fail and no `masterChanged` may
 *   fire.
 * - after all three come back, a graceful failover: none (as `failovers › SENTINEL FAILOVER`).
 * - a sentinel that names an address outside `allowedHosts`: none.
 *
 * Expected `error` events (they belong to no call, the application only hears of them):
 * - two of three down: none. A refresh asks the two that are down first (the killed one refuses
 *   at once, its connection is known to be down; the hung one after `socketTimeout`), and the one
 *   left answers.
 * - all three down: `MasterNotFoundError`, from every periodic refresh while no sentinel answers
 *   (README, Events: "a background refresh failed"). The known master is kept.
 * - outside `allowedHosts`: `AddressNotAllowedError`, for the fake's answer to the first
 *   discovery and for the `+switch-master` it publishes (README, Errors).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { AddressNotAllowedError, type MasterChangedEvent, Sentinel } from '../../src/index.js';
import { eventually, type LocalTopology, type NodeAddress } from '../../src/testing/index.js';
import { FakeSentinel } from '../helpers/fake-sentinel.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { runScenario } from './support/scenario.js';

const FILE = 'sentinels';

/** How often a refresh runs in the scenarios that must see some: several per scenario. */
const FAST_REFRESH = { refreshInterval: 500 } as const;

const label = (a: NodeAddress | undefined) => (a ? `${a.host}:${a.port}` : 'none');

/**
 * Restarts killed sentinels and waits until each has its subscribers back: the client's (ioredis
 * resubscribes by itself, after a backoff of at most 2 s) and the kit's own (named
 * `local-topology`). Until the kit's is back, its reconnect timer would count as a timer left
 * after the client's `quit()`.
 */
async function restartSentinels(topology: LocalTopology, sentinels: readonly NodeAddress[]): Promise<void> {
  await Promise.all(sentinels.map((s) => topology.restart(s)));
  const isResubscribed = async (address: NodeAddress) => {
    const lines = String(await withNode(address, (c) => c.client('LIST'))).split('\n');
    const subscribed = lines.filter((line) => / sub=[1-9]/.test(line));
    return (
      subscribed.some((line) => line.includes(' name=local-topology ')) &&
      subscribed.some((line) => !line.includes(' name=local-topology '))
    );
  };
  await eventually(async () => (await Promise.all(sentinels.map(isResubscribed))).every(Boolean), {
    timeoutMs: 10_000,
    message: 'the client and the kit subscribed again to every restarted sentinel',
  });
}

describe('chaos: sentinels', () => {
  const fixture = topologyFixture({}, { restore: false });

  it('one sentinel down, then master SIGKILL: the two left fail over and the client follows', async () => {
    await runScenario(FILE, fixture.topology, {
      name: 'one sentinel down, then master SIGKILL',
      expectedErrors: ['ConnectionLostError', 'ReplicationTimeoutError'],
      mayLosePlainWrites: true,
      async inject({ topology, sentinel, waitForProgress }) {
        const changes: MasterChangedEvent[] = [];
        sentinel.on('masterChanged', (e) => changes.push(e));
        const first = topology.sentinelAddresses()[0]!;
        assert.equal(label(sentinel.sentinels()[0]), label(first), 'the client asks the first seed first');
        await topology.kill(first, 'SIGKILL');
        await waitForProgress();
        const old = topology.masterAddress();
        await topology.kill(old, 'SIGKILL');
        const next = await topology.waitForFailover(old);
        await eventually(() => label(changes.at(-1)?.to) === label(next), {
          timeoutMs: 10_000,
          message: `the client moved to the new master ${label(next)}`,
        });
        await waitForProgress();
        await restartSentinels(topology, [first]);
        await waitForProgress();
      },
    });
  });

  it('two of three sentinels down (one killed, one hung): the client keeps its master, nothing fails', async () => {
    const changes: MasterChangedEvent[] = [];
    let stopped: NodeAddress | undefined;
    await runScenario(FILE, fixture.topology, {
      name: 'two of three sentinels down (SIGKILL, SIGSTOP)',
      options: FAST_REFRESH,
      expectedEventErrors: [],
      async inject({ topology, sentinel, waitForProgress }) {
        sentinel.on('masterChanged', (e) => changes.push(e));
        const master = topology.masterAddress();
        const switches = topology.switches().length;
        const [killed, hung, left] = topology.sentinelAddresses();
        await topology.kill(killed!, 'SIGKILL');
        await topology.kill(hung!, 'SIGSTOP');
        stopped = hung;
        // A refresh asks in order: the killed one refuses at once, the hung one after
        // socketTimeout (1 s), and the one left answers and moves to the front.
        await eventually(() => label(sentinel.sentinels()[0]) === label(left), {
          timeoutMs: 5000,
          message: 'a refresh got past the two sentinels that are down',
        });
        await waitForProgress(50);
        const found = await sentinel.discover(topology.masterName);
        assert.equal(label(found.master), label(master));
        assert.equal(topology.switches().length, switches, 'no failover: one sentinel has no quorum');
        // The hung one stays stopped through quit(); the killed one comes back now, so that the
        // kit's reconnect timer is gone by then.
        await restartSentinels(topology, [killed!]);
        await waitForProgress();
      },
      // Killed, not resumed: a sentinel resumed after seconds stopped enters TILT mode for 30 s
      // (no failover), which would hold up the next scenario. restore() restarts it fresh.
      async heal() {
        if (stopped) await fixture.topology.kill(stopped, 'SIGKILL');
      },
      check() {
        assert.equal(changes.length, 0, 'no masterChanged while two sentinels are down');
      },
    });
  });

  it('all sentinels down and back up: no error meanwhile, then a failover is followed', async () => {
    const changes: MasterChangedEvent[] = [];
    await runScenario(FILE, fixture.topology, {
      name: 'all sentinels down, back up, then SENTINEL FAILOVER',
      options: FAST_REFRESH,
      expectedEventErrors: ['MasterNotFoundError'],
      async inject({ topology, sentinel, waitForProgress }) {
        sentinel.on('masterChanged', (e) => changes.push(e));
        let refreshesFailed = 0;
        sentinel.on('error', (error) => {
          if (error.name === 'MasterNotFoundError') refreshesFailed++;
        });
        const master = topology.masterAddress();
        const sentinels = topology.sentinelAddresses();
        await Promise.all(sentinels.map((s) => topology.kill(s)));
        await eventually(() => refreshesFailed >= 2, {
          timeoutMs: 5000,
          message: 'two refreshes failed with every sentinel down',
        });
        await waitForProgress(50);
        assert.equal(changes.length, 0, 'no masterChanged while every sentinel is down');

        await restartSentinels(topology, sentinels);
        const { to } = await topology.failover();
        await eventually(() => label(changes.at(-1)?.to) === label(to), {
          timeoutMs: 10_000,
          message: `the client moved from ${label(master)} to ${label(to)}`,
        });
        await waitForProgress();
      },
    });
  });

  it('a sentinel that names an address outside allowedHosts: ignored, reported, never connected to', async () => {
    const fake = await FakeSentinel.start(fixture.topology.masterName);
    try {
      const notAllowed: AddressNotAllowedError[] = [];
      await runScenario(FILE, fixture.topology, {
        name: 'a sentinel names an address outside allowedHosts',
        sentinels: [fake.address, ...fixture.topology.sentinelAddresses()],
        // The `host:port` form: every real node by its port; the fake names 127.0.0.2.
        options: {
          allowedHosts: [...fixture.topology.sentinelAddresses(), ...fixture.topology.dataAddresses()].map(
            (node) => `127.0.0.1:${node.port}`,
          ),
        },
        expectedEventErrors: ['AddressNotAllowedError'],
        isForeignSocket: (socket) => fake.isOwnSocket(socket),
        async inject({ topology, sentinel, waitForProgress }) {
          sentinel.on('error', (error) => {
            if (error instanceof AddressNotAllowedError) notAllowed.push(error);
          });
          // The first discovery asked the fake first, refused its answer, and went on.
          assert.ok(fake.count('SENTINEL', 'get-master-addr-by-name') >= 1, 'the fake was asked');
          assert.equal(label(sentinel.sentinels()[0]), label(topology.sentinelAddresses()[0]));
          const master = topology.masterAddress();
          const { host, port } = fake.trapAddress;
          const switched = `${topology.masterName} ${master.host} ${master.port} ${host} ${port}`;
          assert.ok(fake.publish('+switch-master', switched) >= 1, 'the client listens to the fake');
          await eventually(() => notAllowed.length >= 1, {
            timeoutMs: 5000,
            message: 'the +switch-master to the trap was reported',
          });
          await waitForProgress(50);
          const found = await sentinel.discover(topology.masterName);
          assert.equal(label(found.master), label(master));
        },
        heal: () => fake.close(),
        check(row) {
          assert.ok((row.eventErrors.AddressNotAllowedError ?? 0) >= 2, 'both refusals were reported');
          assert.equal(fake.trapConnections, 0, 'the client never connected to the address outside');
          for (const error of notAllowed) {
            assert.equal(error.address, label(fake.trapAddress));
            assert.equal(error.sentinel, label(fake.address));
          }
        },
      });
    } finally {
      await fake.close();
    }
  });

  it('a late failover event about a master the client already left does not hold its commands', async () => {
    const fake = await FakeSentinel.start(fixture.topology.masterName);
    // The fake comes last: the real sentinels name the master; the fake only publishes.
    const sentinel = new Sentinel([...fixture.topology.sentinelAddresses(), fake.address], {
      failoverTimeout: 5000,
    });
    try {
      const master = sentinel.masterFor(fixture.topology.masterName);
      await master.set('sentinels:late-event', '0');
      await eventually(() => fake.count('SUBSCRIBE') > 0, {
        timeoutMs: 5000,
        message: 'subscribed to the fake',
      });
      const left = fixture.topology.replicaAddresses()[0]!; // any address other than the current master
      const [candidate] = fixture.topology.replicaAddresses().slice(1);
      const message = `slave 127.0.0.1:${candidate!.port} 127.0.0.1 ${candidate!.port} @ ${fixture.topology.masterName} 127.0.0.1 ${left.port}`;
      const started = [] as number[];
      sentinel.on('failoverStarted', () => started.push(performance.now()));
      assert.ok(fake.publish('+selected-slave', message) > 0, 'nobody got the event');
      // Events from one sentinel arrive in order: once this one is seen, so was the first.
      const marker = once(sentinel, 'replicaDown', { signal: AbortSignal.timeout(5000) });
      fake.publish(
        '+sdown',
        `slave 127.0.0.1:${left.port} 127.0.0.1 ${left.port} @ ${fixture.topology.masterName} 127.0.0.1 ${fixture.topology.masterAddress().port}`,
      );
      await marker;
      assert.deepEqual(started, [], 'a failover of a master the client left was reported as started');
      const began = performance.now();
      assert.equal(await master.set('sentinels:late-event', '1'), 'OK');
      const elapsed = performance.now() - began;
      assert.ok(elapsed < 1000, `a write waited ${Math.round(elapsed)} ms after the late event`);
    } finally {
      await sentinel.quit();
      await fake.close();
    }
  });
});
