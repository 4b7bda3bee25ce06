/**
 * Every use of an ioredis member that is not public API. Nothing else in this library reaches
 * into ioredis: a release that renames or removes one of these fails {@link checkIoredisInternals}
 * when the first `Sentinel` is made (and this module's tests in CI), not silently in production.
 *
 * What each is for:
 * - `commandQueue`: commands written and not answered. A lost socket fails them as maybe applied
 *   (ioredis would resend them, or never settle them with resending off).
 * - `offlineQueue`: commands issued while a dedicated connection reconnects: never sent yet.
 * - `flushQueue(error)`: fails every queued command, as ioredis does itself at 'end'.
 * - `recoverFromFatalError`: how ioredis reports a stream it cannot parse.
 * - `reconnectTimeout`: the pending reconnect timer, cancelled to reconnect at once.
 * - `condition`: the database and subscriber mode a dedicated connection was left in.
 * - `sendCommand` and `Command#isSettled`: typed command timeouts, kept by the connection (one
 *   timer, not ioredis's one per command), that know whether the command was ever sent; on
 *   dedicated connections, a command queued offline is sent again by ioredis from its ready
 *   handler, and is bound to its caller's async context (async-scope.ts).
 * - `Command#_commandTimeoutTimer`: a WAIT's own timer, which ioredis clears when it settles.
 * - `_readyCheck` and `condition.handshake`: the ROLE check runs as ioredis's ready check, so
 *   that nothing queued is flushed to a server before its role is confirmed.
 */
import type { AsyncResource } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Command, Redis } from 'ioredis';
import { callerScope } from '../async-scope.js';
import { IoredisInternalsError } from '../errors.js';

/** A command ioredis holds in one of its queues. */
interface QueuedCommand {
  command: Command;
}

/** The private members of an ioredis `Redis` this library relies on. */
interface RedisInternals {
  commandQueue: { length: number; shift(): QueuedCommand | undefined };
  offlineQueue: { toArray(): QueuedCommand[] };
  flushQueue(error: Error): void;
  recoverFromFatalError(commandError: Error, error: Error, options: unknown): void;
  reconnectTimeout: NodeJS.Timeout | null;
  _readyCheck(callback: (error: Error | null, info?: unknown) => void): void;
  /** Set on every connect; `handshake` is ioredis's gate: only handshake commands pass it. */
  condition: { handshake?: boolean } | null;
}

/** The private members of an ioredis `Command` its timeout uses. */
interface CommandInternals {
  _commandTimeoutTimer?: NodeJS.Timeout;
  isSettled?: boolean;
}

function internals(redis: Redis): RedisInternals {
  return redis as unknown as RedisInternals;
}

/**
 * Takes every command written on the connection and not yet answered out of ioredis's hands,
 * oldest first. They are the caller's to settle.
 */
export function takeUnanswered(redis: Redis): Command[] {
  const queue = internals(redis).commandQueue;
  const taken: Command[] = [];
  for (let item = queue.shift(); item; item = queue.shift()) taken.push(item.command);
  return taken;
}

/** Whether `command` still waits in the offline queue (issued while reconnecting: never sent). */
export function isQueuedOffline(redis: Redis, command: Command): boolean {
  return internals(redis)
    .offlineQueue.toArray()
    .some((item) => item.command === command);
}

/**
 * Whether a connection was left as a fresh one would not be: subscribed, or on a database other
 * than `db` (ioredis tracks both in `condition`, and restores them after a reconnect).
 */
export function isLeftChanged(redis: Redis, db: number): boolean {
  // Set by ioredis on its first connect (so not checked at startup: the tests cover it).
  const condition = (redis as unknown as { condition?: { select: number; subscriber: unknown } | null })
    .condition;
  return condition != null && (condition.subscriber !== false || condition.select !== db);
}

/** Fails every command ioredis holds, sent or not, with `error`. */
export function flushQueue(redis: Redis, error: Error): void {
  internals(redis).flushQueue(error);
}

/**
 * Routes ioredis's fatal stream errors to `handle`; ReplyErrors (a refused handshake) keep
 * ioredis's own handling, passed in as `ioredisDefault`.
 */
