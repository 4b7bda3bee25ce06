/**
 * Which failures to reach a server heal by waiting, and which need someone to change a
 * configuration (issue 13). A pool waits out the first kind up to `failoverTimeout`; on the
 * second it fails the waiting commands at once with a typed error, and keeps trying in the
 * background so that the first command after the fix succeeds. Pure; docs/failure-handling.md
 * has it as a table.
 *
 * The texts classified here are our own: the sentinel outcomes below are built by
 * {@link unknownMasterOutcome} and {@link notAllowedOutcome}, connection errors by
 * `describeConnectError`, and server replies keep their Redis prefix.
 */
import { ConnectionLostError } from './command-errors.js';
import {
  AuthenticationError,
  DatabaseIndexError,
  MasterNotFoundError,
  type SentinelAttempt,
  TlsCertificateError,
  TlsMismatchError,
} from './errors.js';

/** A failure that no amount of waiting fixes. */
export type DefinitiveFailure =
  /** A sentinel does not know the master name (`sentinel monitor` is missing, or a typo). */
  | 'unknown-master'
  /** A sentinel named an address outside `allowedHosts`. */
  | 'address-not-allowed'
  /** A server refused the credentials or permissions: WRONGPASS, NOAUTH, NOPERM. */
  | 'credentials'
  /** A TLS certificate did not verify (the server's, or the client's at the server). */
  | 'certificate'
  /** Plain TCP to a port that only speaks TLS, or TLS to one that does not. */
  | 'tls-mismatch'
  /** The server has no database of the index the option `db` selects. */
  | 'database';

/** What one failure means for a client that waits: fail now, or wait. */
export type FailureClass = DefinitiveFailure | 'transient';

/** What one sentinel's attempt means: it also tells a sentinel that did not answer at all. */
export type AttemptClass = FailureClass | 'no-answer';

/** The outcome of a sentinel that does not know the group. */
export function unknownMasterOutcome(name: string): string {
  return `does not know "${name}"`;
}

/** The outcome of a sentinel whose answer named an address outside allowedHosts. */
export function notAllowedOutcome(address: string): string {
  return `named ${address}, outside allowedHosts`;
}

const UNKNOWN_MASTER = /^does not know "/;
const NOT_ALLOWED = /, outside allowedHosts$/;
/** Redis refusing who we are or what we may run; `invalid password` is Redis 5's WRONGPASS. */
const CREDENTIALS = /\b(WRONGPASS|NOAUTH|NOPERM)\b|\binvalid password\b/;
/**
 * describeConnectError's words for a certificate one side refused. With TLS 1.3 the server
 * checks the client's certificate after the client's handshake ended, so its refusal may reach
 * us as a reset of the first write instead of an alert: the same refusal, told less clearly.
 */
const CERTIFICATE = /certificate was refused|server refused the handshake|right after the TLS handshake/;
/**
 * describeConnectError's words when the other end does not speak TLS: certain, since OpenSSL read
 * a reply that is no TLS record.
 */
const TLS_TO_PLAIN = /if this port does not speak TLS/;
/**
 * describeConnectError's words for a reset before any reply on plain TCP: how a TLS-only Redis
 * answers plain TCP, but also, once, how a server that dies while we connect looks. So it is
 * definitive only when the same connection's previous attempt failed the same way.
 */
const PLAIN_TO_TLS = /before any reply; if the server only accepts TLS/;
/** Redis's answer to SELECT of a database it does not have (Redis 7; `invalid DB index` before). */
const DATABASE = /\bDB index is out of range\b|\binvalid DB index\b/;
/** A sentinel that could not be asked, or did not answer in time: it said nothing. */
const NO_ANSWER =
  /^unreachable\b|timed out|\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b|Connection is closed|Stream isn't writeable|^closed$/i;

/** The definitive failure a text names, if any. */
function definitiveIn(text: string): DefinitiveFailure | undefined {
  if (CREDENTIALS.test(text)) return 'credentials';
  if (CERTIFICATE.test(text)) return 'certificate';
  if (TLS_TO_PLAIN.test(text) || PLAIN_TO_TLS.test(text)) return 'tls-mismatch';
  if (DATABASE.test(text)) return 'database';
  if (UNKNOWN_MASTER.test(text)) return 'unknown-master';
  if (NOT_ALLOWED.test(text)) return 'address-not-allowed';
  return undefined;
}

