/**
 * rate-limiter-flexible (`RateLimiterRedis`) on a managed client and on a pool: it defines its
 * Lua script once per limiter on the client it is given, so two limiters share one definition
 * (on a pool the second threw before). Points consumed across a graceful failover are counted
 * on the final master, once the old master is demoted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { BoundedLoop } from '../helpers/bounded-loop.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('rate-limiter-flexible on managed clients and pools', () => {
  const fixture = topologyFixture();
  const name = () => fixture.topology.masterName;

  async function demoted(old: NodeAddress): Promise<void> {
    await eventually(async () => ((await withNode(old, (c) => c.call('ROLE'))) as unknown[])[0] === 'slave', {
      timeoutMs: 40_000,
      intervalMs: 200,
      message: 'Sentinel demotes the old master',
    });
  }

  for (const target of ['managed client', 'pool'] as const) {
    it(`counts every consumed point of two limiters on one ${target} across a graceful failover`, async () => {
      const sentinel = fixture.open();
      const client = target === 'pool' ? sentinel.masterFor(name()) : sentinel.redisFor(name());
      const prefix = `rl-${target === 'pool' ? 'pool' : 'client'}`;
      const limiters = ['a', 'b'].map(
        (id) =>
          new RateLimiterRedis({
            storeClient: client,
            keyPrefix: `${prefix}-${id}`,
            points: 1e9,
            duration: 600,
          }),
      );
      const consumers = limiters.map((limiter) =>
        fixture.track(new BoundedLoop(() => limiter.consume('user', 1))),
      );
      const enough = (count: number) => consumers.every((c) => c.resolved.length >= count);
      await eventually(() => enough(100), { timeoutMs: 15_000, message: '100 points each' });
      const { from, to } = await fixture.topology.failover();
      const after = Math.max(...consumers.map((c) => c.resolved.length));
      await eventually(() => enough(after + 100), { timeoutMs: 20_000, message: '100 more points each' });
      await Promise.all(consumers.map((c) => c.stop()));
      await demoted(from);
      assert.equal(fixture.topology.masterAddress().port, to.port, 'no second failover');
      for (const [i, id] of ['a', 'b'].entries()) {
        const consumer = consumers[i]!;
        const stored = Number(await withNode(to, (c) => c.get(`${prefix}-${id}:user`)));
        console.log(
          `# ${target} limiter ${id}: ${consumer.resolved.length} consumed, ${stored} counted on the final master, ${consumer.errors.length} failed (${consumer.errors.map((e) => e.name)})`,
        );
        assert.ok(stored >= consumer.resolved.length, `points lost: ${consumer.resolved.length - stored}`);
        assert.ok(stored <= consumer.resolved.length + consumer.errors.length, 'points counted twice');
      }
    });
  }
});
