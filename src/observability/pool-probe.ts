/**
 * What the metrics see of a pool, as interfaces: a pool registers itself (observePool in
 * metrics.ts) and carries a `probe` that stays undefined unless an OpenTelemetry SDK is
 * registered, so the command path pays one property read when nobody measures.
 */
import type { Address } from '../address.js';
import type { ObservedKind } from './channels.js';

/** A pool's connections now, for the semantic-convention gauges. */
export interface ConnectionStats {
  /** Open connections not lent to a caller (shared connections and idle dedicated ones). */
  idle: number;
  /** Dedicated connections lent to a caller. */
  used: number;
  /** Commands waiting for a usable connection. */
  pending: number;
}

/** A pool as the metrics see it. */
export interface ObservedPool {
  /** The master group name. */
  readonly name: string;
  readonly kind: ObservedKind;
  /** `masterFor("mymaster")`: the pool's name in `db.client.connection.pool.name`. */
  readonly poolName: string;
  /** Set by the metrics when an SDK is registered; read on the command path. */
  probe: PoolProbe | undefined;
  connectionStats(): ConnectionStats;
  /** The server its commands go to, when there is one (the master of a master pool). */
  currentServer(): Address | undefined;
}

/** What a pool reports to the metrics (only when an SDK is registered). */
export interface PoolProbe {
  /** One command or batch, from its call (`startedAt`, `performance.now()`) until `outcome` settles. */
  operation(
    pool: ObservedPool,
    outcome: Promise<unknown>,
    command: string,
    isWrite: boolean,
    startedAt: number,
  ): void;
  /** A caller asks for a dedicated connection at `startedAt`; `lending` settles when it has one. */
  connectionWait(pool: ObservedPool, startedAt: number, lending: Promise<unknown>): void;
  /** A connection to `address` opened; its attempt started at `startedAt`. */
  connectionCreated(pool: ObservedPool, address: Address, startedAt: number): void;
}
