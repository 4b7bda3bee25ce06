/**
 * redis-sentinel-pool: the public surface. Everything a user imports comes from here (or from
 * `redis-sentinel-pool/testing` for the local test topology).
 */

export type { Address, SentinelAddressInput } from './address.js';
export { DEFAULT_SENTINEL_PORT } from './address.js';
export type { AllowedHosts, NatMap } from './address-policy.js';
export type { ManagedClientOptions, ManagedRole } from './client/managed-options.js';
export {
  CommandTimeoutError,
  ConnectionLostError,
  UnblockedError,
  WatchLostError,
} from './command-errors.js';
export type { Batch, BatchResult } from './commands/command-batch.js';
export type { MasterPoolCommands, PoolCommands, ReplicaPoolCommands } from './commands/pool-commands.js';
export type { ReplicationPosition } from './consistency/position.js';
export type { Session } from './consistency/session.js';
export type { SessionMaster, SessionReplica } from './consistency/session-commands.js';
export * from './errors.js';
export type * from './events.js';
export { classifyReplyError, type ReplyErrorAction } from './failure-classification.js';
export {
  CHANNELS,
  type DiscoverContext,
  type FailoverMessage,
  type MasterChangedMessage,
  type ObservedKind,
  type ReactionMessage,
  type SessionReadMessage,
  type WriteLeaseMessage,
} from './observability/channels.js';
export type {
  BalanceStrategy,
  CoalesceWrites,
  CommonPoolOptions,
  MasterPoolOptions,
  PoolOptions,
  ReplicaPoolOptions,
  SentinelOptions,
  SessionOptions,
  WaitForReplicas,
} from './options.js';
export { DEFAULTS } from './options.js';
export type { MasterPool } from './pool/master-pool.js';
export type { ReplicaPool } from './pool/replica-pool.js';
export { Sentinel } from './sentinel.js';
export type { ReplicaInfo, Topology } from './topology.js';
