/**
 * Credentials: a password on data nodes and another on sentinels, ACL users, and never a
 * password in an error message or a debug line (even with DEBUG=redis-sentinel-pool:*).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError, MasterNotFoundError, Sentinel } from '../../src/index.js';
import { DebugCapture } from '../helpers/debug-capture.js';
import { fullText, rejection } from '../helpers/rejection.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const DATA_PASSWORD = 'data-s3cret-7c1f';
const SENTINEL_PASSWORD = 'sentinel-s3cret-92ab';
const WRONG_DATA_PASSWORD = 'wrong-data-pass-31';
/** failoverTimeout of clients with bad data-node credentials: how long a master-pool command may wait. */
const SHORT_FAILOVER_TIMEOUT = 2000;
/** What a bad case may take beyond its timeout before the test calls it a hang. */
const SETTLE_MARGIN_MS = 2000;

/**
 * A master-pool write with bad data-node credentials: AuthenticationError at once (no waiting
 * fixes it), well before failoverTimeout.
 */
async function assertDataAuthRefused(
  sentinel: Sentinel,
  name: string,
  secrets: readonly string[],
): Promise<Error> {
  const { error, ms } = await rejection(() => sentinel.masterFor(name).set('auth:bad', '1'));
  assert.ok(error instanceof AuthenticationError, `${error.name}: ${error.message}`);
  assert.ok(ms < SHORT_FAILOVER_TIMEOUT + SETTLE_MARGIN_MS, `settled in ${ms} ms`);
  for (const secret of secrets) assert.ok(!fullText(error).includes(secret), 'the error shows a password');
  return error;
}

/** discover() with bad sentinel credentials: MasterNotFoundError at once, naming the options. */
async function assertSentinelAuthRefused(
  sentinel: Sentinel,
  name: string,
  secrets: readonly string[],
): Promise<void> {
  const { error, ms } = await rejection(() => sentinel.discover(name));
  assert.ok(error instanceof MasterNotFoundError, `${error.name}: ${error.message}`);
  assert.ok(ms < SETTLE_MARGIN_MS, `settled in ${ms} ms`);
  assert.ok(error.attempts.length > 0);
  for (const attempt of error.attempts) {
    assert.match(attempt.outcome, /WRONGPASS.*Check sentinelUsername and sentinelPassword/);
  }
  for (const secret of secrets) assert.ok(!fullText(error).includes(secret), 'the error shows a password');
}

describe('authentication', () => {
  const debug = new DebugCapture();
  // Hooks run in the order they are registered: debug lines are captured from just after the
  // topology started until just before it stops.
  after(() => debug.stop());
  const fixture = topologyFixture(
    { replicas: 1, sentinels: 2, quorum: 1, password: DATA_PASSWORD, sentinelPassword: SENTINEL_PASSWORD },
    { restore: false },
  );
  before(() => debug.start());

  it('discovers and serves with both passwords', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), {
      sentinelPassword: SENTINEL_PASSWORD,
      password: DATA_PASSWORD,
    });
    try {
      const master = sentinel.masterFor(fixture.topology.masterName);
      await master.set('auth:key', 'v');
      assert.equal(await sentinel.replicaFor(fixture.topology.masterName).get('auth:key'), 'v');
    } finally {
      await sentinel.quit();
    }
  });

  it('reports a wrong sentinel password without printing it', async () => {
    const wrong = 'wrong-sentinel-pass-55';
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), {
      sentinelPassword: wrong,
      socketTimeout: 500,
    });
    try {
      const error = await sentinel.discover(fixture.topology.masterName).catch((e: unknown) => e);
      assert.ok(error instanceof MasterNotFoundError);
      assert.match(error.message, /WRONGPASS|invalid|NOAUTH|unreachable/i);
      assert.ok(!error.message.includes(wrong));
    } finally {
      await sentinel.quit();
    }
  });

  it('reports a wrong data-node password as AuthenticationError naming the options, at once', async () => {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), {
      sentinelPassword: SENTINEL_PASSWORD,
      password: WRONG_DATA_PASSWORD,
      failoverTimeout: SHORT_FAILOVER_TIMEOUT,
    });
    try {
      await sentinel.discover(fixture.topology.masterName);
      const error = await assertDataAuthRefused(sentinel, fixture.topology.masterName, [
        DATA_PASSWORD,
        WRONG_DATA_PASSWORD,
      ]);
      assert.match(fullText(error), /WRONGPASS.*Check username and password/);
      console.log(`# wrong data-node password: ${fullText(error)}`);
    } finally {
      await sentinel.quit();
    }
  });

  it('never logs a password', () => {
    debug.assertNoneContains([
      DATA_PASSWORD,
      SENTINEL_PASSWORD,
      'wrong-sentinel-pass-55',
      WRONG_DATA_PASSWORD,
    ]);
  });
});

describe('authentication with ACL users', () => {
  const password = 'acl-data-s3cret-5d2e';
  const sentinelPassword = 'acl-sentinel-s3cret-0f7b';
  const good = {
    username: 'app-user',
    password,
    sentinelUsername: 'sentinel-user',
    sentinelPassword,
    failoverTimeout: SHORT_FAILOVER_TIMEOUT,
    socketTimeout: 500,
  };
  const secrets = [password, sentinelPassword] as const;
  const debug = new DebugCapture();
  // As above: debug lines are captured while the topology runs.
  after(() => debug.stop());
  const fixture = topologyFixture(
    {
      replicas: 1,
      sentinels: 2,
      quorum: 1,
      username: good.username,
      password,
      sentinelUsername: good.sentinelUsername,
      sentinelPassword,
    },
    { restore: false },
  );
  before(() => debug.start());

  /** Runs `fn` with a Sentinel made with `good` options overridden by `options`, then quits it. */
  async function withSentinel(options: Partial<typeof good>, fn: (sentinel: Sentinel) => Promise<void>) {
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses(), { ...good, ...options });
    try {
      await fn(sentinel);
    } finally {
      await sentinel.quit();
    }
  }

  it('serves with the right users', async () => {
    await withSentinel({}, async (sentinel) => {
      await sentinel.masterFor(fixture.topology.masterName).set('acl:key', 'v');
      assert.equal(await sentinel.masterFor(fixture.topology.masterName).get('acl:key'), 'v');
    });
  });

  it('reports a wrong data-node ACL user as AuthenticationError naming the options, at once', async () => {
    await withSentinel({ username: 'no-such-user' }, async (sentinel) => {
      const error = await assertDataAuthRefused(sentinel, fixture.topology.masterName, secrets);
      assert.match(fullText(error), /WRONGPASS.*Check username and password/);
      console.log(`# wrong data-node ACL user: ${fullText(error)}`);
    });
  });

  it('reports a wrong sentinel ACL user as MasterNotFoundError naming the options', async () => {
    await withSentinel({ sentinelUsername: 'no-such-sentinel-user' }, (sentinel) =>
      assertSentinelAuthRefused(sentinel, fixture.topology.masterName, secrets),
    );
  });

  it('never logs a password', () => {
    debug.assertNoneContains(secrets);
  });
});
