/**
 * The public types of pools: the typed command methods of ioredis (`RedisCommander`) merged
 * into MasterPool and ReplicaPool, minus the names a pool defines itself. The methods are
 * installed at run time on PoolBase (pool-base.ts).
 */
import type { RedisCommander } from 'ioredis';

/** Names that a pool defines itself rather than taking from ioredis. */
type OwnNames = 'quit' | 'multi' | 'pipeline' | 'exec';

/** Every command method of ioredis, as a pool has them (all return promises). */
export interface PoolCommands extends Omit<RedisCommander<{ type: 'default' }>, OwnNames> {}
