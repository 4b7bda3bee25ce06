/**
 * One ioredis connection of a pool, and the only place that knows its state:
 *
 * ```
 *   connecting --(socket up, ioredis ready)--> verifying --(ROLE as expected)--> open
 *       ^                                          |                              |
 *       +------(socket lost / role mismatch / moveOff())---------------------------+
 *   any --close()--> closed
 * ```
 *
 * The pool sends commands on it only while `open`. When the socket dies, or its stream can no
 * longer be parsed, it rejects every unanswered command with a ConnectionLostError: ioredis 6
 * would resend them (`autoResendUnfulfilledCommands`), applying a write twice, or, with that
 * off, leave their promises pending forever (or, on a parser error, reject them with a plain
 * Error). The pool decides what to retry.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { exists, hasFlag } from '@ioredis/commands';
import { type Command, Redis, ReplyError } from 'ioredis';
import { type Address, formatAddress } from '../address.js';
import { debugFor } from '../debug.js';
import { ClosedError, CommandTimeoutError, ConnectionLostError } from '../errors.js';
import { describeConnectError } from './connect-error.js';
import { type AddressResolver, connectorFor, type PoolRedisOptions } from './pool-connector.js';
import { describeRole, type ExpectedRole, parseRole, roleMatches, type ServerRole } from './role.js';

const log = debugFor('connection');

/** The states of a {@link PoolConnection}; see the diagram above. */
export type ConnectionState = 'connecting' | 'verifying' | 'open' | 'closed';

const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  connecting: ['verifying', 'closed'],
  verifying: ['open', 'connecting', 'closed'],
  open: ['connecting', 'closed'],
  closed: [],
};

/** How a pool connection is made. */
export interface PoolConnectionOptions {
  role: ExpectedRole;
  /** Where to connect now (asked on every connect). */
  resolve: AddressResolver;
  /** ioredis options for data connections (credentials, db, TLS, timeouts). */
  redisOptions: PoolRedisOptions;
  /** Keep commands issued while reconnecting (dedicated connections) instead of refusing them. */
  queueWhileConnecting: boolean;
  /** Coalesce the socket writes of one event-loop tick into one. */
  coalesceWrites: boolean;
  /** A label for logs: `master mymaster`. */
  label: string;
}

/** Events of a {@link PoolConnection}. */
export interface PoolConnectionEvents {
  /** ROLE matched: commands may be sent. */
  open: [address: Address, role: ServerRole];
  /** The socket was lost or the role did not match; it reconnects by itself. */
  lost: [reason: string];
  /** ROLE did not match: discovery should look again. */
  roleMismatch: [address: Address, role: ServerRole];
}

/** Backoff between reconnects: the first at once (a switch must not wait), then growing. */
function retryDelay(attempt: number): number {
  return attempt <= 1 ? 0 : Math.min(10 * 2 ** attempt, 1000);
}

/** One connection that follows its role through reconnects. */
export class PoolConnection extends EventEmitter<PoolConnectionEvents> {
  /** The ioredis client; use only while `state === 'open'` (or for dedicated use). */
  readonly redis: Redis;
  private stateValue: ConnectionState = 'connecting';
  private addressValue: Address | undefined;
  private socket: Socket | undefined;
  private corked = false;
  private mismatches = 0;
  private backoff: { timer: NodeJS.Timeout; resolve(): void } | undefined;
  private hasTimedOutValue = false;
  private lastErrorValue: Error | undefined;

