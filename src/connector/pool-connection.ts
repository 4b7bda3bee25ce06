/**
 * One ioredis connection of a pool, and the only place that knows its state (the diagram is in
 * connection-state.ts). The pool sends commands on it only while `open`. When the socket dies,
 * or its stream can no longer be parsed, every unanswered command fails with a
 * ConnectionLostError (lost-commands.ts), and the pool decides what to retry.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { type Address, formatAddress } from '../address.js';
import { debugFor } from '../debug.js';
import { ClosedError } from '../errors.js';
import { isDatabaseRefusal } from '../failure-classification.js';
import { type CommandTimeouts, typeCommandTimeouts } from './command-timeouts.js';
import { describeConnectError } from './connect-error.js';
import type { PoolConnectionOptions } from './connection-spec.js';
import { type ConnectionState, checkTransition } from './connection-state.js';
import { disconnectNow, reconnectNow, unansweredCount, verifyBeforeReady } from './ioredis-internals.js';
import { failCorruptStreamsAsLost, failUnansweredAsLost, isResentWhenLost } from './lost-commands.js';
import { createClient } from './pool-connector.js';
import { describeRole, type ExpectedRole, type ServerRole } from './role.js';
import { RoleCheck } from './role-check.js';
import { typeUnblockedReplies } from './unblocked-replies.js';
import { WatchGuard } from './watch-guard.js';
import { WriteCoalescer } from './write-coalescing.js';

const log = debugFor('connection');

/** Events of a {@link PoolConnection}. */
export interface PoolConnectionEvents {
  /** ROLE matched: commands may be sent. */
  open: [address: Address, role: ServerRole];
  /** The socket was lost or the role did not match; it reconnects by itself. */
  lost: [reason: string];
  /** ROLE did not match: discovery should look again. */
  roleMismatch: [address: Address, role: ServerRole];
  /**
   * A connect attempt failed (no address: discovery's error; a socket or TLS error; a refused
   * handshake; SELECT or ROLE refused), or the socket of an open connection failed.
   * `attemptStartedAt` (`performance.now()`) is when the last attempt asked for its address:
   * commands that came later are not judged by it.
   */
  failed: [error: Error, attemptStartedAt: number];
}

/** One connection that follows its role through reconnects. */
export class PoolConnection extends EventEmitter<PoolConnectionEvents> {
  /** The ioredis client; use only while `state === 'open'` (or for dedicated use). */
  readonly redis: Redis;
  /**
   * Whether a built-in command may be handed to ioredis as a plain `Command` (pool/job.ts): not
   * when its options make its methods change commands (key prefix, friendly error stacks,
   * auto-pipelining).
   */
  readonly takesCommandsAsIs: boolean;
  private stateValue: ConnectionState = 'connecting';
  private addressValue: Address | undefined;
  private socket: Socket | undefined;
  private readonly coalescer: WriteCoalescer;
  /** The deadlines of commands in flight (one timer per connection). */
  private readonly timeouts: CommandTimeouts;
  /** SELECT and ROLE on every connect, and the backoff after a role mismatch. */
  private readonly roleCheck: RoleCheck;
  private hasTimedOutValue = false;
  private lastErrorValue: Error | undefined;
  /** Dedicated connections: whether a WATCH outlived its socket. */
  private readonly watchGuard: WatchGuard | undefined;
  private attemptStartedAt = 0;

  /** When the last connect attempt asked for its address (`performance.now()`): for connect-time metrics. */
  get connectStartedAt(): number {
    return this.attemptStartedAt;
  }

