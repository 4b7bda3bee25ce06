/**
 * Chaos: security settings under the mixed load, on one topology that uses all of them: TLS only
 * on every node (certificates made at test time by openssl, client certificates required), an
 * ACL user on the data nodes and another on the sentinels (their `default` users off). The first
 * scenario is the right setup through a graceful failover; the others get one thing wrong each,
 * and every operation must then fail, in time, with the documented error, a message that says
 * which option to check, and no password in it. See support/scenario.ts for the row's checks.
 *
 * Expected errors, and why each is the documented one. No waiting fixes any of these mistakes,
 * so commands fail at once (docs/failure-handling.md) instead of waiting `failoverTimeout`, and
 * are not sent:
 * - right certificates and credentials: none (a graceful failover loses and fails nothing).
 * - a wrong data-node password or ACL user: `AuthenticationError` (the data nodes answer
 *   WRONGPASS), from master and replica pools alike; its message names `username and password`.
 * - a data-node certificate from another CA: `TlsCertificateError`, naming `tls.ca`.
 * - a wrong sentinel password or ACL user, or a sentinel certificate from another CA:
 *   `MasterNotFoundError` (every sentinel refused: no master is known), whose attempts name the
 *   option (`sentinelUsername and sentinelPassword`, `sentinelTLS.ca`). A background refresh that
 *   fails the same way is reported by the `error` event as `MasterNotFoundError`.
 * Until issue 13 each of these waited `failoverTimeout` and failed with `FailoverTimeoutError`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SentinelOptions } from '../../src/index.js';
import { clientTls, makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { fullText } from '../helpers/rejection.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { runScenario, type ScenarioSpec } from './support/scenario.js';

const FILE = 'security';
const USER = 'app';
const PASSWORD = 'data-secret-3f9a';
const SENTINEL_USER = 'watcher';
const SENTINEL_PASSWORD = 'sentinel-secret-81c2';
/** How long a command waits for a master in the failing scenarios. */
const SHORT_FAILOVER_TIMEOUT = 2000;

describe('chaos: TLS and credentials', () => {
  let certs: TestCerts;
  let good: TlsOptions;
  let right: SentinelOptions;

  before(async () => {
    certs = await makeTestCerts();
    good = clientTls(certs);
    right = {
      tls: good,
      sentinelTLS: good,
      username: USER,
      password: PASSWORD,
      sentinelUsername: SENTINEL_USER,
      sentinelPassword: SENTINEL_PASSWORD,
    };
  });
  const fixture = topologyFixture(
    () => ({
      tls: {
        certFile: certs.server.certFile,
        keyFile: certs.server.keyFile,
        caFile: certs.ca.certFile,
        authClients: true,
      },
      username: USER,
      password: PASSWORD,
      sentinelUsername: SENTINEL_USER,
      sentinelPassword: SENTINEL_PASSWORD,
    }),
    { restore: false },
  );
  after(async () => {
    await certs?.remove();
  });

  /** How the test's own checks reach the nodes. */
  function access(): Pick<ScenarioSpec, 'nodeOptions' | 'sentinelNodeOptions'> {
    return {
      nodeOptions: { tls: good, username: USER, password: PASSWORD },
      sentinelNodeOptions: { tls: good, username: SENTINEL_USER, password: SENTINEL_PASSWORD },
    };
  }

  /**
   * A scenario whose client gets `wrong` on top of the right options: every lane must fail with
   * `expected`, whose message (with its causes) matches `says` and holds no password.
   */
  async function refused(
    name: string,
    wrong: SentinelOptions,
    expected: string,
    says: RegExp,
  ): Promise<void> {
    let texts: string[] = [];
    const wrongSecrets = [wrong.password, wrong.sentinelPassword].filter((p) => p !== undefined);
    await runScenario(FILE, fixture.topology, {
      name,
      ...access(),
      secrets: [PASSWORD, SENTINEL_PASSWORD, ...wrongSecrets],
      options: { ...right, ...wrong, failoverTimeout: SHORT_FAILOVER_TIMEOUT },
      expectRecovery: false,
      expectedErrors: [expected],
      expectedEventErrors: ['MasterNotFoundError'],
      async inject({ waitForErrors, load }) {
        await waitForErrors(1);
        assert.equal(load.succeeded, 0, 'an operation succeeded with a wrong setting');
        texts = [...load.samples.values()].map((s) => fullText(s.error));
      },
    });
    for (const text of texts) assert.match(text, says);
  }

  it('TLS and ACL users, right certificates and credentials: a graceful failover fails nothing', async () => {
    await runScenario(FILE, fixture.topology, {
      name: 'TLS + ACL users, graceful failover',
      ...access(),
      secrets: [PASSWORD, SENTINEL_PASSWORD],
      options: right,
      async inject({ topology, waitForProgress }) {
        await topology.failover();
        await waitForProgress();
      },
    });
  });

  it('wrong data-node password', async () => {
    await refused(
      'wrong data-node password',
      { password: 'not-the-password' },
      'AuthenticationError',
      /username and password/,
    );
  });

  it('wrong data-node ACL user', async () => {
    await refused(
      'wrong data-node ACL user',
      { username: 'nobody' },
      'AuthenticationError',
      /username and password/,
    );
  });

  it('wrong sentinel password', async () => {
    await refused(
      'wrong sentinel password',
      { sentinelPassword: 'not-the-password' },
      'MasterNotFoundError',
      /sentinelUsername and sentinelPassword/,
    );
  });

  it('wrong sentinel ACL user', async () => {
    await refused(
      'wrong sentinel ACL user',
      { sentinelUsername: 'nobody' },
      'MasterNotFoundError',
      /sentinelUsername and sentinelPassword/,
    );
  });

  it('data-node certificate from another CA', async () => {
    const otherCa = { ...good, ca: readFileSync(certs.otherCa.certFile) };
    await refused(
      'data-node TLS, client trusts another CA',
      { tls: otherCa },
      'TlsCertificateError',
      /certificate was refused.*tls\.ca/,
    );
  });

  it('sentinel certificate from another CA', async () => {
    const otherCa = { ...good, ca: readFileSync(certs.otherCa.certFile) };
    await refused(
      'sentinel TLS, client trusts another CA',
      { sentinelTLS: otherCa },
      'MasterNotFoundError',
      /certificate was refused.*sentinelTLS\.ca/,
    );
  });
});
