/**
 * connect-redis 7 (the `RedisStore` of express-session, for ioredis) on a managed client, across a
 * graceful failover and a master SIGKILL (test/helpers/downstream/): every session whose `set`
 * succeeded is on the final master (after a SIGKILL, but for those the dead master acknowledged
 * and had not replicated), and reads back through the store. (connect-redis 9 and later are
 * written for the `redis` package.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertLossAllowed, checkedAcrossFailover } from '../helpers/downstream/checks.js';
import { DISRUPTIONS } from '../helpers/downstream/disruption.js';
import { SessionWorkload } from '../helpers/downstream/session-workload.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('connect-redis 7 on a managed client', () => {
  const fixture = topologyFixture();

  for (const disruption of DISRUPTIONS) {
    it(`keeps every session whose set() succeeded across a ${disruption} failover`, async () => {
      const sentinel = fixture.open();
      const workload = new SessionWorkload(() => sentinel.redisFor(fixture.topology.masterName));
      fixture.undo(() => workload.close());
      const { result } = await checkedAcrossFailover(fixture.topology, disruption, workload, 'connect-redis');
      assertLossAllowed(result, 'sessions');
      const read = (await workload.readLast()) as unknown as { n: number } | null | undefined;
      assert.equal(typeof read?.n, 'number', 'the last saved session reads back through the store');
    });
  }
});
