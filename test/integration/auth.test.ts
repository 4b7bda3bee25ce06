/**
 * Credentials: a password on data nodes and another on sentinels, ACL users, and never a
 * password in an error message or a debug line (even with DEBUG=redis-sentinel-pool:*).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import createDebug from 'debug';
import { MasterNotFoundError, Sentinel } from '../../src/index.js';
import { LocalTopology } from '../../src/testing/index.js';

const DATA_PASSWORD = 'data-s3cret-7c1f';
const SENTINEL_PASSWORD = 'sentinel-s3cret-92ab';

describe('authentication', () => {
  let topology: LocalTopology;
  const logged: string[] = [];
  const originalLog = createDebug.log;

  before(async () => {
    topology = await LocalTopology.start({
      replicas: 1,
      sentinels: 2,
      quorum: 1,
      password: DATA_PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    });
    // Capture every debug line of the library (ioredis's own namespace too).
    createDebug.log = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    createDebug.enable('redis-sentinel-pool:*,ioredis:*');
  });
  after(async () => {
    createDebug.disable();
    createDebug.log = originalLog;
    await topology?.stop();
  });

  it('discovers and serves with both passwords', async () => {
    const sentinel = new Sentinel(topology.sentinelAddresses(), {
      sentinelPassword: SENTINEL_PASSWORD,
      password: DATA_PASSWORD,
    });
    try {
      const master = sentinel.masterFor(topology.masterName);
      await master.set('auth:key', 'v');
      assert.equal(await sentinel.replicaFor(topology.masterName).get('auth:key'), 'v');
    } finally {
      await sentinel.quit();
    }
  });

  it('reports a wrong sentinel password without printing it', async () => {
    const wrong = 'wrong-sentinel-pass-55';
    const sentinel = new Sentinel(topology.sentinelAddresses(), {
      sentinelPassword: wrong,
      socketTimeout: 500,
    });
    try {
      const error = await sentinel.discover(topology.masterName).catch((e: unknown) => e);
      assert.ok(error instanceof MasterNotFoundError);
      assert.match(error.message, /WRONGPASS|invalid|NOAUTH|unreachable/i);
      assert.ok(!error.message.includes(wrong));
    } finally {
      await sentinel.quit();
    }
  });

  it('never logs a password', () => {
    assert.ok(logged.length > 0, 'debug output was captured');
    for (const line of logged) {
      for (const secret of [DATA_PASSWORD, SENTINEL_PASSWORD, 'wrong-sentinel-pass-55']) {
        assert.ok(!line.includes(secret), `a debug line shows a password: ${line.slice(0, 200)}`);
      }
    }
  });
});
