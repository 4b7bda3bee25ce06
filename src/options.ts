/**
 * The options of `new Sentinel(…)`, `masterFor()`/`replicaFor()` and `session()`, with their
 * defaults, each in exactly one place ({@link DEFAULTS} for options, {@link TIMINGS} for the
 * internal timings that are not options). Their validation is in `option-checks.ts`.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { AllowedHosts, NatMap } from './address-policy.js';

/** Options of a {@link Sentinel}. Every field is optional. */
export interface SentinelOptions {
  /**
   * How long to wait for a sentinel's answer before asking the next one (redis-py's
   * `socket_timeout`). Also the command timeout on sentinel connections.
   * @default 1000
   */
  socketTimeout?: number;
  /**
   * How long to wait for a TCP (and TLS) connection to a sentinel.
   * @default the value of `socketTimeout`
   */
  connectTimeout?: number;
  /** ACL user name for sentinels (Redis 6+). */
  sentinelUsername?: string;
  /** Password for sentinels (`requirepass` on the sentinels). Never logged. */
  sentinelPassword?: string;
  /** TLS to sentinels: `true` for defaults, or Node's `tls.connect` options. @default false */
  sentinelTLS?: boolean | TlsOptions;
  /**
   * Add the sentinels that `SENTINEL SENTINELS` and `+sentinel` report to the list the client
   * asks (seeds stay first).
   * @default true
   */
  updateSentinels?: boolean;
  /**
   * Ignore a sentinel that sees fewer than this many other sentinels (redis-py's
   * `min_other_sentinels`): a partitioned sentinel must not steer the client.
   * @default 0
   */
  minOtherSentinels?: number;
  /**
   * How often to ask Sentinel for the whole topology, to repair anything a missed event left
   * stale. Events are the main source; this is the safety net.
   * @default 10000
   */
  refreshInterval?: number;
  /**
   * How long to keep asking sentinels for a new master after the master connection was lost
   * (and, for pools, how long commands wait for a master before they fail).
   * @default 30000
   */
  failoverTimeout?: number;
  /**
   * A write lease, in ms: the master pools (and `redisFor()` master clients) send a command that
   * may write only while a majority of the known sentinels (⌊N/2⌋+1 distinct run ids) confirmed, within the last `writeLeaseMs`, that the
   * address written to is the master (at the newest configuration epoch seen). They are asked
   * every third of a lease, over the connections already held. When the lease lapses (the client
   * is cut off from the sentinels' majority, maybe with the old master), commands are held as in
   * a failover and fail with `WriteLeaseExpiredError` after `failoverTimeout`; commands in flight
   * fail with `ConnectionLostError` (`maybeApplied`). Must be comfortably below Sentinel's
   * `down-after-milliseconds` (an `error` event says when it is not). See docs/split-brain.md.
   * @default undefined (no lease)
   * @example `new Sentinel(sentinels, { writeLeaseMs: 500 })`
   */
  writeLeaseMs?: number;
  /**
   * With `writeLeaseMs`: hold reads on the master pools too while the lease has lapsed. A
   * client cut off with the old master otherwise keeps reading from it, and may read values the
   * majority has since overwritten (a stale read, not a lost write).
   * @default false (only commands that may write are held)
   * @example `new Sentinel(sentinels, { writeLeaseMs: 500, fenceReads: true })`
   */
  fenceReads?: boolean;
  /** Translate addresses announced by Sentinel (behind NAT or Docker): `{ 'ip:port': { host, port } }` or a function. */
  natMap?: NatMap;
  /**
   * Only connect to these hosts (`'10.0.0.5'`, `'10.0.0.5:6379'`) or to addresses the predicate
   * accepts. A sentinel answer outside the set is ignored and reported as an `error` event.
   * @default undefined (any host)
   */
  allowedHosts?: AllowedHosts;
  /** ACL user name for the master and replicas. */
  username?: string;
  /** Password for the master and replicas (`requirepass`). Never logged. */
  password?: string;
  /** Database index for data connections. @default 0 */
  db?: number;
  /** TLS to the master and replicas: `true` for defaults, or Node's `tls.connect` options. @default false */
  tls?: boolean | TlsOptions;
  /**
   * How long a command may wait for its answer before it rejects: nothing can hang forever. A
   * command in flight rejects between this and an eighth more (its deadline is kept in ticks of
   * one timer per connection, not read off the clock for every command).
   * @default 5000
   */
  commandTimeout?: number;
}

