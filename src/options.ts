/**
 * Options of `new Sentinel(…)`, their defaults (each in exactly one place: {@link DEFAULTS}) and
 * their validation. `normalizeOptions` checks types and ranges, fills in defaults, throws a
 * SentinelConfigError that names the bad option, and registers passwords for log redaction.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { registerSecret } from './debug.js';
import type { AllowedHosts, NatMap } from './discovery/address-policy.js';
import { describe } from './discovery/addresses.js';
import { SentinelConfigError } from './errors.js';

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
   * How long a command may wait for its answer before it rejects: nothing can hang forever.
   * @default 5000
   */
  commandTimeout?: number;
}

/** Options of `masterFor()` and `replicaFor()`. */
export interface PoolOptions {
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
   * Coalesce the socket writes of one event-loop tick into one syscall (cork, uncork on the next
   * tick). bench/command-overhead.ts measured it 1.07× plain ioredis at 50 concurrent callers
   * but 0.52× at 10, so it is off unless you measure a gain for your load.
   * @default false
   */
  coalesceWrites?: boolean;
  /** replicaFor only: how to spread reads over healthy replicas. @default 'round-robin' */
  balance?: BalanceStrategy;
  /** replicaFor only: read from the master when no replica is usable (as redis-py does). @default true */
  fallbackToMaster?: boolean;
  /**
   * masterFor only: a write resolves only once `WAIT` confirms it on `replicas` replicas within
   * `timeoutMs` (else ReplicationTimeoutError; the write is on the master). Writes of one tick
   * share one WAIT.
   * @default undefined (writes resolve when the master acknowledges them)
   */
  waitForReplicas?: { replicas: number; timeoutMs: number };
}

/** Options of `sentinel.session(name, options)`. */
export interface SessionOptions {
  /**
   * How long a session read may look for a replica that has the session's writes before it
   * reads from the master (or fails, with `fallbackToMaster: false`).
   * @default 100
   */
  timeoutMs?: number;
  /** Start from another session's position (its `token`): see its writes too. */
  after?: string;
  /** After `timeoutMs`, read from the master instead of failing with ConsistencyTimeoutError. @default true */
  fallbackToMaster?: boolean;
  /** Make the session's writes durable, as the masterFor() option of the same name. */
  waitForReplicas?: { replicas: number; timeoutMs: number };
}

/** How a replica pool picks a replica for a read. */
export type BalanceStrategy = 'round-robin' | 'random' | 'least-latency';

/** The defaults of {@link SentinelOptions}, in one place. */
export const DEFAULTS = {
  socketTimeout: 1000,
  updateSentinels: true,
  minOtherSentinels: 0,
  refreshInterval: 10_000,
  failoverTimeout: 30_000,
  /** While a failover is suspected, how often all sentinels are asked for the master. */
  fastPollInterval: 50,
  /** Sentinel connections reconnect with exponential backoff up to this delay. */
  maxReconnectDelay: 2000,
  commandTimeout: 5000,
  db: 0,
  poolSize: 1,
  retryWrites: false,
  maxDedicatedConnections: 10,
  acquireTimeout: 5000,
  coalesceWrites: false,
  balance: 'round-robin',
  fallbackToMaster: true,
  /** How long a replica read waits for a replica connection before it falls back. */
  replicaWait: 1000,
  sessionTimeout: 100,
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
  natMap: NatMap | undefined;
  allowedHosts: AllowedHosts | undefined;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: TlsOptions | undefined;
  commandTimeout: number;
}

/** Pool options after validation. */
export type NormalizedPoolOptions = Required<Omit<PoolOptions, 'waitForReplicas'>> & {
  waitForReplicas: { replicas: number; timeoutMs: number } | undefined;
};

const KNOWN_OPTIONS = new Set([
  'socketTimeout',
  'connectTimeout',
  'sentinelUsername',
  'sentinelPassword',
  'sentinelTLS',
  'updateSentinels',
  'minOtherSentinels',
  'refreshInterval',
  'failoverTimeout',
  'natMap',
  'allowedHosts',
  'username',
  'password',
  'db',
  'tls',
  'commandTimeout',
]);