  constructor(private readonly options: PoolConnectionOptions) {
    super();
    const Connector = connectorFor(
      {
        resolve: async () => {
          // After a role mismatch, back off before asking again: discovery may need a moment.
          if (this.mismatches > 0) await this.backOff(Math.min(25 * 2 ** this.mismatches, 1000));
          return options.resolve();
        },
        connected: (address, socket) => {
          this.addressValue = address;
          this.socket = socket;
        },
        failed: (error) => {
          this.lastErrorValue = error;
          log('%s: no address to connect to: %s', options.label, error.message);
        },
      },
      options.redisOptions.tls,
    );
    this.redis = new Redis({
      ...options.redisOptions,
      Connector,
      lazyConnect: false,
      enableReadyCheck: false,
      enableOfflineQueue: options.queueWhileConnecting,
      maxRetriesPerRequest: null,
      autoResendUnfulfilledCommands: false,
      retryStrategy: retryDelay,
    });
    typeCommandTimeouts(this.redis, {
      exemptBlocking: options.queueWhileConnecting,
      where: () => this.addressLabel,
      // A shared connection whose server did not answer in time is dropped and made again (as
      // redis-py does after a socket timeout): a stream that stopped mid-reply never resumes, and
      // a stopped server should not be sent more commands. A dedicated connection is kept: it
      // may hold a transaction or subscriptions, which a reconnect would silently drop.
      // Discovery hears of it as of a lost connection: on a hung master a timeout is the first
      // sign, and the pool then asks the sentinels at once.
      onTimeout: () => {
        const wasOpen = this.stateValue === 'open';
        if (options.queueWhileConnecting) {
          // Only a command sent on the open connection makes it suspect; a timeout while
          // connecting is the connect's failure, handled by ioredis.
          if (wasOpen) this.hasTimedOutValue = true;
          return;
        }
        this.moveOff('command timed out');
        if (wasOpen) this.emit('lost', 'command timed out');
      },
    });
    this.failCorruptStreamsAsLost();
    this.redis.on('error', (error: Error) => {
      // Says which option to check (TLS, credentials); the original error is the cause.
      const reason = describeConnectError(error, {
        target: 'data',
        isTls: options.redisOptions.tls !== undefined,
        isBeforeReply: this.stateValue === 'connecting',
      });
      this.lastErrorValue = new Error(reason, { cause: error });
      log('%s: %s', options.label, reason);
    });
    this.redis.on('ready', () => void this.verify());
    this.redis.on('close', () => this.onSocketClosed());
  }

  /**
   * A reply ioredis cannot parse (bytes that are not RESP: a broken proxy or network device) is
   * fatal for the stream. ioredis 6 then rejects every unanswered command with its parser's
   * plain `Error('Unknown RESP type …. Please report this.')`, which the pool would pass to the
   * application untyped, and ends the socket gracefully. Those commands are as ambiguous as on a
   * dropped connection (the server may have run them), so they fail the same way, with a
   * ConnectionLostError the pool acts on (reads are retried), and the socket is destroyed at
   * once: nothing more is read from a stream that cannot be trusted.
   *
   * ioredis reports more than parser errors through `recoverFromFatalError`: a server that
   * refuses the handshake (AUTH, HELLO, SELECT) answers with a ReplyError, which keeps ioredis's
   * own handling. Anything else means the connection cannot be used, as here. Commands waiting
   * in the offline queue (dedicated connections) were never sent: they stay for the reconnect.
   */
  private failCorruptStreamsAsLost(): void {
    const redis = this.redis;
    const recover = redis.recoverFromFatalError;
    redis.recoverFromFatalError = (commandError, error, flushOptions) => {
      if (error instanceof ReplyError) {
        recover.call(redis, commandError, error, flushOptions);
        return;
      }
      log('%s %s: unusable stream: %s', this.options.label, this.addressLabel, error.message);
      this.failUnanswered(error);
      this.moveOff('unusable stream');
    };
  }

