/**
 * The seam between ioredis and discovery: an ioredis `Connector` that asks where to connect on
 * every connect and reconnect, so that a connection follows the master by reconnecting.
 *
 * ioredis ends a client for good when `connect()` rejects, so a failed resolution is turned
 * into a socket that is already destroyed: ioredis then runs its ordinary retry path.
 */
import { connect as netConnect, Socket } from 'node:net';
import { type ConnectionOptions as TlsOptions, connect as tlsConnect } from 'node:tls';
import { AbstractConnector, Redis, type RedisOptions } from 'ioredis';
import type { Address } from '../address.js';
import { detached } from '../async-scope.js';

/**
 * ioredis's options for a pool connection, with `tls` as Node's `tls.connect` options: what the
 * Sentinel's `tls` option parses to, and what this connector connects with. ioredis 6.1 widened
 * its own `tls` to also take a TLS profile name (`'RedisCloudFixed'`), which a pool never passes.
 */
export type PoolRedisOptions = Omit<RedisOptions, 'tls'> & { tls?: TlsOptions | undefined };

/** Where to connect now; rejects when no address is known (the connection retries). */
export type AddressResolver = () => Promise<Address>;

/** What a connector reports to the connection that owns it. */
export interface ConnectorHooks {
  resolve: AddressResolver;
  /** Called with the address a socket was opened to. */
  connected(address: Address, socket: Socket): void;
  /** Called when resolving failed; the connection will retry. */
  failed(error: Error): void;
}

type NetStream = ReturnType<typeof netConnect>;

/** An ioredis connector class bound to one connection's hooks (ioredis instantiates it). */
export function connectorFor(
  hooks: ConnectorHooks,
  tls: TlsOptions | undefined,
): new () => AbstractConnector {
  return class PoolConnector extends AbstractConnector {
    constructor() {
      // The graceful disconnect timeout; we destroy sockets ourselves when moving.
      super(2000);
    }

    /**
     * ioredis's graceful disconnect ends the socket and arms a 2 s timer that only the socket's
     * 'close' clears: on a socket we already destroyed (moving off a server) that timer would
     * outlive the connection. Nothing to end then.
     */
    override disconnect(): void {
      if (!this.stream || this.stream.destroyed) {
        this.connecting = false;
        return;
      }
      super.disconnect();
    }

    override async connect(): Promise<NetStream> {
      this.connecting = true;
      let address: Address;
      try {
        address = await hooks.resolve();
      } catch (error) {
        hooks.failed(error as Error);
        const dead = new Socket();
        dead.destroy();
        this.stream = dead;
        return dead;
      }
      if (!this.connecting) {
        // disconnect() was called while we resolved.
        const dead = new Socket();
        dead.destroy();
        return dead;
      }
      const socket = tls
        ? tlsConnect({ ...tls, host: address.host, port: address.port })
        : netConnect({ host: address.host, port: address.port });
      // Kept for the socket's life: ioredis listens with once(), and a TLS socket can emit a
      // second error (an alert after a failed handshake) that would otherwise crash the process.
      socket.on('error', (error) => {
        this.firstError = error;
      });
      this.stream = socket;
      hooks.connected(address, socket);
      return socket;
    }
  };
}

/**
 * ioredis 6.1 registers for Smart Client Handoff notifications on RESP3 connections by default,
 * and would then move a connection to the endpoint a `MOVING` notification names, past this
 * connector and its ROLE check. Where a connection goes is Sentinel's to say. (A variable, not
 * a literal: ioredis 6.0's types do not know the option, and 6.0 ignores it.)
 */
export const NO_CLIENT_HANDOFF = { maintNotifications: 'disabled' } as const;

/** Backoff between reconnects: the first at once (a switch must not wait), then growing. */
function retryDelay(attempt: number): number {
  return attempt <= 1 ? 0 : Math.min(10 * 2 ** attempt, 1000);
}

/**
 * The ioredis client of one pool connection: dialed through `hooks`, it reconnects for ever
 * (the pool decides when to give up), never resends an unanswered command (the connection fails
 * them instead: resending could apply a write twice) and, unless dedicated, refuses commands
 * while it is not connected (the pool queues them itself). `clientOptions` are a managed
 * client's per-client ioredis options (`keyPrefix`, `maxRetriesPerRequest`, …).
 *
 * Its ready check is the connection's ROLE check (`verifyBeforeReady` in ioredis-internals.ts):
 * ioredis is not `ready`, and flushes no queued command, before the role is confirmed.
 *
 * Every connect, the first (in the constructor) and each reconnect, runs in no caller's async
 * context (async-scope.ts): the socket, and the handshake, ROLE check and reconnects that follow
 * from its events, are the library's, not the request's that happened to open the connection.
 */
export function createClient(
  hooks: ConnectorHooks,
  redisOptions: PoolRedisOptions,
  isDedicated: boolean,
  clientOptions: RedisOptions = {},
): Redis {
  const redis = detached(
    () =>
      new Redis({
        ...redisOptions,
        ...NO_CLIENT_HANDOFF,
        lazyConnect: false,
        enableOfflineQueue: isDedicated,
        maxRetriesPerRequest: null,
        // A managed client's own choices (checked by client/managed-options.ts: never where or
        // how to connect, nor whether to resend).
        ...clientOptions,
        // Command deadlines are the connection's (command-timeouts.ts): one timer per
        // connection, where ioredis's commandTimeout arms and clears one per command.
        commandTimeout: undefined,
        Connector: connectorFor(hooks, redisOptions.tls),
        autoResendUnfulfilledCommands: false,
        retryStrategy: retryDelay,
        // The ROLE check replaces ioredis's INFO (the connection installs it).
        enableReadyCheck: true,
      }),
  );
  const connect = redis.connect;
  redis.connect = function (this: Redis, callback?: Parameters<Redis['connect']>[0]) {
    return detached(() => connect.call(this, callback));
  };
  return redis;
}
