/**
 * Options of `new Sentinel(…)`, their defaults (each in exactly one place: {@link DEFAULTS}) and
 * their validation. `normalizeOptions` checks types and ranges, fills in defaults, throws a
 * SentinelConfigError that names the bad option, and registers passwords for log redaction.
 *
 * Only `undefined` means "the default". `null` is refused like any other wrong type (the types
 * do not allow it), for every option alike: a config value that went missing is reported, not
 * quietly replaced. Messages describe a bad value by its type or a short quote, and never quote a
 * password.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { registerSecret } from './debug.js';
import {
  type AllowedHosts,
  checkAllowedHosts,
  checkNatMap,
  isPlainObject,
  type NatMap,
} from './discovery/address-policy.js';
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
  const value = options[key] === undefined ? fallback : options[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > LIMITS.maxMilliseconds) {
    throw new SentinelConfigError(
      `option ${key} must be a positive number of milliseconds, at most ${LIMITS.maxMilliseconds}, got ${describe(value)}`,
    );
  }
  return value;
}

function integerOption(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[key] === undefined ? fallback : options[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new SentinelConfigError(`option ${key} must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

function checkObject(input: unknown, what: string): Record<string, unknown> {
  if (input === undefined) return {};
  if (!isPlainObject(input))
    throw new SentinelConfigError(`${what} must be an object, got ${describe(input)}`);
  return input;
}

function checkKeys(options: Record<string, unknown>, known: ReadonlySet<string>, what: string): void {
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    const near = closestName(key, known);
    throw new SentinelConfigError(
      `unknown ${what} ${describe(key)}${near ? ` (did you mean "${near}"?)` : ''}`,
    );
  }
}

/** The known name a typo most likely meant: same letters in another case, or 1-2 edits away. */
function closestName(key: string, known: ReadonlySet<string>): string | undefined {
  if (key.length > 40) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(name, key);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** `true` → `{}`, `false`/absent → undefined, an object → itself; anything else is refused. */
function tlsOption(options: Record<string, unknown>, key: string): TlsOptions | undefined {
  const value = options[key];
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (!isPlainObject(value)) {
    // The type only: a string here may well be a PEM private key.
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new SentinelConfigError(
      `option ${key} must be a boolean or TLS options ({ ca, cert, key, … }), got ${got}`,
    );
  }
  return value as TlsOptions;
}

function optionalString(options: Record<string, unknown>, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    // Never echo the value: it may be a credential.
    throw new SentinelConfigError(
      `option ${key} must be a string, got ${value === null ? 'null' : typeof value}`,
    );
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
  const options = checkObject(input, 'options');
  checkKeys(
    options,
    extraKeys.size > 0 ? new Set([...KNOWN_OPTIONS, ...extraKeys]) : KNOWN_OPTIONS,
    'option',
  );
  const socketTimeout = positiveNumber(options, 'socketTimeout', DEFAULTS.socketTimeout);
  const updateSentinels =
    options.updateSentinels === undefined ? DEFAULTS.updateSentinels : options.updateSentinels;
  if (typeof updateSentinels !== 'boolean') {
    throw new SentinelConfigError(
      `option updateSentinels must be a boolean, got ${describe(updateSentinels)}`,
    );
  }
  const minOtherSentinels = integerOption(
    options,
    'minOtherSentinels',
    DEFAULTS.minOtherSentinels,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const natMap = checkNatMap(options.natMap);
  const allowedHosts = checkAllowedHosts(options.allowedHosts);
  const db = integerOption(options, 'db', DEFAULTS.db, 0, LIMITS.maxDb);
  const password = optionalString(options, 'password');
  const sentinelPassword = optionalString(options, 'sentinelPassword');
  registerSecret(password);
  registerSecret(sentinelPassword);
  return {
    username: optionalString(options, 'username'),
    password,
    db,
    tls: tlsOption(options, 'tls'),
    commandTimeout: positiveNumber(options, 'commandTimeout', DEFAULTS.commandTimeout),
    socketTimeout,
    connectTimeout: positiveNumber(options, 'connectTimeout', socketTimeout),
    sentinelUsername: optionalString(options, 'sentinelUsername'),
    sentinelPassword,
    sentinelTLS: tlsOption(options, 'sentinelTLS'),
    updateSentinels,
    minOtherSentinels,
    refreshInterval: positiveNumber(options, 'refreshInterval', DEFAULTS.refreshInterval),
    failoverTimeout: positiveNumber(options, 'failoverTimeout', DEFAULTS.failoverTimeout),
    natMap,
    allowedHosts,
  };
}

const BALANCE_STRATEGIES: readonly BalanceStrategy[] = ['round-robin', 'random', 'least-latency'];

function booleanOption(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = options[key] === undefined ? fallback : options[key];
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
  const options = checkObject(input, 'pool options');
  checkKeys(options, POOL_OPTIONS, 'pool option');
  const balance = options.balance === undefined ? DEFAULTS.balance : options.balance;
  if (!BALANCE_STRATEGIES.includes(balance as BalanceStrategy)) {
    throw new SentinelConfigError(
      `option balance must be one of ${BALANCE_STRATEGIES.map((b) => `"${b}"`).join(', ')}, got ${describe(balance)}`,
    );
  }
  return {
    poolSize: integerOption(options, 'poolSize', DEFAULTS.poolSize, 1, LIMITS.maxPoolSize),
    retryWrites: booleanOption(options, 'retryWrites', DEFAULTS.retryWrites),
    maxDedicatedConnections: integerOption(
      options,
      'maxDedicatedConnections',
      DEFAULTS.maxDedicatedConnections,
      1,
      LIMITS.maxDedicatedConnections,
    ),
    acquireTimeout: positiveNumber(options, 'acquireTimeout', DEFAULTS.acquireTimeout),
    coalesceWrites: booleanOption(options, 'coalesceWrites', DEFAULTS.coalesceWrites),
    balance: balance as BalanceStrategy,
    fallbackToMaster: booleanOption(options, 'fallbackToMaster', DEFAULTS.fallbackToMaster),
    waitForReplicas: waitForReplicasOption(options.waitForReplicas),
  };
}

const WAIT_FOR_REPLICAS_KEYS = new Set(['replicas', 'timeoutMs']);

function waitForReplicasOption(value: unknown): NormalizedPoolOptions['waitForReplicas'] {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw new SentinelConfigError(
      `option waitForReplicas must be { replicas, timeoutMs }, got ${describe(value)}`,
    );
  }
  checkKeys(value, WAIT_FOR_REPLICAS_KEYS, 'option waitForReplicas field');
  const { replicas, timeoutMs } = value;
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 1) {
    throw new SentinelConfigError(
      `option waitForReplicas.replicas must be an integer >= 1, got ${describe(replicas)}`,
    );
  }
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isInteger(timeoutMs) ||
    timeoutMs < 1 ||
    timeoutMs > LIMITS.maxMilliseconds
  ) {
    // WAIT with timeout 0 blocks forever: never send it.
    throw new SentinelConfigError(
      `option waitForReplicas.timeoutMs must be an integer from 1 to ${LIMITS.maxMilliseconds} (0 would block forever), got ${describe(timeoutMs)}`,
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
  const options = checkObject(input, 'session options');
  checkKeys(options, SESSION_OPTIONS, 'session option');
  return {
    timeoutMs: positiveNumber(options, 'timeoutMs', DEFAULTS.sessionTimeout),
    after: options.after,
    fallbackToMaster: booleanOption(options, 'fallbackToMaster', DEFAULTS.fallbackToMaster),
    waitForReplicas: waitForReplicasOption(options.waitForReplicas),
  };
}
