/**
 * What makes an ioredis client handed out by this library stay managed:
 *
 * - `duplicate()`: ioredis builds `new Redis({ ...this.options, ...override })`, which copies the
 *   connector, whose hooks belong to the original connection (the copy then overwrote the
 *   original's socket, and the original lost 905 of 1,036 writes in a failover). Replaced on the
 *   instance by one that asks the Sentinel for another managed client of the same group and role.
 * - `defineCommand()`: defining the same script under the same name again is a no-op (libraries
 *   such as rate-limiter-flexible define theirs once per instance on a shared client); a
 *   different script under a taken name throws, where ioredis would silently replace the first.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { isSameScript, type ScriptDefinition } from '../commands/script-definition.js';
import type { ConnectionFactory, PoolConnectionOptions } from '../connector/connection-spec.js';
import { PoolConnection } from '../connector/pool-connection.js';
import type { ExpectedRole } from '../connector/role.js';
import { SentinelConfigError } from '../errors.js';
import type { CoalesceWrites } from '../options.js';

/** Makes another managed client like this one, with `override` applied to its options. */
export type DuplicateManaged = (override?: Partial<RedisOptions>) => Redis;

/** Replaces `duplicate()` and guards `defineCommand()` on `redis` (see the module comment). */
export function manageRedis(redis: Redis, duplicate: DuplicateManaged): void {
  Object.defineProperty(redis, 'duplicate', { value: duplicate, configurable: true, writable: true });
  // Scripts given as the `scripts` option were defined by ioredis's constructor.
  const defined = new Map<string, ScriptDefinition>(Object.entries(redis.options.scripts ?? {}));
  const define = redis.defineCommand;
  const guarded = function (this: Redis, name: string, definition: ScriptDefinition): void {
    const previous = defined.get(name);
    if (previous && isSameScript(previous, definition)) return;
    if (previous || name in redis) {
      throw new SentinelConfigError(
        `defineCommand: "${name}" is already ${previous ? 'defined with another script' : 'a method of the client'}`,
      );
    }
    define.call(redis, name, definition);
    defined.set(name, { ...definition });
  };
  Object.defineProperty(redis, 'defineCommand', { value: guarded, configurable: true, writable: true });
}

/** The data connections' options the Sentinel owns (credentials, db, TLS, timeouts). */
export type OwnedRedisOptions = Pick<
  PoolConnectionOptions['redisOptions'],
  'username' | 'password' | 'db' | 'tls' | 'commandTimeout' | 'connectTimeout'
>;

/**
 * Builds the connections of pools and managed clients: each one's ioredis client stays managed
 * (`duplicate` makes another managed client of the same role, with the override applied).
 */
export function managedConnectionFactory(
  owned: OwnedRedisOptions,
  coalesceWrites: CoalesceWrites,
  clientOptions: RedisOptions | undefined,
  duplicate: (role: ExpectedRole, override: Partial<RedisOptions> | undefined) => Redis,
): ConnectionFactory {
  return (spec) => {
    const connection = new PoolConnection({
      ...spec,
      coalesceWrites,
      redisOptions: { ...owned },
      clientOptions,
    });
    // No path gives an unmanaged copy: ioredis's duplicate() would share this connector.
    manageRedis(connection.redis, (override) => duplicate(spec.role, override));
    return connection;
  };
}