/**
 * Classifies what one sentinel said. Anything not recognised is `transient`: only positive
 * evidence makes a client stop waiting.
 */
export function classifyAttempt(outcome: string): AttemptClass {
  return definitiveIn(outcome) ?? (NO_ANSWER.test(outcome) ? 'no-answer' : 'transient');
}

/**
 * Classifies a discovery round that found no master: definitive when at least one sentinel
 * answered and every one that answered gave a definitive reason (the first is returned);
 * transient when one answered with a reason that may pass (it sees the master down, too few
 * peers) or when none answered (unreachable, stopped).
 */
export function classifyRound(attempts: readonly SentinelAttempt[]): FailureClass {
  let definitive: DefinitiveFailure | undefined;
  for (const attempt of attempts) {
    const kind = classifyAttempt(attempt.outcome);
    if (kind === 'transient') return 'transient';
    if (kind !== 'no-answer') definitive ??= kind;
  }
  return definitive ?? 'transient';
}

/** The messages of an error and the causes under it (a bounded walk). */
function messages(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error; out.length < 5 && e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    if (e instanceof Error) out.push(e.message);
    else if (typeof e === 'string') out.push(e);
    else break;
  }
  return out;
}

/**
 * What makes two failed attempts "the same failure" for {@link AttemptHistory.isRepeated}: the
 * message, except that every reset before any reply on plain TCP is one failure, whichever side
 * noticed it first (`read ECONNRESET` or `write EPIPE`: a race between our first write and the
 * TLS server's reset, which alternated from one attempt to the next in CI). Pure.
 */
export function failureShape(message: string): string {
  return PLAIN_TO_TLS.test(message) ? 'reset before any reply on plain TCP' : message;
}

/** What is known of a connection's earlier attempts, beyond the error of this one. */
export interface AttemptHistory {
  /**
   * Whether the same connection's previous attempt failed the same way ({@link failureShape}):
   * a reset before any reply is definitive only when it repeats.
   */
  isRepeated?: boolean;
}

/**
 * Classifies why a pool connection could not be made: a discovery that found no master (by its
 * attempts), a server's refusal of the client's own commands (credentials, SELECT of a database it
 * lacks), a TLS error or disagreement, or a network error.
 */
export function classifyConnectFailure(error: unknown, history: AttemptHistory = {}): FailureClass {
  const notFound = findMasterNotFound(error);
  if (notFound) return classifyRound(notFound.attempts);
  for (const text of messages(error)) {
    const kind = definitiveIn(text);
    if (kind === 'tls-mismatch' && PLAIN_TO_TLS.test(text) && history.isRepeated !== true) {
      return 'transient';
    }
    if (kind !== undefined && kind !== 'unknown-master' && kind !== 'address-not-allowed') return kind;
  }
  return 'transient';
}

function findMasterNotFound(error: unknown): MasterNotFoundError | undefined {
  for (let e = error, depth = 0; depth < 5 && e instanceof Error; e = e.cause, depth++) {
    if (e instanceof MasterNotFoundError) return e;
  }
  return undefined;
}

/** Where a refused connection was going, for the error's message. */
export interface RefusalContext {
  masterName: string;
  /** The pool, as its messages name it: `masterFor("mymaster")`. */
  label: string;
  /** The server, `host:port`, when the connection reached one. */
  address: string | undefined;
}

/**
 * The error for the waiting commands when a connection failed definitively, or undefined when
 * the failure may heal. A discovery's MasterNotFoundError is given as it is (its attempts say
 * what each sentinel said); a server's refusal becomes an AuthenticationError or a
 * TlsCertificateError that names the option to check.
 */
