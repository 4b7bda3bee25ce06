/**
 * One connection to one sentinel, used both to ask (`SENTINEL …`) and to listen (event
 * channels): under RESP3 (ioredis 6's default) a subscribed connection still runs commands, so
 * one socket per sentinel is enough. It reconnects with capped exponential backoff and
 * resubscribes after every reconnect (itself: see the `autoResubscribe` option below).
 */
import { EventEmitter } from 'node:events';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { type Address, formatAddress } from '../address.js';
import { detached } from '../async-scope.js';
import { describeConnectError } from '../connector/connect-error.js';
import { disconnectNow } from '../connector/ioredis-internals.js';
import { connectorFor, NO_CLIENT_HANDOFF } from '../connector/pool-connector.js';
import { debugFor } from '../debug.js';
import { SentinelPermissionError } from '../errors.js';
import { isPermissionDenied } from '../failure-classification.js';

const log = debugFor('sentinel');

/** How a sentinel connection is made. */
export interface SentinelClientOptions {
  connectTimeout: number;
  /** Command timeout: how long a question to this sentinel may take. */
  socketTimeout: number;
  username: string | undefined;
  password: string | undefined;
  tls: TlsOptions | undefined;
  maxReconnectDelay: number;
}

/** Events of a {@link SentinelClient}. */
export interface SentinelClientEvents {
  /** A message on a subscribed channel. */
  message: [channel: string, message: string];
  /** The connection is ready again after being lost (subscriptions are restored). */
  reconnected: [];
  /** The sentinel refused the subscription to its event channels to the sentinel user. */
  denied: [error: SentinelPermissionError];
}

/** What the client goes without when a sentinel refuses its event channels. */
const NO_EVENTS = 'no events from it: failovers are noticed by polling (refreshInterval) only';

/** One sentinel connection: ask with {@link SentinelClient.ask}, listen with `on('message')`. */
export class SentinelClient extends EventEmitter<SentinelClientEvents> {
  readonly address: Address;
  readonly label: string;
  private readonly redis: Redis;
  private lastError: string | undefined;
  private wasReady = false;

  constructor(address: Address, options: SentinelClientOptions, channels: readonly string[]) {
    super();
    this.address = address;
    this.label = formatAddress(address);
    const isTls = options.tls !== undefined;
    // Its socket, reconnects and subscription are the library's: no caller's async context.
    this.redis = detached(
      () =>
        new Redis({
          ...NO_CLIENT_HANDOFF,
          // host and port only label ioredis's debug lines: the connector dials.
          host: address.host,
          port: address.port,
          // ioredis's own connector, on close() between reconnects, "ends" the socket that already
          // died and arms a 2 s timer that nothing clears; ours does not.
          Connector: connectorFor(
            { resolve: async () => address, connected: () => {}, failed: () => {} },
            options.tls,
          ),
          // With tls set, ioredis waits for 'secureConnect' instead of 'connect'.
          tls: options.tls,
          username: options.username,
          password: options.password,
          connectTimeout: options.connectTimeout,
          commandTimeout: options.socketTimeout,
          // A sentinel is not a data node: no INFO ready check, no SELECT.
          enableReadyCheck: false,
          maxRetriesPerRequest: 1,
          retryStrategy: (attempt: number) =>
            Math.min(50 * 2 ** Math.min(attempt, 10), options.maxReconnectDelay),
          // A reconnect must not replay a SENTINEL question whose caller has already moved on.
          autoResendUnfulfilledCommands: false,
          // Resubscribed by this client on every reconnect (see 'ready'): ioredis 6.0.0's own
          // resubscription has no rejection handler, so one that times out or meets a closed
          // connection (a sentinel stopped right after the reconnect) ends the process.
          autoResubscribe: false,
        }),
    );
    this.redis.on('error', (error: Error) => {
      // Names the address and the option to check, never a credential (ioredis does not put
      // AUTH in its errors).
      // 'ready' means the server answered this connection: a reset then is not about TLS.
      const reason = describeConnectError(error, {
        target: 'sentinel',
        isTls,
        isBeforeReply: this.redis.status !== 'ready',
      });
      if (this.lastError !== reason) log('%s: %s', this.label, reason);
      this.lastError = reason;
    });
    this.redis.on('ready', () => {
      this.lastError = undefined;
      if (this.wasReady) this.subscribeTo(channels);
      if (this.wasReady) this.emit('reconnected');
      this.wasReady = true;
      log('%s: connected', this.label);
    });
    this.redis.on('message', (channel: string, message: string) => this.emit('message', channel, message));
    this.subscribeTo(channels);
  }

  /** Subscribes to the event channels (again after a reconnect); a refusal is reported once. */
  private subscribeTo(channels: readonly string[]): void {
    if (channels.length === 0) return;
    this.redis.subscribe(...channels).catch((error: Error) => {
      log('%s: subscribe failed: %s', this.label, error.message);
      if (isPermissionDenied(error)) {
        this.emit(
          'denied',
          new SentinelPermissionError(this.label, 'subscribe', NO_EVENTS, { cause: error }),
        );
      }
    });
  }

  /**
   * Resolves true once the connection is ready to be asked, false at once when it is known to
   * be down (reconnecting), or on the first error, on close, or after `timeoutMs` while it
   * connects. A sentinel that accepts the connection and never answers (stopped) keeps it
   * connecting: close() must end the wait, not leave its timer running after quit().
   */
  whenReady(timeoutMs: number): Promise<boolean> {
    const status = this.redis.status;
    if (status === 'ready') return Promise.resolve(true);
    if (status !== 'connecting' && status !== 'connect' && status !== 'wait') return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        this.redis.off('error', onError);
        this.redis.off('close', onError);
        resolve(ready);
      };
      const onReady = () => finish(true);
      const onError = () => finish(false);
      const timer = setTimeout(() => {
        this.lastError ??= `no connection within ${timeoutMs} ms`;
        finish(false);
      }, timeoutMs);
      this.redis.on('ready', onReady);
      this.redis.on('error', onError);
      this.redis.on('close', onError);
    });
  }

  /** Whether the connection is ready to be asked now. */
  get isReady(): boolean {
    return this.redis.status === 'ready';
  }

  /** Why the sentinel is not reachable, for error reports. */
  get unreachableReason(): string {
    return `unreachable (${this.lastError ?? this.redis.status})`;
  }

  /**
   * Sends `SENTINEL <args…>`; rejects after the socket timeout. A question that times out on a
   * ready connection means the peer went silent (a partition drops packets, with no reset): the
   * socket is dropped so that ioredis reconnects with its short backoff, rather than wait after a
   * heal for TCP's retransmission timer, which doubles up to minutes while the link is cut.
   */
  ask(...args: string[]): Promise<unknown> {
    // Asked on behalf of whatever command needed an address: never inside that caller's trace.
    return detached(() => this.redis.call('SENTINEL', ...args)).catch((error: unknown) => {
      if (error instanceof Error && /timed out/i.test(error.message) && this.redis.status === 'ready') {
        log('%s: no answer within the socket timeout: reconnecting', this.label);
        this.redis.stream?.destroy();
      }
      throw error;
    });
  }

  /**
   * Closes the connection at once (no reconnect); resolves once the socket is gone. Commands
   * queued between reconnects (the subscription, questions) fail at once, not at their timeout.
   */
  close(): Promise<void> {
    this.removeAllListeners();
    return disconnectNow(this.redis, new Error('Connection is closed.'));
  }
}
