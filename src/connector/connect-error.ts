/**
 * Says why a connection to a server failed in words that name what to fix: a refused server
 * certificate, a client certificate the server refused, plain TCP to a TLS-only port (and the
 * reverse), a refused password. Node and OpenSSL report these as `self-signed certificate in
 * certificate chain`, `…:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:…` or a
 * bare `read ECONNRESET`, none of which names the option to change. Pure.
 */

/** Which connection failed: it decides which options the advice names. */
export type ConnectTarget = 'data' | 'sentinel';

/** What is known about the failed connection. */
export interface ConnectErrorContext {
  target: ConnectTarget;
  /** Whether the connection used TLS. */
  isTls: boolean;
  /**
   * Whether the error came before the server answered anything on this connection (before
   * ioredis was ready), when known.
   */
  isBeforeReply?: boolean | undefined;
}

/** Certificate verification failures of Node's TLS client (X509_V_ERR_* without the prefix). */
const SERVER_CERT_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS alerts by which a server refuses the client's certificate (or its absence). */
const CLIENT_CERT_ALERT =
  /alert (certificate required|bad certificate|unknown ca|certificate unknown|unsupported certificate|certificate revoked|certificate expired|access denied|handshake failure)/i;

/** OpenSSL's verdicts when the other end does not speak TLS. */
const NOT_TLS_CODES: ReadonlySet<string> = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_HTTP_REQUEST',
]);

const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

function optionNames(target: ConnectTarget): { tls: string; username: string; password: string } {
  return target === 'sentinel'
    ? { tls: 'sentinelTLS', username: 'sentinelUsername', password: 'sentinelPassword' }
    : { tls: 'tls', username: 'username', password: 'password' };
}

function stringField(error: unknown, field: 'code' | 'reason' | 'message'): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const value = (error as Record<string, unknown>)[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The first line of a message, without OpenSSL's `<hex>:error:<hex>:SSL routines:…` noise. */
function plainMessage(error: unknown): string {
  const reason = stringField(error, 'reason');
  if (reason !== undefined) return reason;
  const message = stringField(error, 'message') ?? String(error);
  return message.split('\n', 1)[0]?.trim() ?? message;
}

/**
 * One line saying why a connection failed and, where the cause is a setting, which option to
 * check. Never contains a credential: it is built from the error's code and message only, and
 * servers never echo a password back.
 *
 * @example
 * ```ts
 * describeConnectError(socketError, { target: 'sentinel', isTls: true });
 * // "TLS: the server's certificate was refused: self-signed certificate in certificate chain
 * //  (SELF_SIGNED_CERT_IN_CHAIN); check sentinelTLS.ca"
 * ```
 */
export function describeConnectError(error: unknown, context: ConnectErrorContext): string {
  const options = optionNames(context.target);
  const code = stringField(error, 'code');
  const message = plainMessage(error);
  const withCode = code === undefined || message.includes(code) ? message : `${message} (${code})`;
  if (code !== undefined && SERVER_CERT_CODES.has(code)) {
    return `TLS: the server's certificate was refused: ${withCode}; check ${options.tls}.ca`;
  }
  if (context.isTls && code !== undefined && NOT_TLS_CODES.has(code)) {
    return `TLS handshake failed: ${withCode}; if this port does not speak TLS, unset ${options.tls}`;
  }
  const clientCertHint = `check ${options.tls}: the server may require a client certificate (cert and key) from a CA it trusts`;
  if (context.isTls && CLIENT_CERT_ALERT.test(message)) {
    return `TLS: the server refused the handshake: ${withCode}; ${clientCertHint}`;
  }
  if (context.isTls && code?.startsWith('ERR_SSL_')) return `TLS handshake failed: ${withCode}`;
  if (code !== undefined && RESET_CODES.has(code) && context.isBeforeReply === true) {
    // With TLS 1.3 the client's handshake ends before the server checks the client's
    // certificate: a refusal can reach us as a reset of the first write instead of an alert.
    return context.isTls
      ? `${withCode} right after the TLS handshake; ${clientCertHint}`
      : `${withCode} before any reply; if the server only accepts TLS, set ${options.tls}`;
  }
  if (/^WRONGPASS\b/.test(message)) return `${message} Check ${options.username} and ${options.password}`;
  if (/^NOAUTH\b/.test(message)) return `${message} Set ${options.password}`;
  return withCode;
}