  /** Waits before reconnecting; close() cuts the wait short so that nothing outlives it. */
  private backOff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      this.backoff = { timer, resolve: finish };
      function finish() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /**
   * A dedicated connection had a command time out: its stream may have stopped mid-reply, so it
   * must not be lent to anyone else (the pool closes it when it is released).
   */
  get hasTimedOut(): boolean {
    return this.hasTimedOutValue;
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /**
   * Whether a command handed to `redis` now will be written: open, ioredis ready, the socket
   * writable. They differ for a moment after a socket dies: the socket knows first, ioredis
   * next, and we hear of it a tick later.
   */
  get isUsable(): boolean {
    return this.stateValue === 'open' && this.redis.status === 'ready' && this.socket?.writable === true;
  }

  /**
   * Why the connection is not open, when it failed since it was last open: a connect or handshake
   * error (described, the original as `cause`), or discovery's error when no address was known.
   */
  get lastError(): Error | undefined {
    return this.stateValue === 'open' ? undefined : this.lastErrorValue;
  }

  /** The address of the current (or last) socket. */
  get address(): Address | undefined {
    return this.addressValue;
  }

  private setState(next: ConnectionState, why: string): void {
    const previous = this.stateValue;
    if (previous === next) return;
    if (!TRANSITIONS[previous].includes(next)) throw new Error(`illegal transition ${previous} -> ${next}`);
    this.stateValue = next;
    log('%s %s: %s -> %s (%s)', this.options.label, this.addressLabel, previous, next, why);
  }

  private get addressLabel(): string {
    return this.addressValue ? formatAddress(this.addressValue) : '(no address)';
  }

  private async verify(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState('verifying', 'connected');
    const address = this.addressValue;
    // ioredis sends SELECT on connect but only reports its failure as an 'error' event and goes
    // on, on database 0: a db the server does not have would silently get every write. Shared
    // connections only: a dedicated one may have been switched to another db by its borrower,
    // which ioredis restores after a reconnect and which this must not undo.
    const db = this.options.queueWhileConnecting ? 0 : (this.options.redisOptions.db ?? 0);
    let role: ServerRole;
    try {
      if (db !== 0) await this.redis.select(db);
      role = parseRole(await this.redis.call('ROLE'));
    } catch (error) {
      const reason = db === 0 ? 'ROLE failed' : 'SELECT or ROLE failed';
      log('%s: %s: %s', this.options.label, reason, (error as Error).message);
      if (error instanceof Error) this.lastErrorValue = error;
      return this.moveOff(reason);
    }
    if (this.stateValue !== 'verifying' || !address) return;
    if (!roleMatches(this.options.role, role)) {
      this.mismatches += 1;
      log(
        '%s: %s is %s, not a %s',
        this.options.label,
        formatAddress(address),
        describeRole(role),
        this.options.role,
      );
      this.emit('roleMismatch', address, role);
      return this.moveOff('role mismatch');
    }
    this.mismatches = 0;
    this.lastErrorValue = undefined;
    this.setState('open', describeRole(role));
    this.emit('open', address, role);
  }

  /**
   * Call before handing commands to `redis` from the pool: coalesces the socket writes of one
   * event-loop tick into one syscall (cork now, uncork on the next tick). ioredis writes each
   * command separately; under concurrency that is most of its CPU cost.
   */
  beforeWrite(): void {
    const socket = this.socket;
    if (this.corked || !socket || !this.options.coalesceWrites) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /**
   * The socket closed: every command written and not answered is ambiguous. ioredis would
   * resend them (applying writes twice) or, with resending off, never settle them; reject them
   * now with a ConnectionLostError and let the pool decide. ioredis emits 'close' on the next
   * tick after its close handler, before any reconnect, and keeps the unanswered commands in
   * `commandQueue` (the same queue it would resend from) until it reconnects.
   */
  private onSocketClosed(): void {
    this.failUnanswered();
    if (this.stateValue === 'open' || this.stateValue === 'verifying') {
      this.setState('connecting', 'socket closed');
      this.emit('lost', 'socket closed');
    }
  }

  /** Rejects every command written and not answered with a ConnectionLostError. */
  private failUnanswered(cause?: Error): void {
    const queue = this.redis.commandQueue;
    const where = this.addressLabel;
    while (queue.length > 0) {
      const item = queue.shift();
      if (!item) break;
      const name = String((item.command as { name?: unknown }).name ?? 'command');
      item.command.reject(
        new ConnectionLostError(
          name,
          true,
          `Connection to ${where} lost while "${name}" was in flight: it may or may not have been applied`,
          cause ? { cause } : undefined,
        ),
      );
    }
  }

  /** Drops the socket now so that the connection reconnects (and re-resolves its address). */
  moveOff(why: string): void {
    if (this.stateValue === 'closed') return;
    log('%s %s: moving off (%s)', this.options.label, this.addressLabel, why);
    if (this.stateValue !== 'connecting') this.setState('connecting', why);
    if (this.socket && !this.socket.destroyed) this.socket.destroy();
    else if (this.redis.status === 'reconnecting') this.reconnectNow();
  }

  /**
   * Between reconnect attempts: connect now instead of after the backoff. ioredis's pending
   * retry timer must go too: left alone it would call connect() again later, even after the
   * connection was closed, and bring it back to life.
   */
  private reconnectNow(): void {
    const internals = this.redis as unknown as { reconnectTimeout: NodeJS.Timeout | null };
    clearTimeout(internals.reconnectTimeout ?? undefined);
    internals.reconnectTimeout = null;
    this.redis.connect().catch(() => {});
  }

  /**
   * Closes the connection. Graceful: waits for the answers in flight (bounded by the command
   * timeout), then sends QUIT. Immediate with `graceful = false`. Resolves once the socket is gone.
   */
  async close(graceful: boolean): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState('closed', graceful ? 'quit' : 'disconnect');
    this.removeAllListeners();
    this.backoff?.resolve();
    const hasSocket = ['connecting', 'connect', 'ready'].includes(this.redis.status);
    const ended = new Promise<void>((resolve) =>
      hasSocket ? this.redis.once('end', () => resolve()) : resolve(),
    );
    if (graceful && this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      // Immediate: destroy the socket (a graceful end would wait up to 2 s on a hung server).
      // Unanswered commands fail as lost (the pool retries reads elsewhere), not with
      // ioredis's plain "Connection is closed." when it flushes its queue.
      this.socket?.destroy();
      this.failUnanswered();
      // Without a socket ioredis 6.0 emits no 'end', so it never fails the commands a dedicated
      // connection queued while reconnecting (they would wait for their timeout, after quit()),
      // and 6.1's disconnect() fails them with a plain Error: fail them first, as closed.
      if (!hasSocket) flushQueue(this.redis, new ClosedError(this.options.label));
      this.redis.disconnect();
    }
    await ended;
  }
}

/** The part of an ioredis 6 Command that its command timeout uses. */
interface TimedCommand {
  _commandTimeoutTimer?: NodeJS.Timeout;
  isSettled?: boolean;
}

/** ioredis's own (private) way to fail every queued and unanswered command, as it does at 'end'. */
function flushQueue(redis: Redis, error: Error): void {
  (redis as unknown as { flushQueue(error: Error): void }).flushQueue(error);
}

/**
 * Commands that get no answer within `commandTimeout` reject with a CommandTimeoutError that
 * names the command and the server, not ioredis's plain `Error('Command timed out')`, and then
 * `onTimeout` runs. ioredis
 * arms the timer through `command.setTimeout(ms)`, and clears `_commandTimeoutTimer` when the
 * command settles; the replacement keeps both.
 *
 * On a dedicated connection (`exemptBlocking`), blocking commands (BLPOP, XREAD BLOCK, WAIT …)
 * are bounded by their own timeout argument instead: ioredis would reject a `BLPOP key 0` after
 * commandTimeout while the server still waits, and an element pushed later would be popped and
 * lost. A dead server still ends them: a failover or a closed socket rejects them with
 * ConnectionLostError.
 */
function typeCommandTimeouts(
  redis: Redis,
  {
    exemptBlocking,
    where,
    onTimeout,
  }: { exemptBlocking: boolean; where: () => string; onTimeout: (() => void) | undefined },
): void {
  // One function per connection, installed on each command (ioredis calls it as a method): the
  // command path only pays a property check and an assignment.
  function typedTimeout(this: Command, ms: number): void {
    const timed = this as unknown as TimedCommand;
    if (timed._commandTimeoutTimer) return;
    const name = this.name.toLowerCase();
    // WAIT on a shared connection (durable writes) may take its own timeout argument first.
    const own = name === 'wait' ? Number(this.args[1]) : 0;
    const total = ms + (Number.isFinite(own) && own > 0 ? own : 0);
    timed._commandTimeoutTimer = setTimeout(() => {
      if (timed.isSettled) return;
      // Still in ioredis's offline queue (a dedicated connection reconnecting): never sent, and
      // (see sendCommand below) never will be; not a sign that the connection is stuck.
      const queue = (redis as unknown as { offlineQueue: { toArray(): Array<{ command: unknown }> } })
        .offlineQueue;
      const wasSent = !queue.toArray().some((item) => item.command === this);
      this.reject(new CommandTimeoutError(name, total, where(), wasSent));
      if (wasSent) onTimeout?.();
    }, total);
  }
  const untimed = () => {};
  const sendCommand = redis.sendCommand;
  redis.sendCommand = function (this: Redis, command, ...rest) {
    // A command that timed out while queued offline (a dedicated connection reconnecting) was
    // failed as maybe applied: ioredis would still send it when it flushes that queue.
    if ((command as unknown as TimedCommand).isSettled) return command.promise;
    command.setTimeout = exemptBlocking && isBlocking(command.name) ? untimed : typedTimeout;
    return sendCommand.call(this, command, ...rest);
  };
}

/** Whether a command blocks by its own timeout argument (BLPOP, XREAD BLOCK, WAIT …). */
function isBlocking(name: string): boolean {
  const lower = name.toLowerCase();
  return exists(lower) && hasFlag(lower, 'blocking');
}

/** What a pool asks of the factory that builds its connections. */
export interface ConnectionSpec {
  role: ExpectedRole;
  resolve: AddressResolver;
  /** A dedicated connection keeps commands issued while it reconnects. */
  dedicated: boolean;
  label: string;
}

/** Builds connections for pools (the composition root owns the ioredis options). */
export type ConnectionFactory = (spec: ConnectionSpec) => PoolConnection;
