import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SentinelConfigError } from '../../src/errors.js';
import { classifyReplyError } from '../../src/failure-classification.js';
import { normalizeOptions, normalizePoolOptions } from '../../src/option-checks.js';
import { DEFAULTS } from '../../src/options.js';
import { Sentinel } from '../../src/sentinel.js';

describe('options', () => {
  it('fills in defaults', () => {
    const o = normalizeOptions(undefined);
    assert.equal(o.socketTimeout, DEFAULTS.socketTimeout);
    assert.equal(o.connectTimeout, DEFAULTS.socketTimeout);
    assert.equal(o.updateSentinels, true);
    assert.equal(o.refreshInterval, DEFAULTS.refreshInterval);
    assert.equal(normalizeOptions({ socketTimeout: 300 }).connectTimeout, 300);
    assert.deepEqual(normalizeOptions({ sentinelTLS: true }).sentinelTLS, {});
  });

  const bad: Array<[unknown, RegExp]> = [
    ['fast', /options must be an object/],
    [{ socketTimeout: -1 }, /socketTimeout must be a positive number/],
    [{ socketTimeout: '100' }, /socketTimeout must be a positive number/],
    [{ refreshInterval: Number.NaN }, /refreshInterval/],
    [{ sentinelPassword: 12345 }, /sentinelPassword must be a string, got number/],
    [{ updateSentinels: 'yes' }, /updateSentinels must be a boolean/],
    [{ fenceReads: 1 }, /fenceReads must be a boolean/],
    [{ minOtherSentinels: 1.5 }, /minOtherSentinels must be an integer/],
    [{ allowedHosts: [1] }, /allowedHosts must be an array of host strings/],
    [{ natMap: 'x' }, /natMap must be an object or a function/],
    [{ sockettimeout: 1 }, /unknown option "sockettimeout"/],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => new Sentinel('127.0.0.1:1', input as never),
        (error: unknown) => {
          return error instanceof SentinelConfigError && message.test(error.message);
        },
      );
    });
  }

  it('accepts every allowedHosts form the README shows', () => {
    const forms = [
      '10.0.0.5',
      '10.0.0.5:6379',
      'redis-1.internal',
      'redis-1.internal:6379',
      '::1',
      '[::1]:6379',
    ];
    for (const entry of forms) {
      assert.deepEqual(normalizeOptions({ allowedHosts: [entry] }).allowedHosts, [entry], entry);
    }
  });

  it('never echoes a password in an error', () => {
    assert.throws(
      () => new Sentinel('127.0.0.1:1', { sentinelPassword: ['s3cret'] as never }),
      (error: Error) => !error.message.includes('s3cret'),
    );
  });

  it('rejects a bad master name before any I/O', async () => {
    const sentinel = new Sentinel('127.0.0.1:1');
    await assert.rejects(
      sentinel.discover('my master'),
      /master name must be a non-empty string without spaces/,
    );
    await assert.rejects(sentinel.discover(42 as never), SentinelConfigError);
    await sentinel.quit();
    await assert.rejects(sentinel.discover('mymaster'), { name: 'ClosedError', code: 'ERR_CLOSED' });
  });

  it('refuses an option of the other kind of pool, saying where it belongs', () => {
    const refused: Array<[Parameters<typeof normalizePoolOptions>[1], Record<string, unknown>, RegExp]> = [
      ['master', { balance: 'random' }, /option balance is for replicaFor\(\), not masterFor\(\)/],
      ['master', { fallbackToMaster: false }, /option fallbackToMaster is for replicaFor\(\), not masterFor/],
      [
        'replica',
        { waitForReplicas: { replicas: 1, timeoutMs: 10 } },
        /option waitForReplicas is for masterFor\(\)/,
      ],
    ];
    for (const [kind, options, message] of refused) {
      assert.throws(() => normalizePoolOptions(options, kind), SentinelConfigError);
      assert.throws(() => normalizePoolOptions(options, kind), message);
    }
    // Unset, it means the default: a shared options object may carry it.
    assert.equal(normalizePoolOptions({ balance: undefined }, 'master').poolSize, DEFAULTS.poolSize);
    assert.equal(normalizePoolOptions({ balance: 'random' }, 'replica').balance, 'random');
    assert.throws(() => normalizePoolOptions({ balanse: 'random' }, 'replica'), /did you mean "balance"/);
  });

  it('says what to pass when the sentinel list is missing', () => {
    for (const missing of [[], [undefined], [null]]) {
      assert.throws(
        () => new (Sentinel as unknown as new (...args: unknown[]) => Sentinel)(...missing),
        (error: unknown) =>
          error instanceof SentinelConfigError &&
          /new Sentinel\(sentinels, options\?\) needs the sentinels/.test(error.message) &&
          !/undefined undefined/.test(error.message),
      );
    }
  });

  it('classifies server errors', () => {
    assert.equal(
      classifyReplyError(new Error("READONLY You can't write against a read only replica.")),
      'rediscover',
    );
    assert.equal(
      classifyReplyError(new Error('LOADING Redis is loading the dataset in memory')),
      'retry-later',
    );
    assert.equal(classifyReplyError(new Error('MASTERDOWN Link with MASTER is down')), 'retry-later');
    assert.equal(classifyReplyError(new Error('WRONGTYPE Operation against a key')), 'fail');
  });
});