  constructor(private readonly options: PoolConnectionOptions) {
    super();
    this.coalescer = new WriteCoalescer(options.coalesceWrites, (floor, previous) =>
      log(
        '%s %s: gathering writes from %d in flight (was %d)',
        options.label,
        this.addressLabel,
        floor,
        previous,
      ),
    );
    this.roleCheck = new RoleCheck({
      label: options.label,
      expected: options.role,
      current: () => ({ address: this.addressValue, socket: this.socket }),
      isVerifying: () => this.stateValue === 'verifying',
      moveOff: (why) => this.moveOff(why),
      fail: (error) => this.fail(error),
      mismatch: (address, role) => this.emit('roleMismatch', address, role),
    });
    this.redis = createClient(
      {
        resolve: async () => {
          // After a role mismatch, back off before asking again: discovery may need a moment.
          const backoff = this.roleCheck.beforeConnect();
          if (backoff) await backoff;
          this.attemptStartedAt = performance.now();
          return options.resolve();
        },
        connected: (address, socket) => {
          this.addressValue = address;
          this.socket = socket;
        },
        failed: (error) => {
          log('%s: no address to connect to: %s', options.label, error.message);
          this.fail(error);
        },
      },
      options.redisOptions,
      options.isDedicated,
      options.clientOptions,
    );
    const { keyPrefix, showFriendlyErrorStack, enableAutoPipelining } = this.redis.options;
    this.takesCommandsAsIs = !keyPrefix && !showFriendlyErrorStack && !enableAutoPipelining;
    this.timeouts = typeCommandTimeouts(this.redis, {
      // A managed client's own commandTimeout, else the Sentinel's (createClient leaves it out of
      // ioredis's options: the connection keeps the deadlines, with one timer).
      ms: { ...options.redisOptions, ...options.clientOptions }.commandTimeout,
      isDedicated: options.isDedicated,
      where: () => this.addressLabel,
      // A shared connection whose server did not answer in time is dropped and made again (as
      // redis-py does after a socket timeout): a stream that stopped mid-reply never resumes, and
      // a stopped server should not be sent more commands. A dedicated connection is kept: it
      // may hold a transaction or subscriptions, which a reconnect would silently drop.
      // Discovery hears of it as of a lost connection: on a hung master a timeout is the first
      // sign, and the pool then asks the sentinels at once.
      onTimeout: () => {
        const wasOpen = this.stateValue === 'open';
        if (options.isDedicated) {
          // Only a command sent on the open connection makes it suspect; a timeout while
          // connecting is the connect's failure, handled by ioredis.
          if (wasOpen) this.hasTimedOutValue = true;
          return;
        }
        this.moveOff('command timed out');
        if (wasOpen) this.emit('lost', 'command timed out');
      },
    });
    this.watchForCorruptStreams();
    if (options.isDedicated) {
      this.watchGuard = new WatchGuard(this.redis, () => this.addressLabel);
      typeUnblockedReplies(this.redis, () => this.addressLabel);
    }
    this.redis.on('error', (error: Error) => {
      // Says which option to check (TLS, credentials); the original error is the cause.
      const reason = describeConnectError(error, {
        target: 'data',
        isTls: options.redisOptions.tls !== undefined,
        isBeforeReply: this.stateValue === 'connecting',
      });
      log('%s: %s', options.label, reason);
      // ioredis reports a refused SELECT of its handshake (the option db, or the db a borrower
      // chose) only here, then goes on to 'ready' on database 0: verify() must not open it.
      // (It arrives while the ROLE check, ioredis's ready check, waits for its reply.)
      const isHandshake = this.stateValue === 'connecting' || this.stateValue === 'verifying';
      if (isHandshake && isDatabaseRefusal(error)) this.roleCheck.noteSelectRefused();
      if (this.stateValue !== 'closed') this.fail(new Error(reason, { cause: error }));
    });
    // ROLE is ioredis's ready check: nothing queued is flushed before the role is confirmed.
    verifyBeforeReady(this.redis, () => this.verify());
    this.redis.on('ready', () => this.onReady());
    this.redis.on('close', () => this.onSocketClosed());
  }

  /** A stream ioredis cannot parse fails its unanswered commands as lost (lost-commands.ts). */
  private watchForCorruptStreams(): void {
    failCorruptStreamsAsLost(this.redis, (error) => {
      log('%s %s: unusable stream: %s', this.options.label, this.addressLabel, error.message);
      failUnansweredAsLost(this.redis, this.addressLabel, error);
      this.moveOff('unusable stream');
    });
  }

  /** Records why the connection is not open, and tells the pool. */
  private fail(error: Error): void {
    this.lastErrorValue = error;
    this.emit('failed', error, this.attemptStartedAt);
  }

  /**
   * A dedicated connection had a command time out: its stream may have stopped mid-reply, so it
   * must not be lent to anyone else (the pool closes it when it is released).
   */
  get hasTimedOut(): boolean {
    return this.hasTimedOutValue;
  }

