import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError } from 'ioredis';
import {
  classifyAttempt,
  classifyConnectFailure,
  classifyRound,
  failureShape,
  notAllowedOutcome,
  refusalError,
  unknownMasterOutcome,
} from '../../src/failure-classification.js';
import {
  AuthenticationError,
  DatabaseIndexError,
  MasterNotFoundError,
  TlsCertificateError,
  TlsMismatchError,
} from '../../src/index.js';

const UNKNOWN = unknownMasterOutcome('mymaster');
const NOT_ALLOWED = notAllowedOutcome('127.0.0.1:7001');
const context = { masterName: 'mymaster', label: 'masterFor("mymaster")', address: '127.0.0.1:7001' };

function round(...outcomes: string[]) {
  return outcomes.map((outcome, i) => ({ sentinel: `127.0.0.1:2638${i}`, outcome }));
}

describe('classifyAttempt', () => {
  it('tells what no waiting fixes', () => {
    assert.equal(classifyAttempt(UNKNOWN), 'unknown-master');
    assert.equal(classifyAttempt(NOT_ALLOWED), 'address-not-allowed');
    assert.equal(
      classifyAttempt(
        'unreachable (WRONGPASS invalid username-password pair or user is disabled. Check sentinelUsername and sentinelPassword)',
      ),
      'credentials',
    );
    assert.equal(
      classifyAttempt("NOPERM User watcher has no permissions to run the 'sentinel|master' command"),
      'credentials',
    );
    assert.equal(
      classifyAttempt(
        "unreachable (TLS: the server's certificate was refused: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN); check sentinelTLS.ca)",
      ),
      'certificate',
    );
  });

  it('tells a sentinel that said nothing from one whose answer may change', () => {
    assert.equal(classifyAttempt('unreachable (connect ECONNREFUSED 127.0.0.1:26379)'), 'no-answer');
    assert.equal(classifyAttempt('unreachable (no connection within 1500 ms)'), 'no-answer');
    assert.equal(classifyAttempt('Command timed out'), 'no-answer');
    assert.equal(classifyAttempt('closed'), 'no-answer');
    assert.equal(classifyAttempt('reports 127.0.0.1:7001 as down (master,s_down,o_down)'), 'transient');
    assert.equal(classifyAttempt('sees 0 other sentinels, fewer than minOtherSentinels'), 'transient');
    assert.equal(classifyAttempt('something nobody foresaw'), 'transient', 'unknown means: keep waiting');
  });
});

describe('classifyRound', () => {
  it('is definitive when every sentinel that answered gave a definitive reason', () => {
    assert.equal(classifyRound(round(UNKNOWN, UNKNOWN, UNKNOWN)), 'unknown-master');
    assert.equal(classifyRound(round('unreachable (connect ECONNREFUSED)', UNKNOWN)), 'unknown-master');
    assert.equal(classifyRound(round(NOT_ALLOWED, NOT_ALLOWED)), 'address-not-allowed');
    assert.equal(classifyRound(round(NOT_ALLOWED, UNKNOWN)), 'address-not-allowed', 'the first reason');
  });

  it('is transient when none answered, or one answered with a reason that may pass', () => {
    assert.equal(classifyRound([]), 'transient');
    assert.equal(
      classifyRound(round('unreachable (connect ECONNREFUSED)', 'Command timed out')),
      'transient',
    );
    assert.equal(
      classifyRound(round(UNKNOWN, 'reports 127.0.0.1:7001 as down (master,s_down)')),
      'transient',
    );
  });
});

