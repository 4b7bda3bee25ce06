import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkManagedOptions } from '../../src/client/managed-options.js';
import { isSameScript } from '../../src/commands/script-definition.js';
import { SentinelConfigError } from '../../src/errors.js';

describe('managed client options', () => {
  it('defaults to the master role with no ioredis options of its own', () => {
    assert.deepEqual(checkManagedOptions(undefined), { role: 'master', clientOptions: {} });
    assert.deepEqual(checkManagedOptions({ role: 'replica' }), { role: 'replica', clientOptions: {} });
  });

  it('passes per-client ioredis options through, and drops those set to undefined', () => {
    const perClient = {
      maxRetriesPerRequest: null,
      keyPrefix: 'app:',
      connectionName: 'worker',
      enableOfflineQueue: false,
      commandTimeout: 250,
      monitor: true,
    };
    const { clientOptions } = checkManagedOptions({ ...perClient, lazyConnect: undefined });
    assert.deepEqual(clientOptions, perClient);
  });

  for (const option of [
    'host',
    'port',
    'sentinels',
    'name',
    'Connector',
    'tls',
    'password',
    'retryStrategy',
  ]) {
    it(`refuses ${option}, naming it`, () => {
      assert.throws(
        () => checkManagedOptions({ [option]: 'x' }),
        (error: unknown) =>
          error instanceof SentinelConfigError &&
          new RegExp(`option ${option} belongs to the Sentinel`).test(error.message),
      );
    });
  }

  it('refuses a role other than master or replica, and options that are not an object', () => {
    assert.throws(() => checkManagedOptions({ role: 'slave' }), /role must be "master" or "replica"/);
    assert.throws(() => checkManagedOptions('fast'), /options must be an object/);
  });
});

describe('isSameScript', () => {
  const lua = 'return 1';
  it('compares the script, its key count and readOnly', () => {
    assert.equal(isSameScript({ lua, numberOfKeys: 1 }, { lua, numberOfKeys: 1, readOnly: false }), true);
    assert.equal(isSameScript({ lua, numberOfKeys: 1 }, { lua, numberOfKeys: 2 }), false);
    assert.equal(isSameScript({ lua }, { lua: 'return 2' }), false);
    assert.equal(isSameScript({ lua }, { lua, readOnly: true }), false);
  });
});
