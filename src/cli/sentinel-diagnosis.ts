/**
 * Why a sentinel named in --sentinels could not tell us about a master group (pure): from the
 * error of our first question, one diagnosis with its own words and hint. A socket that accepts
 * and never answers, a data node, an HTTP server, a TLS port, a refused password and a wrong
 * `--name` are different mistakes; lumping them together sends the user to the wrong option.
 */
import { closestName } from '../did-you-mean.js';

/** What went wrong with one sentinel; a stable code for scripts (`sentinel-<problem>`). */
export type SentinelProblem =
  | 'unreachable'
  | 'not-answering'
  | 'not-a-sentinel'
  | 'not-resp'
  | 'auth-refused'
  | 'tls'
  | 'unknown-master'
  | 'failed';

/** One diagnosis. */
export interface Diagnosis {
  readonly problem: SentinelProblem;
  /** Two or three words for a table cell: `unreachable`, `not a sentinel`, … */
  readonly label: string;
  /** What happened, to follow `sentinel <address> `: `is unreachable: nothing listens there (ECONNREFUSED)`. */
  readonly message: string;
  /** What to check: `check --sentinels: …`. */
  readonly hint: string;
}

/** An error as the diagnosis needs it (an `Error`, or its fields in a test). */
export interface ErrorFacts {
  readonly name?: string | undefined;
  readonly message: string;
  readonly code?: string | undefined;
}

/** What we know about one failed attempt to ask a sentinel. */
export interface FailureFacts {
  readonly error: ErrorFacts;
  /** Whether we spoke TLS (`--tls`). */
  readonly isTls: boolean;
  /** The connect and command timeout in force, ms. */
  readonly timeoutMs: number;
}

const AUTH = /^(NOAUTH|WRONGPASS|NOPERM)\b|^ERR AUTH\b|without any password configured/i;
const UNKNOWN_MASTER = /No such master with that name/i;
const NOT_A_SENTINEL = /^ERR unknown command ['`]?sentinel['`]?/i;
const TIMED_OUT = /Command timed out/i;
/** ioredis's parser, old and new wording: `Protocol error, got "H" as reply type byte`, `Unknown RESP type 72 "H"`. */
const NOT_RESP = /Unknown RESP type|Protocol error|reply type byte/i;
const TLS_CODES = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
  ETIMEDOUT: 'no TCP connection within the timeout',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'it closed the connection',
};

const CHECK_SENTINELS = 'check --sentinels: sentinels listen on their own port, 26379 by default';

function isTlsError(error: ErrorFacts): boolean {
  const code = error.code ?? '';
  return (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    /before secure TLS connection|SSL routines|certificate/i.test(error.message)
  );
}

/** The first byte the parser choked on, from either wording, if the message says it. */
function unexpectedByte(message: string): string | undefined {
  const code = /type (\d+)/.exec(message)?.[1];
  if (code !== undefined) return String.fromCharCode(Number(code));
  return /got "(.)"/.exec(message)?.[1];
}

function notResp(error: ErrorFacts, isTls: boolean): Diagnosis {
  const byte = unexpectedByte(error.message);
  // A TLS alert or handshake record (0x15, 0x16) in reply to plain RESP: a TLS port.
  if (!isTls && (byte === '\u0015' || byte === '\u0016')) {
    return {
      problem: 'tls',
      label: 'speaks TLS',
      message: 'answered with TLS, not plain RESP',
      hint: 'add --tls',
    };
  }
  const shown = byte === undefined ? '' : ` (first byte ${JSON.stringify(byte)})`;
  const what = byte === 'H' ? 'an HTTP server, by its reply' : 'not a Redis server';
  return {
    problem: 'not-resp',
    label: 'not RESP',
    message: `answered, but not in the Redis protocol${shown}: ${what}`,
    hint: CHECK_SENTINELS,
  };
}

function unreachable(error: ErrorFacts, isTls: boolean, timeoutMs: number): Diagnosis | undefined {
  const code = error.code ?? /\b(E[A-Z_]+)\b/.exec(error.message)?.[1];
  const why = code === undefined ? undefined : UNREACHABLE[code];
  if (why === undefined) return undefined;
  const isTimeout = code === 'ETIMEDOUT';
  const detail = isTimeout ? `no connection${isTls ? ' and TLS handshake' : ''} within ${timeoutMs} ms` : why;
  return {
    problem: 'unreachable',
    label: 'unreachable',
    message: `is unreachable: ${detail} (${code})`,
    hint:
      isTimeout && isTls
        ? 'check --sentinels, and that the port speaks TLS (a plain port never answers a TLS handshake)'
        : 'check --sentinels (host and port), and that the sentinel runs',
  };
}

/** The diagnosis of one failure; `knownMasters` are the names the sentinel does monitor. */
export function diagnoseSentinel(
  facts: FailureFacts,
  name: string | undefined,
  knownMasters: readonly string[] = [],
): Diagnosis {
  const { error, isTls, timeoutMs } = facts;
  const message = error.message;
  if (UNKNOWN_MASTER.test(message)) return unknownMaster(name ?? '', knownMasters);
  if (AUTH.test(message)) {
    return {
      problem: 'auth-refused',
      label: 'auth refused',
      message: `refused our credentials: ${message}`,
      hint: 'check --sentinel-password and --sentinel-username (not --password: that is for the data nodes)',
    };
  }
  if (NOT_A_SENTINEL.test(message)) {
    return {
      problem: 'not-a-sentinel',
      label: 'not a sentinel',
      message: 'is a Redis server but not a sentinel (a master or replica?): it has no SENTINEL command',
      hint: CHECK_SENTINELS,
    };
  }
  if (isTlsError(error)) {
    return {
      problem: 'tls',
      label: 'TLS failed',
      message: `failed TLS: ${message}${error.code ? ` (${error.code})` : ''}`,
      hint: isTls
        ? 'is the port a TLS port, and its certificate trusted (NODE_EXTRA_CA_CERTS)?'
        : 'a TLS port? add --tls',
    };
  }
  if (NOT_RESP.test(message) || error.name === 'ParserError') return notResp(error, isTls);
  if (TIMED_OUT.test(message)) {
    return {
      problem: 'not-answering',
      label: 'no answer',
      message: `accepted the connection but did not answer within ${timeoutMs} ms`,
      hint: `a stopped or overloaded process, a proxy, or no Redis at all; --timeout waits longer${isTls ? '' : '; a TLS port? add --tls'}`,
    };
  }
  return (
    unreachable(error, isTls, timeoutMs) ?? {
      problem: 'failed',
      label: 'failed',
      message: `failed: ${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${message}`,
      hint: 'check --sentinels',
    }
  );
}

/** A sentinel that answers but does not monitor `name`. */
export function unknownMaster(name: string, knownMasters: readonly string[]): Diagnosis {
  const guess = closestName(name, new Set(knownMasters));
  const known =
    knownMasters.length === 0
      ? 'it monitors no master'
      : `it monitors ${knownMasters.map((n) => `"${n}"`).join(', ')}`;
  return {
    problem: 'unknown-master',
    label: 'unknown name',
    message: `does not monitor "${name}": ${known}`,
    hint: guess === undefined ? 'check --name' : `check --name: did you mean "${guess}"?`,
  };
}