export function onFatalError(redis: Redis, handle: (error: Error, ioredisDefault: () => void) => void): void {
  const own = internals(redis);
  const recover = own.recoverFromFatalError;
  own.recoverFromFatalError = (commandError, error, options) =>
    handle(error, () => recover.call(redis, commandError, error, options));
}

/**
 * Connects now instead of after ioredis's backoff. Its pending retry timer must go too: left
 * alone it would call connect() again later, even after the connection was closed.
 */
export function reconnectNow(redis: Redis): void {
  const own = internals(redis);
  clearTimeout(own.reconnectTimeout ?? undefined);
  own.reconnectTimeout = null;
  redis.connect().catch(() => {});
}

/**
 * Closes an ioredis client at once (its socket destroyed, not ended) and resolves once the
 * socket is gone. Between reconnect
 * attempts there is no socket: ioredis then emits no 'end' and never fails the commands queued
 * meanwhile, so they are failed here with `queuedError` rather than wait for their timeout.
 */
export function disconnectNow(redis: Redis, queuedError: Error): Promise<void> {
  const hasSocket = ['connecting', 'connect', 'ready'].includes(redis.status);
  const ended = new Promise<void>((resolve) => (hasSocket ? redis.once('end', () => resolve()) : resolve()));
  // Before disconnect(): ioredis 6.1's disconnect() fails them itself, with a plain Error.
  if (!hasSocket) flushQueue(redis, queuedError);
  // ioredis's disconnect() ends the socket and waits up to 2 s for the server to close its side:
  // a hung server never does. Destroyed first, it is gone at once ('close' comes a tick later,
  // when ioredis already knows the close was asked for and does not reconnect).
  if (hasSocket) redis.stream?.destroy();
  redis.disconnect(false);
  return ended;
}

/**
 * Intercepts every command `redis` sends (`sendCommand`, which ioredis also calls again for a
 * command it flushes from its offline queue): `onSend(command)` runs first, to start its
 * deadline (command-timeouts.ts). A command that already settled (it timed out while queued
 * offline) is never sent.
 *
 * With `bindQueued` (dedicated connections, whose commands wait in ioredis's offline queue while
 * it reconnects), a command issued while the client is not ready captures its caller's async
 * context, and ioredis's later resend from the offline queue runs in it. A command sent while
 * ready costs a status, a socket and a counter check: nothing is allocated.
 */
export function interceptSends(redis: Redis, onSend: (command: Command) => void, bindQueued = false): void {
  const sendCommand = redis.sendCommand;
  const send = function (this: Redis, command: Command, stream?: unknown) {
    onSend(command);
    return (sendCommand as (command: Command, stream?: unknown) => Promise<unknown>).call(
      this,
      command,
      stream,
    );
  };
  const callers = new WeakMap<Command, AsyncResource>();
  // Commands bound and not yet resent. ioredis flushes its offline queue synchronously when it
  // becomes ready and emits 'ready' a tick later: every bound command was resent or failed by then.
  let boundCount = 0;
  if (bindQueued) redis.on('ready', () => (boundCount = 0));
  redis.sendCommand = function (this: Redis, command: Command, stream?: unknown) {
    if (isSettled(command)) return command.promise;
    if (boundCount > 0) {
      const caller = callers.get(command);
      if (caller) {
        callers.delete(command);
        boundCount -= 1;
        return caller.runInAsyncScope(send, this, command, stream);
      }
    }
    // Queued unless ready with a writable socket (ioredis's own test): a socket just destroyed
    // (moving off at a failover) leaves the status 'ready' until its close event.
    if (bindQueued && (this.status !== 'ready' || !this.stream?.writable) && !callers.has(command)) {
      callers.set(command, callerScope());
      boundCount += 1;
    }
    return send.call(this, command, stream);
  } as Redis['sendCommand'];
}

/**
 * Runs `check` as ioredis's ready check (`enableReadyCheck` must be on), instead of its INFO.
 * ioredis calls it once its handshake (HELLO/AUTH, SELECT, CLIENT SETNAME) is answered, while it
 * is not yet `ready`: commands issued meanwhile wait in its offline queue, and it flushes them
 * only when `check` resolves true. When it resolves false, `check`'s owner has dropped the
 * socket: ioredis reconnects, the queued commands still queued.
 *
 * Before ready, ioredis writes handshake commands, and once the handshake gate is open the
 * commands flagged `loading` (ROLE and SELECT are): `check` must write its commands when called,
 * and the gate is open only while it runs, so that a user's PUBLISH cannot slip through.
 */