  /** Whether the borrower left a WATCH pending (dedicated connections). */
  get hasPendingWatch(): boolean {
    return this.watchGuard?.isWatching === true;
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

  /** The role this connection serves (checked with ROLE on every connect). */
  get role(): ExpectedRole {
    return this.options.role;
  }

  /** The address of the current (or last) socket. */
  get address(): Address | undefined {
    return this.addressValue;
  }

  private setState(next: ConnectionState, why: string): void {
    const previous = this.stateValue;
    if (previous === next) return;
    checkTransition(previous, next);
    this.stateValue = next;
    log('%s %s: %s -> %s (%s)', this.options.label, this.addressLabel, previous, next, why);
  }

  private get addressLabel(): string {
    return this.addressValue ? formatAddress(this.addressValue) : '(no address)';
  }

  /**
   * ioredis's ready check (see `verifyBeforeReady`): SELECT and ROLE, written now (role-check.ts).
   * A dedicated connection checks database 0 only: its borrower may have switched it to another
   * db, which ioredis restores after a reconnect and which this must not undo.
   */
  private verify(): Promise<boolean> {
    if (this.stateValue === 'closed') return Promise.resolve(false);
    this.setState('verifying', 'connected');
    return this.roleCheck.start(
      this.redis,
      this.options.isDedicated ? 0 : (this.options.redisOptions.db ?? 0),
    );
  }

  /** ioredis is ready (after the ROLE check passed): commands may be sent. */
  private onReady(): void {
    const role = this.roleCheck.takeVerified();
    const address = this.addressValue;
    if (this.stateValue !== 'verifying' || !role || !address) return;
    this.lastErrorValue = undefined;
    this.setState('open', describeRole(role));
    this.emit('open', address, role);
  }

  /**
   * Call before handing commands to `redis` from the pool: with `coalesceWrites`, the socket
   * writes of this event-loop tick leave in one syscall (see write-coalescing.ts).
   */
  beforeWrite(): void {
    if (this.socket) this.coalescer.beforeWrite(this.socket, unansweredCount(this.redis));
  }

  /**
   * The socket closed: every command written and not answered is ambiguous. ioredis would
   * resend them (applying writes twice) or, with resending off, never settle them; reject them
   * now with a ConnectionLostError and let the pool decide. ioredis emits 'close' on the next
   * tick after its close handler, before any reconnect, and keeps the unanswered commands in
   * `commandQueue` (the same queue it would resend from) until it reconnects.
   *
   * A dedicated connection (a managed client's, or one lent by acquire()) resends a lost PUBLISH
   * after the reconnect, as ioredis does: pub/sub stores nothing a resend could apply twice, and
   * libraries such as the socket.io adapter publish without handling a rejection (an unhandled
   * one would end the application's process at every failover).
   */
  private onSocketClosed(): void {
    if (this.options.isDedicated && this.stateValue !== 'closed') {
      failUnansweredAsLost(this.redis, this.addressLabel, undefined, isResentWhenLost);
    } else this.failUnanswered();
    if (this.stateValue === 'open' || this.stateValue === 'verifying') {
      this.setState('connecting', 'socket closed');
      this.emit('lost', 'socket closed');
    }
  }

  /** Rejects every command written and not answered with a ConnectionLostError. */
  private failUnanswered(): void {
    failUnansweredAsLost(this.redis, this.addressLabel);
  }

  /** Drops the socket now so that the connection reconnects (and re-resolves its address). */
  moveOff(why: string): void {
    if (this.stateValue === 'closed') return;
    log('%s %s: moving off (%s)', this.options.label, this.addressLabel, why);
    if (this.stateValue !== 'connecting') this.setState('connecting', why);
    if (this.socket && !this.socket.destroyed) this.socket.destroy();
    // Between reconnect attempts: connect now instead of after the backoff.
    else if (this.redis.status === 'reconnecting') reconnectNow(this.redis);
  }

  /**
   * Closes the connection. Graceful: waits for the answers in flight (bounded by the command
   * timeout), then sends QUIT. Immediate with `graceful = false`. Resolves once the socket is gone.
   */
  async close(graceful: boolean): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState('closed', graceful ? 'quit' : 'disconnect');
    this.removeAllListeners();
    this.roleCheck.cancelBackoff();
    if (graceful && this.redis.status === 'ready') {
      const ended = new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
      // QUIT is bounded by the command timeout. If it gets no answer the server hangs: destroy
      // the socket rather than end it (ioredis's disconnect() would wait up to 2 s more for it).
      const isQuit = await this.redis.quit().then(
        () => true,
        () => false,
      );
      if (isQuit) {
        await ended;
        this.timeouts.stop();
        return;
      }
      log('%s %s: QUIT got no answer: closing at once', this.options.label, this.addressLabel);
    }
    // Immediate: destroy the socket (a graceful end would wait up to 2 s on a hung server).
    // Unanswered commands fail as lost (the pool retries reads elsewhere), not with ioredis's
    // plain "Connection is closed." when it flushes its queue. Commands a dedicated connection
    // queued while reconnecting fail with ClosedError: they were never sent.
    this.socket?.destroy();
    this.failUnanswered();
    await disconnectNow(this.redis, new ClosedError(this.options.label));
    this.timeouts.stop();
  }
}