export function refusalError(
  error: unknown,
  context: RefusalContext,
  history: AttemptHistory = {},
): Error | undefined {
  const kind = classifyConnectFailure(error, history);
  if (kind === 'transient') return undefined;
  const notFound = findMasterNotFound(error);
  if (notFound) return notFound;
  const text = messages(error)[0] ?? String(error);
  const where = context.address ?? 'the server';
  if (kind === 'credentials') {
    const hint = /\b(check|set) /i.test(text)
      ? ''
      : ': check the options username and password, and the ACL of that user (the client sends AUTH/HELLO, SELECT and ROLE itself)';
    return new AuthenticationError(
      context.masterName,
      context.address,
      `${context.label}: ${where} refused the credentials: ${text}${hint}`,
      { cause: error },
    );
  }
  if (kind === 'tls-mismatch') {
    return new TlsMismatchError(
      context.masterName,
      context.address,
      `${context.label}: ${where} and the client disagree on TLS: ${text}`,
      { cause: error },
    );
  }
  if (kind === 'database') {
    return new DatabaseIndexError(
      context.masterName,
      context.address,
      `${context.label}: ${where} has no such database: ${text}: check the option db (the server has as many as its databases setting)`,
      { cause: error },
    );
  }
  return new TlsCertificateError(
    context.masterName,
    context.address,
    `${context.label}: TLS with ${where} failed: ${text}`,
    { cause: error },
  );
}

/** What a Sentinel client should do about a server error. */
export type ReplyErrorAction = 'rediscover' | 'retry-later' | 'fail';

/**
 * Server error prefixes that mean something to a Sentinel client. READONLY from what we took for a
 * master means it was demoted (redis-py does the same): ask Sentinel again.
 */
const REPLY_ERROR_ACTIONS: Readonly<Record<string, ReplyErrorAction>> = {
  READONLY: 'rediscover',
  MASTERDOWN: 'retry-later',
  LOADING: 'retry-later',
  TRYAGAIN: 'retry-later',
  BUSY: 'retry-later',
  NOREPLICAS: 'retry-later',
};

/** Classifies a server error reply by its prefix (`READONLY You can't write…` → `rediscover`). */
export function classifyReplyError(error: unknown): ReplyErrorAction {
  const prefix = messageOf(error).split(' ', 1)[0] ?? '';
  return REPLY_ERROR_ACTIONS[prefix] ?? 'fail';
}

/**
 * What a failed command means for a pool, server replies and transport errors alike:
 * - `not-sent`: ioredis refused to write it (the socket had just died): safe to send again;
 * - `lost`: the connection died with it in flight: it may have been applied;
 * - `rediscover`, `retry-later`, `fail`: a server reply, as {@link classifyReplyError}.
 */
export type FailureAction = 'not-sent' | 'lost' | ReplyErrorAction;

/** Classifies any error a command can fail with; the one place that reads ioredis's messages. */
export function classifyFailure(error: unknown): FailureAction {
  if (error instanceof ConnectionLostError) return 'lost';
  const message = messageOf(error);
  if (message.startsWith("Stream isn't writeable")) return 'not-sent';
  if (/aborted due to connection close|Connection is closed/i.test(message)) return 'lost';
  return classifyReplyError(error);
}

/**
 * ioredis's own error for a command whose connection died with it in flight ("Connection is
 * closed", "Command aborted due to connection close") as the ConnectionLostError this library
 * reports: it may have been applied. Any other error comes back unchanged. `command` names the
 * command, or `pipeline` for a batch (the whole batch is then ambiguous).
 */
export function asConnectionLost(command: string, error: unknown): unknown {
  if (error instanceof ConnectionLostError || classifyFailure(error) !== 'lost') return error;
  return new ConnectionLostError(
    command,
    true,
    `Connection lost while "${command}" was in flight: it may or may not have been applied (${messageOf(error)})`,
    { cause: error },
  );
}

/** Whether a server refused a command or channel to the connection's ACL user. */
export function isPermissionDenied(error: unknown): boolean {
  return messageOf(error).startsWith('NOPERM');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : '';
}

/** Whether `error` is a server's refusal to SELECT a database it does not have. */
export function isDatabaseRefusal(error: unknown): boolean {
  return DATABASE.test(messageOf(error));
}

/** Whether `error` is Redis's `-UNBLOCKED …` reply to a blocked command it released unserved. */
export function isUnblockedReply(error: unknown): error is Error {
  return error instanceof Error && error.message.startsWith('UNBLOCKED ');
}
