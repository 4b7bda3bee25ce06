/**
 * Push, not poll: the library hears every sentinel and reports each failover once, as early as
 * Sentinel allows; replicas leave and rejoin the healthy set as Sentinel sees them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { MasterChangedEvent, ReplicaEvent, Sentinel } from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { SentinelSpy } from '../helpers/sentinel-spy.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('sentinel events', () => {
  const fixture = topologyFixture();
  let sentinel: Sentinel;

  async function follow(): Promise<MasterChangedEvent[]> {
    sentinel = fixture.open();
    const changes: MasterChangedEvent[] = [];
    sentinel.on('masterChanged', (e) => {
      if (e.from !== undefined) changes.push(e);
    });
    await sentinel.discover(fixture.topology.masterName);
    return changes;
  }

  it('reports one masterChanged with the right addresses when the master is killed', async () => {
    const changes = await follow();
    const old = fixture.topology.masterAddress();
    await fixture.topology.kill(old, 'SIGKILL');
    const [event] = (await once(sentinel, 'masterChanged', { signal: AbortSignal.timeout(30_000) })) as [
      MasterChangedEvent,
    ];
    const elected = await fixture.topology.waitForFailover(old);
    assert.deepEqual(event.from, old);
    assert.deepEqual(event.to, elected);
    // Every sentinel announces the same switch; the library reports it once.
    await eventually(
      () => {
        const switches = fixture.topology.switches().filter((s) => s.to.port === elected.port);
        assert.ok(
          switches.some((s) => s.sentinels.length === 3),
          'every sentinel announced the switch',
        );
        return true;
      },
      { timeoutMs: 10_000 },
    );
    assert.equal(changes.length, 1);
  });

  it('hears a graceful failover no later than the first sentinel announces it', async () => {
    const spy = await SentinelSpy.start(fixture.topology.sentinelAddresses());
    try {
      const changes = await follow();
      const started = performance.now();
      let heardAt = 0;
      sentinel.once('masterChanged', () => {
        heardAt = performance.now();
      });
      const { from, to } = await fixture.topology.failover();
      const firstSwitch = await eventually(() => heardAt > 0 && spy.first('+switch-master', started), {
        timeoutMs: 10_000,
        message: 'masterChanged and a +switch-master',
      });
      const lead = firstSwitch.at - heardAt;
      console.log(`# masterChanged ${lead.toFixed(1)} ms before the first +switch-master`);
      assert.ok(lead > -100, `masterChanged came ${-lead} ms after the first +switch-master`);
      assert.equal(changes.length, 1);
      assert.deepEqual(changes[0]?.from, from);
      assert.deepEqual(changes[0]?.to, to);
    } finally {
      await spy.stop();
    }
  });

  it('reports a killed replica down and a restarted one up', async () => {
    await follow();
    const [replica] = fixture.topology.replicaAddresses();
    const down = once(sentinel, 'replicaDown', { signal: AbortSignal.timeout(20_000) });
    await fixture.topology.kill(replica!, 'SIGKILL');
    const [downEvent] = (await down) as [ReplicaEvent];
    assert.equal(downEvent.replica.port, replica!.port);
    const up = once(sentinel, 'replicaUp', { signal: AbortSignal.timeout(30_000) });
    await fixture.topology.restart(replica!);
    const [upEvent] = (await up) as [ReplicaEvent];
    assert.equal(upEvent.replica.port, replica!.port);
    assert.equal(upEvent.replica.masterLinkStatus, 'ok');
  });
});
