/**
 * Why a named sentinel could not tell about a master group (pure): each failure gets its own
 * diagnosis and hint, from the errors ioredis really gives (copied from runs against a closed
 * port, a socket that never answers, a data node, an HTTP server, a wrong password, TLS).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Diagnosis, diagnoseSentinel, type ErrorFacts } from '../../src/cli/sentinel-diagnosis.js';

function diagnose(error: ErrorFacts, options: { isTls?: boolean; known?: string[] } = {}): Diagnosis {
  return diagnoseSentinel(
    { error, isTls: options.isTls ?? false, timeoutMs: 2000 },
    'mymaster',
    options.known ?? [],
  );
}

describe('sentinel diagnosis', () => {
  it('unreachable: nothing listens, no such host, no connection in time', () => {
    const refused = diagnose({ message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' });
    assert.equal(refused.problem, 'unreachable');
    assert.match(refused.message, /^is unreachable: nothing listens there \(ECONNREFUSED\)$/);
    assert.match(refused.hint, /check --sentinels/);
    assert.match(
      diagnose({ message: 'getaddrinfo ENOTFOUND nohost', code: 'ENOTFOUND' }).message,
      /no such host/,
    );
    const timeout = diagnose({ message: 'connect ETIMEDOUT', code: 'ETIMEDOUT' });
    assert.equal(timeout.problem, 'unreachable');
    assert.match(timeout.message, /no connection within 2000 ms/);
  });

  it('not answering: the connection was accepted, the command timed out', () => {
    const d = diagnose({ name: 'Error', message: 'Command timed out' });
    assert.equal(d.problem, 'not-answering');
    assert.equal(d.label, 'no answer');
    assert.match(d.message, /accepted the connection but did not answer within 2000 ms/);
    assert.match(d.hint, /--timeout/);
    assert.doesNotMatch(`${d.message} ${d.hint}`, /--name/);
  });

  it('not a sentinel: a data node has no SENTINEL command', () => {
    const d = diagnose({
      name: 'ReplyError',
      message: "ERR unknown command 'SENTINEL', with args beginning with: 'MASTER' 'mymaster' ",
    });
    assert.equal(d.problem, 'not-a-sentinel');
    assert.match(d.message, /not a sentinel/);
    assert.match(d.hint, /26379/);
  });

  it('not RESP: an HTTP server, by the first byte of its reply', () => {
    const d = diagnose({ name: 'Error', message: 'Unknown RESP type 72 "H". Please report this.' });
    assert.equal(d.problem, 'not-resp');
    assert.match(d.message, /not in the Redis protocol \(first byte "H"\): an HTTP server/);
    assert.doesNotMatch(d.message, /Please report this/);
    const older = diagnose({ name: 'ParserError', message: 'Protocol error, got "x" as reply type byte' });
    assert.equal(older.problem, 'not-resp');
    assert.match(older.message, /first byte "x"/);
  });

  it('a TLS record in reply to plain RESP means a TLS port', () => {
    const d = diagnose({ message: 'Unknown RESP type 21 "\u0015". Please report this.' });
    assert.equal(d.problem, 'tls');
    assert.equal(d.hint, 'add --tls');
  });

  it('auth refused: missing or wrong credentials, or a password the sentinel does not have', () => {
    for (const message of [
      'NOAUTH Authentication required.',
      'WRONGPASS invalid username-password pair or user is disabled.',
      'ERR AUTH <password> called without any password configured for the default user.',
    ]) {
      const d = diagnose({ name: 'ReplyError', message });
      assert.equal(d.problem, 'auth-refused', message);
      assert.match(d.hint, /--sentinel-password/);
    }
  });

  it('TLS: certificate and handshake errors, with a hint that depends on --tls', () => {
    const cert = diagnose(
      { message: 'self-signed certificate', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
      { isTls: true },
    );
    assert.equal(cert.problem, 'tls');
    assert.match(cert.hint, /NODE_EXTRA_CA_CERTS/);
    const version = diagnose({ message: 'wrong version number', code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    assert.equal(version.problem, 'tls');
    const handshake = diagnose({ message: 'connect ETIMEDOUT', code: 'ETIMEDOUT' }, { isTls: true });
    assert.match(handshake.message, /no connection and TLS handshake within 2000 ms/);
    assert.match(handshake.hint, /speaks TLS/);
  });

  it('does not monitor the name: says which it does, and suggests the closest', () => {
    const error = { name: 'ReplyError', message: 'ERR No such master with that name' };
    const d = diagnoseSentinel({ error, isTls: false, timeoutMs: 2000 }, 'mymastr', ['mymaster', 'other']);
    assert.equal(d.problem, 'unknown-master');
    assert.equal(d.message, 'does not monitor "mymastr": it monitors "mymaster", "other"');
    assert.equal(d.hint, 'check --name: did you mean "mymaster"?');
    const none = diagnoseSentinel({ error, isTls: false, timeoutMs: 2000 }, 'x', []);
    assert.match(none.message, /it monitors no master/);
    assert.equal(none.hint, 'check --name');
  });

  it('anything else: the error as it is', () => {
    const d = diagnose({ name: 'ReplyError', message: 'ERR something odd' });
    assert.equal(d.problem, 'failed');
    assert.match(d.message, /ReplyError: ERR something odd/);
  });
});
