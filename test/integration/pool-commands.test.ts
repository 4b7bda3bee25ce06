/**
 * Pool command surface beyond plain commands: Lua commands from defineCommand(), and what a
 * command does when no master can be found at all.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { before, describe, it } from 'node:test';
import { FailoverTimeoutError, Sentinel } from '../../src/index.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('pool commands', () => {
  const fixture = topologyFixture({ replicas: 1, sentinels: 1, quorum: 1 }, { restore: false });
  let sentinel: Sentinel;

  before(() => {
    sentinel = fixture.open();
  });

  it('defines Lua commands on every connection, present and future', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName, { poolSize: 2 });
    await master.set('lua:k', 'old');
    master.defineCommand('swap', { numberOfKeys: 1, lua: 'return redis.call("GETSET", KEYS[1], ARGV[1])' });
    const swap = (master as unknown as { swap(key: string, value: string): Promise<string> }).swap;
    assert.equal(await swap('lua:k', 'new'), 'old');
    assert.equal(await swap('lua:k', 'newer'), 'new');
    await master.withConnection(async (connection) => {
      const dedicated = connection as unknown as { swap(key: string, value: string): Promise<string> };
      assert.equal(await dedicated.swap('lua:k', 'x'), 'newer');
    });
    assert.throws(() => master.defineCommand('get', { lua: 'return 1' }), { name: 'SentinelConfigError' });
  });

  it('fails a command with FailoverTimeoutError when no sentinel can name a master', async () => {
    // A port with nothing listening: every sentinel is unreachable.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const lonely = new Sentinel([{ host: '127.0.0.1', port }], { failoverTimeout: 500, socketTimeout: 200 });
    try {
      const started = performance.now();
      const error = await lonely
        .masterFor('mymaster')
        .get('k')
        .catch((e: unknown) => e);
      assert.ok(error instanceof FailoverTimeoutError, String(error));
      assert.equal(error.code, 'ERR_FAILOVER_TIMEOUT');
      assert.ok(performance.now() - started < 3000);
    } finally {
      await lonely.quit();
    }
  });
});
