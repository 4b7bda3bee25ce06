/** What a pool asks of the connections it is given, and how the composition root makes them. */

import type { RedisOptions } from 'ioredis';
import type { CoalesceWrites } from '../options.js';
import type { PoolConnection } from './pool-connection.js';
import type { AddressResolver, PoolRedisOptions } from './pool-connector.js';
import type { ExpectedRole } from './role.js';

/** How a pool connection is made. */
export interface PoolConnectionOptions {
  role: ExpectedRole;
  /** Where to connect now (asked on every connect). */
  resolve: AddressResolver;
  /** ioredis options for data connections (credentials, db, TLS, timeouts). */
  redisOptions: PoolRedisOptions;
  /**
   * Lent to one borrower (`acquire()`), who sends commands on it directly. It keeps commands
   * issued while it reconnects (ioredis's offline queue) instead of refusing them, leaves
   * blocking commands untimed, survives a command timeout (it may hold a transaction or
   * subscriptions) and keeps the database its borrower SELECTed.
   */
  isDedicated: boolean;
  /** Coalesce the socket writes of one event-loop tick into one. */
  coalesceWrites: CoalesceWrites;
  /** A label for logs: `master mymaster`. */
  label: string;
  /** A managed client's own ioredis options (`sentinel.redisFor()`), applied over the pool's. */
  clientOptions?: RedisOptions | undefined;
}

/** What a pool asks of the factory that builds its connections. */
export interface ConnectionSpec {
  role: ExpectedRole;
  resolve: AddressResolver;
  /** Lent to one borrower: see {@link PoolConnectionOptions.isDedicated}. */
  isDedicated: boolean;
  label: string;
}

/** Builds connections for pools (the composition root owns the ioredis options). */
export type ConnectionFactory = (spec: ConnectionSpec) => PoolConnection;
