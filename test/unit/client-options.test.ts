/**
 * The ioredis options of short-lived clients (pure): the testing kit's and the command line's
 * come from one builder, and each keeps its TLS, credentials and timeouts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisOptions } from 'ioredis';
import { CLIENT_TIMEOUT_MS, clientOptions as cliOptions } from '../../src/cli/target.js';
import { clientOptions as kitOptions } from '../../src/testing/kit-client.js';

const BOUNDED = {
  protocol: 2,
  lazyConnect: true,
  enableReadyCheck: false,
  disableClientInfo: true,
  maxRetriesPerRequest: 0,
  disconnectTimeout: 100,
};

/** The options without the retryStrategy function, which is compared by calling it. */
function plain(options: RedisOptions): Omit<RedisOptions, 'retryStrategy'> {
  const { retryStrategy: _, ...rest } = options;
  return rest;
}

describe('client options', () => {
  it('the CLI: the target timeout, credentials given, no TLS, one attempt', () => {
    const target = { tls: false, timeoutMs: CLIENT_TIMEOUT_MS };
    const options = cliOptions(target, { host: '::1', port: 26379 }, { username: 'u', password: 'p' });
    assert.deepEqual(plain(options), {
      ...BOUNDED,
      host: '::1',
      port: 26379,
      username: 'u',
      password: 'p',
      connectTimeout: 2000,
      commandTimeout: 2000,
    });
    assert.equal(options.retryStrategy?.(1), null);
  });

  it('the CLI: --tls is TLS with the system CAs; absent credentials send no AUTH', () => {
    const target = { tls: true, timeoutMs: 500 };
    const options = cliOptions(
      target,
      { host: 'h', port: 1 },
      { username: undefined, password: undefined },
      { retryStrategy: () => 7 },
    );
    assert.deepEqual(plain(options), {
      ...BOUNDED,
      host: 'h',
      port: 1,
      tls: {},
      connectTimeout: 500,
      commandTimeout: 500,
    });
    assert.equal('username' in options || 'password' in options, false);
    assert.equal(options.retryStrategy?.(1), 7);
  });

  it('the kit: 127.0.0.1, 1 s timeouts, its TLS options, named in CLIENT LIST', () => {
    const tls = { ca: 'pem' };
    const options = kitOptions(7000, { password: 'p', tls });
    assert.deepEqual(plain(options), {
      ...BOUNDED,
      host: '127.0.0.1',
      port: 7000,
      password: 'p',
      tls,
      connectionName: 'local-topology',
      connectTimeout: 1000,
      commandTimeout: 1000,
    });
    assert.equal(options.retryStrategy?.(1), null);
    assert.equal(kitOptions(7000, {}, { connectionName: 'other' }).connectionName, 'other');
  });
});
