import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAddress, parseAddress, parseSentinelAddresses } from '../../src/address.js';
import { SentinelConfigError } from '../../src/errors.js';

describe('parseSentinelAddresses', () => {
  it('accepts the comma-separated form with spaces', () => {
    assert.deepEqual(parseSentinelAddresses('172.16.0.120:26379, 172.16.0.119:26380 ,sentinel-3'), [
      { host: '172.16.0.120', port: 26379 },
      { host: '172.16.0.119', port: 26380 },
      { host: 'sentinel-3', port: 26379 },
    ]);
  });

  it('accepts arrays of strings and objects, and drops duplicates keeping the first', () => {
    assert.deepEqual(parseSentinelAddresses(['127.0.0.1:1', { host: '127.0.0.1', port: 2 }, '127.0.0.1:1']), [
      { host: '127.0.0.1', port: 1 },
      { host: '127.0.0.1', port: 2 },
    ]);
    assert.deepEqual(parseSentinelAddresses([{ host: 'h' }]), [{ host: 'h', port: 26379 }]);
  });

  it('reads IPv6 in brackets, with and without a port', () => {
    assert.deepEqual(parseAddress('[::1]:26380'), { host: '::1', port: 26380 });
    assert.deepEqual(parseAddress('[fe80::1%eth0]'), { host: 'fe80::1%eth0', port: 26379 });
    assert.equal(formatAddress({ host: '::1', port: 5 }), '[::1]:5');
  });

  const bad: Array<[unknown, RegExp]> = [
    ['', /empty/],
    [[], /empty/],
    [' , ', /empty/],
    ['host:0', /port must be an integer from 1 to 65535/],
    ['host:70000', /port must be/],
    ['host:12ab', /"12ab" is not a number/],
    ['::1:26379', /IPv6 address in brackets/],
    ['[::1', /missing "]"/],
    ['[::1]x', /expected ":port"/],
    ['ho st:1', /not a host name/],
    [42, /must be a "host:port,host:port" string/],
    [null, /got null/],
    [[{ host: 1, port: 2 }], /sentinels\[0\]: host must be a non-empty string/],
    [[{ host: 'h', port: '1' }], /sentinels\[0\]: port must be an integer/],
    [[7], /sentinels\[0\] must be "host:port"/],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)} with a SentinelConfigError`, () => {
      assert.throws(
        () => parseSentinelAddresses(input),
        (error: unknown) =>
          error instanceof SentinelConfigError &&
          error.name === 'SentinelConfigError' &&
          error.code === 'ERR_SENTINEL_CONFIG' &&
          message.test(error.message),
      );
    });
  }
});
