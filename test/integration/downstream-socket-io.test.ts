/**
 * The socket.io Redis adapter (`@socket.io/redis-adapter`) on managed clients, in its documented
 * pattern `createAdapter(pub, pub.duplicate())`: two socket.io servers (no HTTP needed) exchange
 * numbered server-side events across a graceful failover and a master SIGKILL
 * (test/helpers/downstream/). Pub/sub is at most once: the events sent while the subscribers move
 * are lost; every one sent after that window is delivered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkedAcrossFailover } from '../helpers/downstream/checks.js';
import { DISRUPTIONS } from '../helpers/downstream/disruption.js';
import { SocketIoWorkload } from '../helpers/downstream/socket-io-workload.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

/** The switch window ends this long after every sentinel reported the new master, at the latest. */
const WINDOW_AFTER_SWITCH_MS = 3000;
/** An event sent this long before the trigger may still be on its way when the master dies. */
const IN_FLIGHT_MS = 100;

describe('socket.io Redis adapter on managed clients', () => {
  const fixture = topologyFixture();

  for (const disruption of DISRUPTIONS) {
    it(`delivers every event sent after the switch window of a ${disruption} failover`, async () => {
      const sentinel = fixture.open();
      const workload = new SocketIoWorkload(() => sentinel.redisFor(fixture.topology.masterName));
      fixture.undo(() => workload.close());
      const { sw, result } = await checkedAcrossFailover(fixture.topology, disruption, workload, 'socket.io');
      // Lost events were all sent during the switch (or were on their way when it began), none
      // before the trigger nor long after.
      if (result.lost > 0) {
        assert.ok(
          result.lostFromMs! >= -IN_FLIGHT_MS,
          `an event sent before the trigger was lost: ${result.lostFromMs} ms`,
        );
        const switchMs = sw.switchedAt - sw.triggeredAt;
        assert.ok(result.lostToMs! <= switchMs + WINDOW_AFTER_SWITCH_MS, `lost until ${result.lostToMs} ms`);
      }
      assert.ok(result.deliveredAfterWindow >= 100, 'events after the window');
      const [first] = workload.servers;
      assert.equal(await first.of('/').adapter.serverCount(), 2, 'both subscribers on the new master');
    });
  }
});