/** Options both `masterFor()` and `replicaFor()` take. */
export interface CommonPoolOptions {
  /** Connections shared by ordinary commands. More rarely helps: one connection pipelines. @default 1 */
  poolSize?: number;
  /**
   * Resend a write whose connection died before it was answered (at-least-once: it may then run
   * twice). Off, such a write rejects with ConnectionLostError (`maybeApplied: true`).
   * @default false
   */
  retryWrites?: boolean;
  /** At most this many dedicated connections (withConnection/acquire) at once. @default 10 */
  maxDedicatedConnections?: number;
  /** How long `acquire()` waits for a dedicated connection before PoolTimeoutError. @default 5000 */
  acquireTimeout?: number;
  /**
   * How a pool connection gathers socket writes (see docs/options.md):
   * - `'adaptive'`: a command leaves at once while few are in flight on its connection (fewer
   *   than a floor of 8, or than a third of the last burst of commands); from there, the
   *   commands of one event-loop tick leave in one write. With 4 to 7 in flight, each connection
   *   tries a floor of 4 in short trials and moves to it if it writes more commands per ms on
   *   this machine.
   * - `true`: the writes of every tick leave together, even a lone command's (it waits for the
   *   end of the tick).
   * - `false`: one write per command, as plain ioredis.
   * @default 'adaptive'
   */
  coalesceWrites?: CoalesceWrites;
}

/** How a pool connection gathers socket writes: see {@link CommonPoolOptions.coalesceWrites}. */
export type CoalesceWrites = boolean | 'adaptive';

/**
 * Options of `masterFor()`. `balance` and `fallbackToMaster` are {@link ReplicaPoolOptions}: the
 * types refuse them here, and so does `masterFor()`.
 * @example
 * ```ts
 * sentinel.masterFor('mymaster', { poolSize: 2, waitForReplicas: { replicas: 1, timeoutMs: 100 } });
 * ```
 */
export interface MasterPoolOptions extends CommonPoolOptions {
  /**
   * A write resolves only once `WAIT` confirms it on `replicas` replicas within `timeoutMs`
   * (else ReplicationTimeoutError; the write is on the master). Writes of one tick share one
   * WAIT.
   * @default undefined (writes resolve when the master acknowledges them)
   */
  waitForReplicas?: WaitForReplicas;
}

/**
 * Options of `replicaFor()`. `waitForReplicas` is a {@link MasterPoolOptions} option: the types
 * refuse it here, and so does `replicaFor()`.
 * @example
 * ```ts
 * sentinel.replicaFor('mymaster', { balance: 'least-latency', fallbackToMaster: false });
 * ```
 */
export interface ReplicaPoolOptions extends CommonPoolOptions {
  /** How to spread reads over healthy replicas. @default 'round-robin' */
  balance?: BalanceStrategy;
  /** Read from the master when no replica is usable (as redis-py does). @default true */
  fallbackToMaster?: boolean;
}

/**
 * Every pool option at once.
 * @deprecated Use {@link MasterPoolOptions} for `masterFor()` and {@link ReplicaPoolOptions} for
 *   `replicaFor()`: each refuses the options of the other.
 */
export interface PoolOptions extends MasterPoolOptions, ReplicaPoolOptions {}

/** `waitForReplicas`: how many replicas must confirm a write, and how long to wait for them. */
export interface WaitForReplicas {
  /** Replicas that must have the write (an integer >= 1). */
  replicas: number;
  /** How long WAIT waits for them, in milliseconds (an integer >= 1: `WAIT … 0` blocks forever). */
  timeoutMs: number;
}

