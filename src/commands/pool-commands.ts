/**
 * The public types of pools: the typed command methods of ioredis (`RedisCommander`) merged
 * into MasterPool and ReplicaPool (and a session's `master` and `replica`), each with only the
 * commands it runs, so that the types reject what the pools refuse at run time. The methods are
 * installed at run time on PoolBase (pool-base.ts); the name lists are generated
 * (command-names.ts).
 */
import type { RedisCommander } from 'ioredis';
import type { DedicatedCommandName, ReplicaCommandName } from './command-names.js';

/** ioredis's command methods, with promises for replies. */
type Commander = RedisCommander<{ type: 'default' }>;

/** A command's methods: `get` and `getBuffer`. */
type MethodsOf<Command extends string> = Command | `${Command}Buffer`;

/** Names that a pool defines itself rather than taking from ioredis. */
type OwnNames = 'quit' | 'multi' | 'pipeline' | 'exec';

/**
 * The command methods of `masterFor()` and `session.master`: every ioredis command except those
 * that need a connection of their own (BLPOP, SUBSCRIBE, WATCH, SELECT …: run them in
 * `withConnection()`).
 */
export interface MasterPoolCommands extends Omit<Commander, OwnNames | MethodsOf<DedicatedCommandName>> {}

/**
 * The command methods of `replicaFor()` and `session.replica`: the read-only commands (GET,
 * HGETALL, SCAN, EVAL_RO …), probes of the server (PING, INFO, TIME, ROLE), and `call()` for
 * anything else a replica takes (it still refuses commands flagged `write`).
 */
export interface ReplicaPoolCommands
  extends Pick<Commander, Extract<keyof Commander, MethodsOf<ReplicaCommandName> | 'call' | 'callBuffer'>> {}

/**
 * The command methods both kinds of pool have: those of {@link ReplicaPoolCommands}.
 * @deprecated Since masterFor() and replicaFor() have their own types, use
 *   {@link MasterPoolCommands} or {@link ReplicaPoolCommands}.
 */
export type PoolCommands = ReplicaPoolCommands;
