/**
 * A pool is not an ioredis client, and must never pass for one, nor for an options object.
 * Libraries that want a client tell one by duck typing: BullMQ takes anything with `connect`,
 * `disconnect` and `duplicate` functions for a client, and anything else for ioredis options,
 * which it passed to `new IORedis(...)`: handed a pool, it silently connected to
 * 127.0.0.1:6379. Pools therefore have these members, and each throws a SentinelConfigError that
 * says what to use instead.
 */
import { SentinelConfigError } from '../errors.js';

/** The error of a client-only member (`duplicate()`, `connect()`, `options`) used on a pool. */
export function notAClient(label: string, name: string, member: string): SentinelConfigError {
  return new SentinelConfigError(
    `${label} is a pool, not an ioredis client (${member} was used): give a library that wants an ioredis client sentinel.redisFor("${name}")`,
  );
}