/** Options of `sentinel.session(name, options)`. */
export interface SessionOptions {
  /**
   * How long a session read may look for a replica that has the session's writes before it
   * reads from the master (or fails, with `fallbackToMaster: false`). A deadline whatever the
   * replicas do: a frozen or slow replica does not hold the read past it, so a read takes at most
   * about `timeoutMs` plus one master round trip.
   * @default 100
   */
  timeoutMs?: number;
  /** Start from another session's position (its `token`): see its writes too. */
  after?: string;
  /** After `timeoutMs`, read from the master instead of failing with ConsistencyTimeoutError. @default true */
  fallbackToMaster?: boolean;
  /** Make the session's writes durable, as the masterFor() option of the same name. */
  waitForReplicas?: WaitForReplicas;
}

/** How a replica pool picks a replica for a read. */
export type BalanceStrategy = 'round-robin' | 'random' | 'least-latency';

/** The defaults of every option, in one place. */
export const DEFAULTS = {
  socketTimeout: 1000,
  updateSentinels: true,
  minOtherSentinels: 0,
  refreshInterval: 10_000,
  failoverTimeout: 30_000,
  fenceReads: false,
  commandTimeout: 5000,
  db: 0,
  poolSize: 1,
  retryWrites: false,
  maxDedicatedConnections: 10,
  acquireTimeout: 5000,
  coalesceWrites: 'adaptive',
  balance: 'round-robin',
  fallbackToMaster: true,
  sessionTimeout: 100,
} as const;

/** Internal timings: not options, and not part of the public API. */
export const TIMINGS = {
  /** While a failover is suspected, how often all sentinels are asked for the master. */
  fastPollInterval: 50,
  /** Sentinel connections reconnect with exponential backoff up to this delay. */
  maxReconnectDelay: 2000,
  /** How long a replica read waits for a replica connection before it falls back. */
  replicaWait: 1000,
  /**
   * A sentinel learned from SENTINEL SENTINELS is dropped after this many answers in a row that
   * did not list it, each while it was unreachable (sentinel-retirement.ts). At the default
   * refreshInterval, half a minute.
   */
  learnedSentinelAbsences: 3,
} as const;

/**
 * Upper bounds of numeric options. Not defaults: values past them are mistakes that would
 * otherwise misbehave quietly.
 */
export const LIMITS = {
  /**
   * The longest delay Node's timers take (2^31 - 1 ms, ~24.8 days): a larger one fires after
   * 1 ms, with only a TimeoutOverflowWarning, so `commandTimeout: 3e9` would time out every
   * command at once.
   */
  maxMilliseconds: 2_147_483_647,
  /** Shared connections per pool (per replica for replicaFor): each is a socket opened at once. */
  maxPoolSize: 1000,
  /** Dedicated connections per pool; Redis's default `maxclients` is 10000. */
  maxDedicatedConnections: 10_000,
  /** Redis keeps the database index in a C int. */
  maxDb: 2_147_483_647,
} as const;

/** Options after validation, with every default filled in. */
export interface NormalizedSentinelOptions {
  socketTimeout: number;
  connectTimeout: number;
  sentinelUsername: string | undefined;
  sentinelPassword: string | undefined;
  sentinelTLS: TlsOptions | undefined;
  updateSentinels: boolean;
  minOtherSentinels: number;
  refreshInterval: number;
  failoverTimeout: number;
  writeLeaseMs: number | undefined;
  fenceReads: boolean;
  natMap: NatMap | undefined;
  allowedHosts: AllowedHosts | undefined;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: TlsOptions | undefined;
  commandTimeout: number;
}

/** Pool options after validation (a master pool's `balance` and `fallbackToMaster` are defaults). */
export type NormalizedPoolOptions = Required<ReplicaPoolOptions> & {
  waitForReplicas: WaitForReplicas | undefined;
};