describe('classifyConnectFailure', () => {
  it('classifies a discovery that found no master by its attempts', () => {
    assert.equal(
      classifyConnectFailure(new MasterNotFoundError('m', round(UNKNOWN, UNKNOWN))),
      'unknown-master',
    );
    const mixed = new MasterNotFoundError('m', round(UNKNOWN, 'reports 127.0.0.1:7001 as down (s_down)'));
    assert.equal(classifyConnectFailure(mixed), 'transient', 'not by its message, which holds every outcome');
  });

  it('classifies a refused handshake or verification, described or raw, through causes', () => {
    const wrongpass = new ReplyError('WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(classifyConnectFailure(wrongpass), 'credentials');
    assert.equal(
      classifyConnectFailure(
        new Error(`${wrongpass.message} Check username and password`, { cause: wrongpass }),
      ),
      'credentials',
    );
    assert.equal(classifyConnectFailure(new ReplyError('NOAUTH Authentication required.')), 'credentials');
    assert.equal(
      classifyConnectFailure(new ReplyError("NOPERM User app has no permissions to run the 'role' command")),
      'credentials',
    );
    assert.equal(
      classifyConnectFailure(
        new Error("TLS: the server's certificate was refused: x (CERT_HAS_EXPIRED); check tls.ca"),
      ),
      'certificate',
    );
    assert.equal(
      classifyConnectFailure(
        new Error(
          'write ECONNRESET right after the TLS handshake; check tls: the server may require a client certificate',
        ),
      ),
      'certificate',
      "TLS 1.3: the server's refusal of our certificate, as a reset",
    );
  });

  it('tells a TLS disagreement and a missing database, naming the option', () => {
    const plainToTls = new Error('read ECONNRESET before any reply; if the server only accepts TLS, set tls');
    assert.equal(classifyConnectFailure(plainToTls), 'transient', 'once: a server may have died mid-connect');
    assert.equal(classifyConnectFailure(plainToTls, { isRepeated: true }), 'tls-mismatch');
    // Which side notices the reset first is a race: EPIPE then ECONNRESET is a repeat too.
    const epipe = 'write EPIPE before any reply; if the server only accepts TLS, set tls';
    assert.equal(failureShape(epipe), failureShape(plainToTls.message));
    assert.notEqual(failureShape('read ECONNRESET'), failureShape(plainToTls.message));
    assert.equal(
      classifyConnectFailure(
        new Error(
          'TLS handshake failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER); if this port does not speak TLS, unset tls',
        ),
      ),
      'tls-mismatch',
      'certain at once: the server answered with something that is no TLS',
    );
    assert.equal(classifyConnectFailure(new ReplyError('ERR DB index is out of range')), 'database');
    assert.equal(classifyConnectFailure(new ReplyError('ERR invalid DB index')), 'database');
    assert.equal(
      classifyAttempt(
        'unreachable (read ECONNRESET before any reply; if the server only accepts TLS, set sentinelTLS)',
      ),
      'tls-mismatch',
      'a sentinel round is already several attempts',
    );

    const mismatch = refusalError(plainToTls, context, { isRepeated: true });
    assert.ok(mismatch instanceof TlsMismatchError);
    assert.equal(mismatch.code, 'ERR_TLS_MISMATCH');
    assert.match(mismatch.message, /disagree on TLS.*set tls/);
    const database = refusalError(new ReplyError('ERR DB index is out of range'), context);
    assert.ok(database instanceof DatabaseIndexError);
    assert.equal(database.code, 'ERR_DATABASE_INDEX');
    assert.equal(database.address, '127.0.0.1:7001');
    assert.match(database.message, /check the option db/);
  });

  it('waits out what heals', () => {
    for (const message of [
      'connect ECONNREFUSED 127.0.0.1:7001',
      'LOADING Redis is loading the dataset in memory',
      'Command timed out',
      'read ECONNRESET before any reply; if the server only accepts TLS, set tls',
    ]) {
      assert.equal(classifyConnectFailure(new Error(message)), 'transient', message);
    }
    assert.equal(
      classifyConnectFailure(new MasterNotFoundError('m', round('unreachable (timeout)'))),
      'transient',
    );
  });
});

describe('refusalError', () => {
  it('gives a discovery MasterNotFoundError as it is', () => {
    const notFound = new MasterNotFoundError('mymaster', round(UNKNOWN));
    assert.equal(refusalError(notFound, context), notFound);
  });

  it('types a refusal and names the option to check', () => {
    const error = refusalError(
      new ReplyError("NOPERM User app has no permissions to run the 'role' command"),
      context,
    );
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.code, 'ERR_AUTHENTICATION');
    assert.equal(error.address, '127.0.0.1:7001');
    assert.match(
      error.message,
      /^masterFor\("mymaster"\): 127\.0\.0\.1:7001 refused the credentials: NOPERM/,
    );
    assert.match(error.message, /check the options username and password/);
    const described = refusalError(new Error('WRONGPASS invalid pair. Check username and password'), context);
    assert.ok(described instanceof AuthenticationError);
    assert.doesNotMatch(described.message, /check the options/, 'said once');
    const tls = refusalError(
      new Error("TLS: the server's certificate was refused: x; check tls.ca"),
      context,
    );
    assert.ok(tls instanceof TlsCertificateError);
    assert.equal(tls.code, 'ERR_TLS_CERTIFICATE');
    assert.match(tls.message, /check tls\.ca/);
  });

  it('gives nothing for what heals', () => {
    assert.equal(refusalError(new Error('connect ECONNREFUSED 127.0.0.1:7001'), context), undefined);
  });
});
