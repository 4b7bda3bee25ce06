/**
 * rate-limiter-flexible (`RateLimiterRedis`) on a managed client and on a pool: it defines its
 * Lua script once per limiter on the client it is given, so two limiters share one definition
 * (on a pool the second threw before). Points consumed across a graceful failover and a master
 * SIGKILL are counted on the final master (test/helpers/downstream/). In the SIGKILL case plain
 * ioredis in Sentinel mode runs the same load beside ours, for comparison (reported, not asserted).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { checkedAcrossFailover } from '../helpers/downstream/checks.js';
import { DISRUPTIONS, type Disruption } from '../helpers/downstream/disruption.js';
import { type LimiterCount, RateLimiterWorkload } from '../helpers/downstream/rate-limiter-workload.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('rate-limiter-flexible on managed clients and pools', () => {
  const fixture = topologyFixture();
  const name = () => fixture.topology.masterName;

  function check(target: string, disruption: Disruption, counts: LimiterCount[]): void {
    for (const [i, count] of counts.entries()) {
      // Graceful: 0 lost. SIGKILL: at most the points the dead master acknowledged in its last
      // second and had not replicated (docs/failover.md).
      assert.ok(
        count.lost <= count.lossAllowance,
        `${target} limiter ${i}, ${disruption}: ${count.lost} points lost`,
      );
      assert.equal(count.countedTwice, 0, 'points counted twice');
    }
  }

  const cases = [
    ...DISRUPTIONS.map((disruption) => ['managed client', disruption] as const),
    ['pool', 'graceful'] as const,
  ];
  for (const [target, disruption] of cases) {
    it(`counts every consumed point of two limiters on one ${target} across a ${disruption} failover`, async () => {
      const sentinel = fixture.open();
      const client = target === 'pool' ? sentinel.masterFor(name()) : sentinel.redisFor(name());
      const workload = new RateLimiterWorkload(client);
      fixture.undo(() => workload.close());
      // Plain ioredis beside ours, through the same SIGKILL (the graceful case is in the bench).
      const plain =
        disruption === 'sigkill'
          ? new Redis({ sentinels: fixture.topology.sentinelAddresses(), name: name() })
          : undefined;
      plain?.on('error', () => {});
      fixture.undo(async () => plain?.disconnect());
      const beside = plain && new RateLimiterWorkload(plain, 'rl-plain');
      fixture.undo(async () => beside?.close());
      const { sw, result } = await checkedAcrossFailover(fixture.topology, disruption, workload, target);
      if (beside) {
        await beside.stop();
        console.log(`# plain ioredis, ${disruption}: ${JSON.stringify(await beside.count(sw))}`);
      }
      check(target, disruption, result);
    });
  }
});
