/**
 * redis-sentinel-pool: the public surface. Everything a user imports comes from here (or from
 * `redis-sentinel-pool/testing` for the local test topology).
 */

export type { ReplicationPosition } from './consistency/position.js';
export type { Session, SessionMaster, SessionReplica } from './consistency/session.js';
export type { AllowedHosts, NatMap } from './discovery/address-policy.js';
export type { Address, SentinelAddressInput } from './discovery/addresses.js';
export { DEFAULT_SENTINEL_PORT } from './discovery/addresses.js';
export type { ReplicaInfo } from './discovery/sentinel-replies.js';
export type { Topology } from './discovery/topology.js';
export * from './errors.js';
export type * from './events.js';
export type { BalanceStrategy, PoolOptions, SentinelOptions, SessionOptions } from './options.js';
export { DEFAULTS } from './options.js';
export type { Batch, BatchResult } from './pool/command-batch.js';
export type { MasterPool } from './pool/master-pool.js';
export type { PoolCommands } from './pool/pool-api.js';
export type { ReplicaPool } from './pool/replica-pool.js';
export { Sentinel } from './sentinel.js';