function positiveNumber(options: Record<string, unknown>, key: string, fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new SentinelConfigError(
      `option ${key} must be a positive number of milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

function optionalString(options: Record<string, unknown>, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    // Never echo the value: it may be a credential.
    throw new SentinelConfigError(`option ${key} must be a string, got ${typeof value}`);
  }
  return value;
}

/**
 * Validates options and fills in defaults. `extraKeys` are options that other layers own (pool
 * options given to the same constructor) and that this function must not reject as unknown.
 */
export function normalizeOptions(
  input: unknown,
  extraKeys: ReadonlySet<string> = new Set(),
): NormalizedSentinelOptions {
  if (input === undefined) input = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SentinelConfigError(`options must be an object, got ${describe(input)}`);
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key) && !extraKeys.has(key)) {
      throw new SentinelConfigError(`unknown option "${key}"`);
    }
  }
  const socketTimeout = positiveNumber(options, 'socketTimeout', DEFAULTS.socketTimeout);
  const tls = options.sentinelTLS;
  if (tls !== undefined && typeof tls !== 'boolean' && (tls === null || typeof tls !== 'object')) {
    throw new SentinelConfigError(
      `option sentinelTLS must be a boolean or TLS options, got ${describe(tls)}`,
    );
  }
  const updateSentinels = options.updateSentinels ?? DEFAULTS.updateSentinels;
  if (typeof updateSentinels !== 'boolean') {
    throw new SentinelConfigError(
      `option updateSentinels must be a boolean, got ${describe(updateSentinels)}`,
    );
  }
  const minOtherSentinels = options.minOtherSentinels ?? DEFAULTS.minOtherSentinels;
  if (
    typeof minOtherSentinels !== 'number' ||
    !Number.isInteger(minOtherSentinels) ||
    minOtherSentinels < 0
  ) {
    throw new SentinelConfigError(
      `option minOtherSentinels must be an integer >= 0, got ${describe(minOtherSentinels)}`,
    );
  }
  const natMap = options.natMap;
  if (
    natMap !== undefined &&
    typeof natMap !== 'function' &&
    (natMap === null || typeof natMap !== 'object')
  ) {
    throw new SentinelConfigError(`option natMap must be an object or a function, got ${describe(natMap)}`);
  }
  const allowedHosts = options.allowedHosts;
  if (
    allowedHosts !== undefined &&
    typeof allowedHosts !== 'function' &&
    !(Array.isArray(allowedHosts) && allowedHosts.every((h) => typeof h === 'string'))
  ) {
    throw new SentinelConfigError(
      `option allowedHosts must be an array of host strings or a function, got ${describe(allowedHosts)}`,
    );
  }
  const db = options.db ?? DEFAULTS.db;
  if (typeof db !== 'number' || !Number.isInteger(db) || db < 0) {
    throw new SentinelConfigError(`option db must be an integer >= 0, got ${describe(db)}`);
  }
  const dataTls = options.tls;
  if (
    dataTls !== undefined &&
    typeof dataTls !== 'boolean' &&
    (dataTls === null || typeof dataTls !== 'object')
  ) {
    throw new SentinelConfigError(`option tls must be a boolean or TLS options, got ${describe(dataTls)}`);
  }
  const password = optionalString(options, 'password');
  const sentinelPassword = optionalString(options, 'sentinelPassword');
  registerSecret(password);
  registerSecret(sentinelPassword);
  return {
    username: optionalString(options, 'username'),
    password,
    db,
    tls:
      dataTls === true
        ? {}
        : dataTls === false || dataTls === undefined
          ? undefined
          : (dataTls as TlsOptions),
    commandTimeout: positiveNumber(options, 'commandTimeout', DEFAULTS.commandTimeout),
    socketTimeout,
    connectTimeout: positiveNumber(options, 'connectTimeout', socketTimeout),
    sentinelUsername: optionalString(options, 'sentinelUsername'),
    sentinelPassword,
    sentinelTLS: tls === true ? {} : tls === false || tls === undefined ? undefined : (tls as TlsOptions),
    updateSentinels,
    minOtherSentinels,
    refreshInterval: positiveNumber(options, 'refreshInterval', DEFAULTS.refreshInterval),
    failoverTimeout: positiveNumber(options, 'failoverTimeout', DEFAULTS.failoverTimeout),
    natMap: natMap as NatMap | undefined,
    allowedHosts: allowedHosts as AllowedHosts | undefined,
  };
}

const BALANCE_STRATEGIES: readonly BalanceStrategy[] = ['round-robin', 'random', 'least-latency'];

function positiveInteger(options: Record<string, unknown>, key: string, fallback: number): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SentinelConfigError(`option ${key} must be an integer >= 1, got ${describe(value)}`);
  }
  return value;
}

function booleanOption(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = options[key] ?? fallback;
  if (typeof value !== 'boolean')
    throw new SentinelConfigError(`option ${key} must be a boolean, got ${describe(value)}`);
  return value;
}

const POOL_OPTIONS = new Set([
  'poolSize',
  'retryWrites',
  'maxDedicatedConnections',
  'acquireTimeout',
  'coalesceWrites',
  'balance',
  'fallbackToMaster',
  'waitForReplicas',
]);

/** Validates the options of masterFor()/replicaFor() and fills in defaults. */
export function normalizePoolOptions(input: unknown): NormalizedPoolOptions {
  if (input === undefined) input = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SentinelConfigError(`pool options must be an object, got ${describe(input)}`);
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!POOL_OPTIONS.has(key)) throw new SentinelConfigError(`unknown pool option "${key}"`);
  }
  const balance = options.balance ?? DEFAULTS.balance;
  if (!BALANCE_STRATEGIES.includes(balance as BalanceStrategy)) {
    throw new SentinelConfigError(
      `option balance must be one of ${BALANCE_STRATEGIES.map((b) => `"${b}"`).join(', ')}, got ${describe(balance)}`,
    );
  }
  return {
    poolSize: positiveInteger(options, 'poolSize', DEFAULTS.poolSize),
    retryWrites: booleanOption(options, 'retryWrites', DEFAULTS.retryWrites),
    maxDedicatedConnections: positiveInteger(
      options,
      'maxDedicatedConnections',
      DEFAULTS.maxDedicatedConnections,
    ),
    acquireTimeout: positiveNumber(options, 'acquireTimeout', DEFAULTS.acquireTimeout),
    coalesceWrites: booleanOption(options, 'coalesceWrites', DEFAULTS.coalesceWrites),
    balance: balance as BalanceStrategy,
    fallbackToMaster: booleanOption(options, 'fallbackToMaster', DEFAULTS.fallbackToMaster),
    waitForReplicas: waitForReplicasOption(options.waitForReplicas),
  };
}

function waitForReplicasOption(value: unknown): NormalizedPoolOptions['waitForReplicas'] {
  if (value === undefined) return undefined;
  const { replicas, timeoutMs } = (value ?? {}) as { replicas?: unknown; timeoutMs?: unknown };
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1) {
    throw new SentinelConfigError(
      `option waitForReplicas.replicas must be an integer >= 1, got ${describe(replicas)}`,
    );
  }
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1) {
    // WAIT with timeout 0 blocks forever: never send it.
    throw new SentinelConfigError(
      `option waitForReplicas.timeoutMs must be an integer >= 1 (0 would block forever), got ${describe(timeoutMs)}`,
    );
  }
  return { replicas, timeoutMs };
}

const SESSION_OPTIONS = new Set(['timeoutMs', 'after', 'fallbackToMaster', 'waitForReplicas']);

/** Validates session options (the token is parsed by the caller). */
export function normalizeSessionOptions(input: unknown): {
  timeoutMs: number;
  after: unknown;
  fallbackToMaster: boolean;
  waitForReplicas: NormalizedPoolOptions['waitForReplicas'];
} {
  if (input === undefined) input = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SentinelConfigError(`session options must be an object, got ${describe(input)}`);
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!SESSION_OPTIONS.has(key)) throw new SentinelConfigError(`unknown session option "${key}"`);
  }
  return {
    timeoutMs: positiveNumber(options, 'timeoutMs', DEFAULTS.sessionTimeout),
    after: options.after,
    fallbackToMaster: booleanOption(options, 'fallbackToMaster', DEFAULTS.fallbackToMaster),
    waitForReplicas: waitForReplicasOption(options.waitForReplicas),
  };
}
