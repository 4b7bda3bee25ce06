/**
 * Replication positions and session tokens (pure): the token round trip and what it refuses,
 * which servers may serve a read that must see a position, and which position is the later.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRole, type ServerRole } from '../../src/connector/role.js';
import {
  encodeToken,
  hasApplied,
  isCaughtUp,
  knownReplica,
  laterPosition,
  mayServe,
  parseToken,
  publicPosition,
  type TokenPosition,
} from '../../src/consistency/position.js';
import { InvalidTokenError } from '../../src/errors.js';

const position: TokenPosition = { master: '127.0.0.1:7001', offset: 1000 };

/** A replica's ROLE reply as Redis 7.0 sends it. */
function replicaRole(master: string, state: string, offset: number): ServerRole {
  const [host, port] = master.split(':');
  return parseRole(['slave', host, Number(port), state, offset]);
}

function isInvalidToken(error: unknown): boolean {
  return error instanceof InvalidTokenError && error.code === 'ERR_INVALID_TOKEN';
}

/** A token of this version carrying `payload` as its JSON. */
function tokenWith(payload: unknown): string {
  return `rsp1.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
}

describe('session tokens', () => {
  it('gives a position as { host, port } in public, as every other address', () => {
    const cases: Array<[string, { host: string; port: number }]> = [
      ['127.0.0.1:7001', { host: '127.0.0.1', port: 7001 }],
      ['[::1]:6380', { host: '::1', port: 6380 }],
      [
        'redis-0.redis.default.svc.cluster.local:6379',
        { host: 'redis-0.redis.default.svc.cluster.local', port: 6379 },
      ],
    ];
    for (const [master, address] of cases) {
      assert.deepEqual(publicPosition({ master, offset: 7 }), { master: address, offset: 7 });
    }
  });

  it('round-trips a position', () => {
    for (const p of [
      position,
      { master: '10.0.0.5:6379', offset: 0 },
      { master: '[::1]:6380', offset: Number.MAX_SAFE_INTEGER },
      { master: 'redis-0.redis.default.svc.cluster.local:6379', offset: 123456789 },
    ]) {
      const token = encodeToken(p);
      assert.match(token, /^rsp1\.[A-Za-z0-9_-]+$/, 'versioned, and safe in a header or URL');
      assert.deepEqual(parseToken(token), p);
    }
  });

  it('encodes "no writes yet" as rsp1.- and parses it back to undefined', () => {
    assert.equal(encodeToken(undefined), 'rsp1.-');
    assert.equal(parseToken('rsp1.-'), undefined);
  });

  const garbage: Array<[string, unknown]> = [
    ['an empty string', ''],
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['an object', { master: '127.0.0.1:7001', offset: 1 }],
    ['no payload', 'rsp1.'],
    ['no separator', 'rsp1'],
    ['random text', 'hello world'],
    ['another version', `rsp2.${encodeToken(position).slice(5)}`],
    ['an old version of the empty token', 'rsp0.-'],
    ['an upper-case version', encodeToken(position).replace('rsp1', 'RSP1')],
    ['an extra part', `${encodeToken(position)}.x`],
    ['a payload that is not base64url JSON', 'rsp1.!!!!'],
    ['base64url of non-JSON', `rsp1.${Buffer.from('not json').toString('base64url')}`],
    ['JSON null', tokenWith(null)],
    ['a JSON array', tokenWith(['127.0.0.1:7001', 1])],
    ['a negative offset', tokenWith({ m: '127.0.0.1:7001', o: -1 })],
    ['a fractional offset', tokenWith({ m: '127.0.0.1:7001', o: 1.5 })],
    ['an unsafe integer offset', tokenWith({ m: '127.0.0.1:7001', o: 2 ** 60 })],
    ['an offset as a string', tokenWith({ m: '127.0.0.1:7001', o: '1000' })],
    ['no offset', tokenWith({ m: '127.0.0.1:7001' })],
    ['no master', tokenWith({ o: 1000 })],
    ['a master without a port', tokenWith({ m: '127.0.0.1', o: 1000 })],
    ['a master with spaces', tokenWith({ m: '127.0.0.1 :7001', o: 1000 })],
    ['an oversized token', `rsp1.${'A'.repeat(600)}`],
    ['an oversized but well-formed token', tokenWith({ m: `${'h'.repeat(600)}:7001`, o: 1 })],
  ];
  for (const [what, token] of garbage) {
    it(`rejects ${what} with InvalidTokenError`, () => {
      assert.throws(() => parseToken(token), isInvalidToken);
    });
  }

  it('says what is wrong, without echoing the token', () => {
    const secretish = `rsp9.${'x'.repeat(40)}`;
    const error = (() => {
      try {
        parseToken(secretish);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof InvalidTokenError);
    assert.equal(error.name, 'InvalidTokenError');
    assert.match(error.message, /rsp1/);
    assert.ok(!error.message.includes(secretish));
  });

  it('refuses a damaged token of the right version', () => {
    const token = encodeToken(position);
    // Cut the payload short: no longer valid JSON.
    assert.throws(() => parseToken(token.slice(0, token.length - 4)), isInvalidToken);
  });
});

describe('isCaughtUp', () => {
  it('a master may always serve', () => {
    assert.equal(isCaughtUp(position, parseRole(['master', 0, []])), true);
    // Even another master (after a failover the session reads from the master it finds).
    assert.equal(isCaughtUp(position, parseRole(['master', 5, [['127.0.0.1', '7002', '5']]])), true);
  });

  it('a replica of the same master, link up, at or past the offset may serve', () => {
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'connected', 1000)), true);
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'connected', 1001)), true);
  });

  it('a replica of the same master behind the offset may not', () => {
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'connected', 999)), false);
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'connected', 0)), false);
  });

  it('a replica of another master may not, whatever its offset', () => {
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7002', 'connected', 5000)), false);
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.2:7001', 'connected', 5000)), false);
  });

  it('a detached replica may not (offset -1, or a link state other than connected)', () => {
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'connect', -1)), false);
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'connecting', -1)), false);
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'sync', -1)), false);
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'handshake', 5000)), false);
    // Link down but the last applied offset still reported: not connected, so no.
    assert.equal(isCaughtUp(position, replicaRole('127.0.0.1:7001', 'connect', 5000)), false);
  });

  it('a position at offset 0 still needs a connected replica of that master', () => {
    const zero = { master: '127.0.0.1:7001', offset: 0 };
    assert.equal(isCaughtUp(zero, replicaRole('127.0.0.1:7001', 'connected', 0)), true);
    assert.equal(isCaughtUp(zero, replicaRole('127.0.0.1:7001', 'connect', -1)), false);
  });

  it('a sentinel or an unknown reply may not', () => {
    assert.equal(isCaughtUp(position, parseRole(['sentinel', ['mymaster']])), false);
    assert.equal(isCaughtUp(position, parseRole('garbage')), false);
    assert.equal(isCaughtUp(position, parseRole([])), false);
  });

  it('parses RESP3-style replies (numbers as numbers, strings as strings) the same way', () => {
    assert.equal(isCaughtUp(position, parseRole(['slave', '127.0.0.1', '7001', 'connected', '1000'])), true);
    assert.equal(isCaughtUp(position, parseRole(['slave', '127.0.0.1', 7001, 'connected', 999])), false);
  });
});

describe('laterPosition', () => {
  it('takes the next position when there is none yet', () => {
    assert.deepEqual(laterPosition(undefined, position), position);
  });

  it('keeps the larger offset on the same master', () => {
    const ahead = { master: position.master, offset: 2000 };
    assert.deepEqual(laterPosition(position, ahead), ahead);
    assert.deepEqual(laterPosition(ahead, position), ahead, 'an answer that arrived late does not go back');
    assert.deepEqual(laterPosition(position, { ...position }), position);
  });

  it('takes the newer master after a failover, even at a smaller offset', () => {
    const afterFailover = { master: '127.0.0.1:7002', offset: 10 };
    assert.deepEqual(laterPosition(position, afterFailover), afterFailover);
  });

  it('does not alias its arguments', () => {
    const current = { master: position.master, offset: 5 };
    const result = laterPosition(current, { master: position.master, offset: 6 });
    assert.equal(result.offset, 6);
    assert.equal(current.offset, 5);
  });
});

describe('mayServe', () => {
  it('lets the master serve a session read only with fallbackToMaster', () => {
    assert.equal(mayServe('replica', false), true);
    assert.equal(mayServe('replica', true), true);
    assert.equal(mayServe('master', true), true);
    assert.equal(mayServe('master', false), false);
  });
});

describe('knownReplica and hasApplied (the check on every session read)', () => {
  const same = (host: string, port: number) => `${host}:${port}`;

  it('agree with isCaughtUp on every replica role', () => {
    const roles = [
      replicaRole('127.0.0.1:7001', 'connected', 1000),
      replicaRole('127.0.0.1:7001', 'connected', 1001),
      replicaRole('127.0.0.1:7001', 'connected', 999),
      replicaRole('127.0.0.1:7002', 'connected', 5000),
      replicaRole('127.0.0.1:7001', 'connect', 5000),
      replicaRole('127.0.0.1:7001', 'sync', -1),
    ];
    for (const role of roles) {
      const known = knownReplica(role, same);
      assert.ok(known);
      assert.equal(hasApplied(position, known), isCaughtUp(position, role), JSON.stringify(role));
    }
  });

  it('remember the master as the client reaches it (natMap applied once, not per read)', () => {
    const translated = knownReplica(replicaRole('10.0.0.1:6379', 'connected', 2000), (host, port) =>
      host === '10.0.0.1' ? `127.0.0.1:${port + 1000}` : `${host}:${port}`,
    );
    assert.deepEqual(translated, { master: '127.0.0.1:7379', offset: 2000, isLinkUp: true });
    assert.equal(hasApplied({ master: '127.0.0.1:7379', offset: 1500 }, translated!), true);
  });

  it('remember nothing of a master', () => {
    assert.equal(knownReplica(parseRole(['master', 0, []]), same), undefined);
  });
});