export function verifyBeforeReady(redis: Redis, check: () => Promise<boolean>): void {
  const own = internals(redis);
  own._readyCheck = (callback) => {
    const condition = own.condition;
    const hasGate = condition != null && 'handshake' in condition;
    if (hasGate) condition.handshake = false;
    let verdict: Promise<boolean>;
    try {
      verdict = check();
    } finally {
      if (hasGate) condition.handshake = true;
    }
    // ioredis ignores the callback of a connect that is no longer current. `check` reports its
    // own failures (it drops the socket); a rejection means the same as false.
    verdict.then(
      (ok) => ok && callback(null, {}),
      () => {},
    );
  };
}

/** Whether a command already settled (answered, failed or timed out). */
export function isSettled(command: Command): boolean {
  return (command as unknown as CommandInternals).isSettled === true;
}

/** Arms a command's timer once, where ioredis clears it when the command settles. */
export function armCommandTimer(command: Command, ms: number, onExpiry: () => void): void {
  const own = command as unknown as CommandInternals;
  if (own._commandTimeoutTimer) return;
  own._commandTimeoutTimer = setTimeout(onExpiry, ms);
}

/**
 * The installed ioredis version, as the application resolves it from its working directory (for
 * error messages; `import.meta` is not available to the CommonJS build).
 */
export function ioredisVersion(): string {
  try {
    const require = createRequire(join(process.cwd(), 'package.json'));
    return String((require('ioredis/package.json') as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

let isChecked = false;

/**
 * Checks once per process that every internal above exists, on a client that never connects.
 * @throws IoredisInternalsError naming the missing member and the ioredis version.
 */
export function checkIoredisInternals(): void {
  if (isChecked) return;
  const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
  try {
    const missing = missingInternals(redis);
    if (missing.length > 0) throw new IoredisInternalsError(ioredisVersion(), missing);
    isChecked = true;
  } finally {
    redis.disconnect();
  }
}

/** The names of the internals `redis` lacks (pure inspection, exported for tests). */
export function missingInternals(redis: Redis): string[] {
  const own = redis as unknown as Record<string, unknown>;
  const missing: string[] = [];
  const queue = own.commandQueue as { shift?: unknown } | undefined;
  if (typeof queue?.shift !== 'function') missing.push('Redis#commandQueue');
  const offline = own.offlineQueue as { toArray?: unknown } | undefined;
  if (typeof offline?.toArray !== 'function') missing.push('Redis#offlineQueue');
  if (typeof own.flushQueue !== 'function') missing.push('Redis#flushQueue');
  if (typeof own.recoverFromFatalError !== 'function') missing.push('Redis#recoverFromFatalError');
  if (!('reconnectTimeout' in own)) missing.push('Redis#reconnectTimeout');
  if (typeof own.sendCommand !== 'function') missing.push('Redis#sendCommand');
  if (typeof own._readyCheck !== 'function') missing.push('Redis#_readyCheck');
  return [...missing, ...missingCommandInternals()];
}

/** The `Command` members a typed timeout relies on, checked on a command that is never sent. */
function missingCommandInternals(): string[] {
  const command = new Command('ping');
  const own = command as unknown as CommandInternals;
  const missing: string[] = [];
  if (own.isSettled !== false) missing.push('Command#isSettled');
  if (typeof command.setTimeout !== 'function') missing.push('Command#setTimeout');
  else {
    // ioredis's own setTimeout must arm `_commandTimeoutTimer`, which it clears on settling.
    command.setTimeout(60_000);
    if (own._commandTimeoutTimer === undefined) missing.push('Command#_commandTimeoutTimer');
    clearTimeout(own._commandTimeoutTimer);
  }
  return missing;
}

/** How many commands were written on the connection and are not answered yet. */
export function unansweredCount(redis: Redis): number {
  return internals(redis).commandQueue.length;
}
