/**
 * The options of `sentinel.redisFor(name, options)`: which ioredis options a managed client takes
 * as its own, and which the Sentinel owns (where to connect, how to authenticate, how to
 * reconnect and what to resend). Pure.
 */
import type { RedisOptions } from 'ioredis';
import { SentinelConfigError } from '../errors.js';

/**
 * ioredis options the Sentinel decides for every managed client, each with the reason given when
 * a caller passes it. A managed client connects where discovery says, with the Sentinel's
 * credentials and TLS, reconnects at once after a failover and never resends a command that may
 * have been applied.
 */
const OWNED_OPTIONS = {
  host: 'the address comes from the sentinels',
  port: 'the address comes from the sentinels',
  path: 'the address comes from the sentinels',
  family: 'the address comes from the sentinels',
  url: 'the address comes from the sentinels',
  sentinels: 'give the sentinels to new Sentinel()',
  name: 'the master group is the first argument of redisFor()',
  sentinelUsername: 'set it on new Sentinel()',
  sentinelPassword: 'set it on new Sentinel()',
  sentinelTLS: 'set it on new Sentinel()',
  sentinelRetryStrategy: 'the Sentinel asks the sentinels itself',
  sentinelReconnectStrategy: 'the Sentinel asks the sentinels itself',
  sentinelCommandTimeout: 'set socketTimeout on new Sentinel()',
  sentinelMaxConnections: 'the Sentinel asks the sentinels itself',
  enableTLSForSentinelMode: 'set tls on new Sentinel()',
  updateSentinels: 'the Sentinel learns the sentinels itself',
  natMap: 'set it on new Sentinel()',
  preferredSlaves: 'the Sentinel picks the replica',
  failoverDetector: 'the Sentinel follows failovers itself',
  Connector: 'the Sentinel connects the client',
  tls: 'set it on new Sentinel()',
  username: 'set it on new Sentinel()',
  password: 'set it on new Sentinel()',
  retryStrategy: 'the client reconnects to the current master at once',
  reconnectOnError: 'the Sentinel reconnects on READONLY itself; ioredis would resend the command',
  autoResendUnfulfilledCommands:
    'a command in flight may have been applied: it fails with ConnectionLostError',
  enableReadyCheck: 'the client checks ROLE on every connect instead',
  maintNotifications: 'where the client connects is for the sentinels to say',
  readOnly: 'use role: "replica"',
} as const satisfies Readonly<Record<string, string>>;

/** The ioredis options a managed client refuses (see {@link OWNED_OPTIONS}). */
export type SentinelOwnedOption = keyof typeof OWNED_OPTIONS;

/** The role of a managed client. */
export type ManagedRole = 'master' | 'replica';

/**
 * Options of `sentinel.redisFor()`: the ioredis options that make sense per client
 * (`maxRetriesPerRequest`, `keyPrefix`, `connectionName`, `enableOfflineQueue`,
 * `commandTimeout`, `db`, …), and the role. The Sentinel owns the others (host, port,
 * sentinels, credentials, TLS, reconnecting): passing one throws a SentinelConfigError.
 */
export interface ManagedClientOptions extends Omit<RedisOptions, SentinelOwnedOption | 'role'> {
  /**
   * Follow the master, or connect to one of the healthy replicas (for reads).
   * @default 'master'
   */
  role?: ManagedRole;
}

/** What {@link checkManagedOptions} returns: the role, and the options ioredis gets. */
export interface CheckedManagedOptions {
  role: ManagedRole;
  clientOptions: RedisOptions;
}

/**
 * Checks the options of `redisFor()` (or an override given to `duplicate()`).
 * @throws SentinelConfigError naming an option the Sentinel owns, or a bad role.
 */
export function checkManagedOptions(options: unknown): CheckedManagedOptions {
  if (options === undefined || options === null) return { role: 'master', clientOptions: {} };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new SentinelConfigError(`redisFor(): options must be an object, got ${typeof options}`);
  }
  const { role = 'master', ...rest } = options as Record<string, unknown>;
  if (role !== 'master' && role !== 'replica') {
    throw new SentinelConfigError(
      `redisFor(): option role must be "master" or "replica", got ${String(role)}`,
    );
  }
  const clientOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    // ioredis's own monitor() duplicates with some keys set to undefined: those mean "unset".
    if (value === undefined) continue;
    const reason = (OWNED_OPTIONS as Readonly<Record<string, string>>)[key];
    if (reason !== undefined) {
      throw new SentinelConfigError(`redisFor(): option ${key} belongs to the Sentinel (${reason})`);
    }
    clientOptions[key] = value;
  }
  return { role, clientOptions: clientOptions as RedisOptions };
}
