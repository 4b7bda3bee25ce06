/**
 * Validation of options (pure): `normalizeOptions` and its siblings check types and ranges, fill
 * in defaults and throw a SentinelConfigError that names the bad option.
 *
 * Only `undefined` means "the default". `null` is refused like any other wrong type (the types
 * do not allow it), for every option alike: a config value that went missing is reported, not
 * quietly replaced. Messages describe a bad value by its type or a short quote, and never quote a
 * password.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { checkAllowedHosts, checkNatMap } from './address-policy.js';
import { closestName } from './did-you-mean.js';
import { SentinelConfigError } from './errors.js';
import {
  type BalanceStrategy,
  DEFAULTS,
  LIMITS,
  type NormalizedPoolOptions,
  type NormalizedSentinelOptions,
  type WaitForReplicas,
} from './options.js';
import { describe, isPlainObject } from './values.js';

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
  'writeLeaseMs',
  'fenceReads',
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

/** Validates the options of `new Sentinel()` and fills in defaults. */
export function normalizeOptions(input: unknown): NormalizedSentinelOptions {
  const options = checkObject(input, 'options');
  checkKeys(options, KNOWN_OPTIONS, 'option');
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
    writeLeaseMs: options.writeLeaseMs === undefined ? undefined : writeLeaseOption(options),
    fenceReads: booleanOption(options, 'fenceReads', DEFAULTS.fenceReads),
    natMap,
    allowedHosts,
  };
}

/** At least 30 ms: a third of it is the interval of the confirmations and their timeout. */
function writeLeaseOption(options: Record<string, unknown>): number {
  const value = positiveNumber(options, 'writeLeaseMs', 1);
  if (value < 30) {
    throw new SentinelConfigError(`Option writeLeaseMs must be at least 30 (ms), got ${value}`);
  }
  return value;
}

const BALANCE_STRATEGIES: readonly BalanceStrategy[] = ['round-robin', 'random', 'least-latency'];

function booleanOption(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = options[key] === undefined ? fallback : options[key];
  if (typeof value !== 'boolean')
    throw new SentinelConfigError(`option ${key} must be a boolean, got ${describe(value)}`);
  return value;
}

function coalesceOption(value: unknown): boolean | 'adaptive' {
  if (value === undefined) return DEFAULTS.coalesceWrites;
  if (typeof value === 'boolean' || value === 'adaptive') return value;
  throw new SentinelConfigError(
    `option coalesceWrites must be 'adaptive', true or false, got ${describe(value)}`,
  );
}

const COMMON_POOL_OPTIONS = [
  'poolSize',
  'retryWrites',
  'maxDedicatedConnections',
  'acquireTimeout',
  'coalesceWrites',
] as const;

/** Which pool takes which options (MasterPoolOptions, ReplicaPoolOptions). */
const POOL_OPTIONS: Readonly<Record<PoolKind, ReadonlySet<string>>> = {
  master: new Set([...COMMON_POOL_OPTIONS, 'waitForReplicas']),
  replica: new Set([...COMMON_POOL_OPTIONS, 'balance', 'fallbackToMaster']),
};

const ALL_POOL_OPTIONS: ReadonlySet<string> = new Set([...POOL_OPTIONS.master, ...POOL_OPTIONS.replica]);

/** Why an option of one kind of pool means nothing to the other, by option. */
const BELONGS_ELSEWHERE: Readonly<Record<string, string>> = {
  balance:
    'option balance is for replicaFor(), not masterFor(): a master pool sends every command to the master',
  fallbackToMaster:
    'option fallbackToMaster is for replicaFor(), not masterFor(): a master pool reads from the master already',
  waitForReplicas:
    'option waitForReplicas is for masterFor() and session(), not replicaFor(): replicas take no writes',
};

/** The kind of pool options are checked for: `masterFor()` or `replicaFor()`. */
export type PoolKind = 'master' | 'replica';

/**
 * Validates the options of masterFor() (`kind` 'master') or replicaFor() ('replica') and fills
 * in defaults. An option of the other kind of pool is refused, saying where it belongs, unless
 * it is undefined (a shared options object may carry it unset).
 */
export function normalizePoolOptions(input: unknown, kind: PoolKind): NormalizedPoolOptions {
  const options = checkObject(input, 'pool options');
  for (const key of Object.keys(options)) {
    const elsewhere = Object.hasOwn(BELONGS_ELSEWHERE, key) && !POOL_OPTIONS[kind].has(key);
    if (elsewhere && options[key] !== undefined) throw new SentinelConfigError(BELONGS_ELSEWHERE[key]!);
  }
  checkKeys(options, ALL_POOL_OPTIONS, 'pool option');
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
    coalesceWrites: coalesceOption(options.coalesceWrites),
    balance: balance as BalanceStrategy,
    fallbackToMaster: booleanOption(options, 'fallbackToMaster', DEFAULTS.fallbackToMaster),
    waitForReplicas: waitForReplicasOption(options.waitForReplicas),
  };
}

const WAIT_FOR_REPLICAS_KEYS = new Set(['replicas', 'timeoutMs']);

function waitForReplicasOption(value: unknown): WaitForReplicas | undefined {
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
  waitForReplicas: WaitForReplicas | undefined;
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

/**
 * One token of `sentinel monitor <name> …`: no white space, no control characters, and no lone
 * surrogate (it cannot be sent as UTF-8, so the sentinel would be asked about another name).
 */
const NAME_PATTERN = /^[^\s\p{Cc}\p{Cs}]{1,200}$/u;

/** Checks a master group name (`sentinel monitor <name> …`). */
export function checkMasterName(name: unknown): string {
  if (typeof name !== 'string' || name.length > 200 || !NAME_PATTERN.test(name)) {
    throw new SentinelConfigError(
      `master name must be a non-empty string without spaces or control characters, of at most 200 characters, as in "sentinel monitor <name> …", got ${
        typeof name === 'string'
          ? JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name)
          : typeof name
      }`,
    );
  }
  return name;
}
