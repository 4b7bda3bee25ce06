import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnectError } from '../../src/connector/connect-error.js';

/** An error shaped like Node's socket and TLS errors. */
function failure(message: string, fields: { code?: string; reason?: string } = {}): Error {
  return Object.assign(new Error(message), fields);
}

const OPENSSL_ALERT =
  '80DC628F7C7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:' +
  '../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n';

describe('describeConnectError', () => {
  it('names the CA option when the server certificate is refused', () => {
    const error = failure('self-signed certificate in certificate chain', {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    assert.equal(
      describeConnectError(error, { target: 'sentinel', isTls: true }),
      "TLS: the server's certificate was refused: self-signed certificate in certificate chain " +
        '(SELF_SIGNED_CERT_IN_CHAIN); check sentinelTLS.ca',
    );
    const altname = failure("Hostname/IP does not match certificate's altnames", {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    assert.match(describeConnectError(altname, { target: 'data', isTls: true }), /altnames.*check tls\.ca$/);
  });

  it("turns OpenSSL's alert into its reason and points at the client certificate", () => {
    const error = failure(OPENSSL_ALERT, {
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      reason: 'tlsv13 alert certificate required',
    });
    const text = describeConnectError(error, { target: 'data', isTls: true });
    assert.equal(
      text,
      'TLS: the server refused the handshake: tlsv13 alert certificate required ' +
        '(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED); check tls: the server may require a client ' +
        'certificate (cert and key) from a CA it trusts',
    );
  });

  it('suspects a missing client certificate when TLS is reset before any reply', () => {
    const reset = failure('write ECONNRESET', { code: 'ECONNRESET' });
    assert.match(
      describeConnectError(reset, { target: 'sentinel', isTls: true, isBeforeReply: true }),
      /^write ECONNRESET right after the TLS handshake; check sentinelTLS: .*client certificate/,
    );
  });

  it('suggests TLS when plain TCP is reset before any reply, and only then', () => {
    const reset = failure('read ECONNRESET', { code: 'ECONNRESET' });
    assert.equal(
      describeConnectError(reset, { target: 'sentinel', isTls: false, isBeforeReply: true }),
      'read ECONNRESET before any reply; if the server only accepts TLS, set sentinelTLS',
    );
    assert.equal(
      describeConnectError(reset, { target: 'data', isTls: false, isBeforeReply: false }),
      'read ECONNRESET',
    );
  });

  it('suggests unsetting TLS when the other end does not speak it', () => {
    const error = failure('wrong version number', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    assert.match(describeConnectError(error, { target: 'data', isTls: true }), /unset tls$/);
  });

  it('names the credential options on WRONGPASS and NOAUTH, without any credential', () => {
    const wrong = failure('WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(
      describeConnectError(wrong, { target: 'data', isTls: false }),
      'WRONGPASS invalid username-password pair or user is disabled. Check username and password',
    );
    assert.equal(
      describeConnectError(failure('NOAUTH Authentication required.'), { target: 'sentinel', isTls: false }),
      'NOAUTH Authentication required. Set sentinelPassword',
    );
  });

  it('leaves other errors as they are, with their code', () => {
    const refused = failure('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    assert.equal(describeConnectError(refused, { target: 'data', isTls: false }), refused.message);
    assert.equal(describeConnectError('boom', { target: 'data', isTls: false }), 'boom');
  });
});
