/**
 * connect-redis 7 (the `RedisStore` of express-session, for ioredis) on a managed client: every
 * session whose `set` succeeded across a graceful failover is on the final master, and reads
 * back through the store. (connect-redis 9 and later are written for the `redis` package.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import RedisStore from 'connect-redis';
import type { SessionData } from 'express-session';
import { eventually } from '../../src/testing/index.js';
import { BoundedLoop } from '../helpers/bounded-loop.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

/** A session as express-session stores it. */
function sessionOf(n: number): SessionData {
  return { cookie: { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000) }, n } as never;
}

describe('connect-redis 7 on a managed client', () => {
  const fixture = topologyFixture();

  it('keeps every session whose set() succeeded across a graceful failover', async () => {
    const sentinel = fixture.open();
    const store = new RedisStore({
      client: sentinel.redisFor(fixture.topology.masterName),
      prefix: 'sess-cr:',
    });
    const writer = fixture.track(
      new BoundedLoop(
        (n) =>
          new Promise<void>((resolve, reject) =>
            store.set(`s${n}`, sessionOf(n), (error?: unknown) => (error ? reject(error) : resolve())),
          ),
      ),
    );
    const saved = writer.resolved;
    const failed = writer.errors;
    await eventually(() => saved.length >= 100, { timeoutMs: 15_000, message: '100 sessions saved' });
    const { from, to } = await fixture.topology.failover();
    const after = saved.length;
    await eventually(() => saved.length >= after + 100, { timeoutMs: 20_000, message: '100 more sessions' });
    await writer.stop();
    await eventually(
      async () => ((await withNode(from, (c) => c.call('ROLE'))) as unknown[])[0] === 'slave',
      {
        timeoutMs: 40_000,
        intervalMs: 200,
        message: 'Sentinel demotes the old master',
      },
    );
    assert.equal(fixture.topology.masterAddress().port, to.port, 'no second failover');
    const keys = new Set(await withNode(to, (c) => c.keys('sess-cr:*')));
    const missing = saved.filter((n) => !keys.has(`sess-cr:s${n}`));
    console.log(
      `# connect-redis: ${saved.length} sessions saved, ${missing.length} missing on the final master, ${failed.length} set() failed (${failed.map((e) => e.name)})`,
    );
    assert.deepEqual(missing, []);
    const last = saved.at(-1)!;
    const read = await new Promise<SessionData | null | undefined>((resolve, reject) =>
      store.get(`s${last}`, (error: unknown, session?: SessionData | null) =>
        error ? reject(error) : resolve(session),
      ),
    );
    assert.equal((read as unknown as { n: number }).n, last);
  });
});
