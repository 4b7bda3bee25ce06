/**
 * What a command means for a pool, from the flags in `@ioredis/commands` (the command table
 * ioredis itself is generated from). Pure.
 *
 * - `read`: flagged `readonly`: safe to retry on another server after a lost connection.
 * - `write`: everything else, including EVAL/EVALSHA/FCALL (they carry neither flag, and a
 *   script may write): never resent unless the user opts in.
 * - `dedicated`: changes or blocks the connection it runs on (blocking commands, WATCH, SELECT,
 *   subscriptions, MULTI/EXEC sent by hand, CLIENT …): it needs a connection of its own.
 */
import { exists, hasFlag, list } from '@ioredis/commands';

/** How a pool treats a command. */
export type CommandKind = 'read' | 'write' | 'dedicated';

/** Commands that change connection state, beyond what the flags say. */
const STATEFUL = new Set([
  'watch',
  'unwatch',
  'multi',
  'exec',
  'discard',
  'select',
  'client',
  'auth',
  'hello',
  'reset',
  'quit',
  'monitor',
  'readonly',
  'readwrite',
  'swapdb',
]);

/** XREAD/XREADGROUP carry the `blocking` flag but block only with a BLOCK argument. */
const BLOCKS_ONLY_WITH_ARGUMENT = new Set(['xread', 'xreadgroup']);

function hasBlockArgument(args: readonly unknown[]): boolean {
  return args.some((a) => typeof a === 'string' && a.toUpperCase() === 'BLOCK');
}

/** Kinds by command name, for the commands whose kind does not depend on their arguments. */
const kindCache = new Map<string, CommandKind>();

/** Classifies a command by name (any case) and arguments. Unknown commands count as writes. */
export function classifyCommand(name: string, args: readonly unknown[] = []): CommandKind {
  // The command path runs this for every command: one map lookup in the common case.
  const cached = kindCache.get(name);
  if (cached) return cached;
  const kind = classifyUncached(name.toLowerCase(), args);
  if (!BLOCKS_ONLY_WITH_ARGUMENT.has(name.toLowerCase()) && kindCache.size < 2000) kindCache.set(name, kind);
  return kind;
}

function classifyUncached(command: string, args: readonly unknown[]): CommandKind {
  if (!exists(command)) return 'write';
  if (
    STATEFUL.has(command) ||
    (hasFlag(command, 'pubsub') && command !== 'publish' && command !== 'spublish')
  ) {
    return 'dedicated';
  }
  if (hasFlag(command, 'blocking') && (!BLOCKS_ONLY_WITH_ARGUMENT.has(command) || hasBlockArgument(args))) {
    // WAIT blocks too, but only means something on the connection that wrote: same rule.
    return 'dedicated';
  }
  return hasFlag(command, 'readonly') ? 'read' : 'write';
}

/** Whether a command carries the `blocking` flag (BLPOP, BLMOVE, XREAD, WAIT …). */
export function isFlaggedBlocking(name: string): boolean {
  const command = name.toLowerCase();
  return exists(command) && hasFlag(command, 'blocking');
}

/** Write flags by command name as given, cached like {@link classifyCommand}'s kinds. */
const writeFlagCache = new Map<string, boolean>();

/** Whether a command is flagged `write` (what a replica refuses). Scripts are not: the server decides. */
export function isFlaggedWrite(name: string): boolean {
  // A replica pool asks for every command: one map lookup once a name was seen.
  const cached = writeFlagCache.get(name);
  if (cached !== undefined) return cached;
  const command = name.toLowerCase();
  const isWrite = exists(command) && hasFlag(command, 'write');
  if (writeFlagCache.size < 2000) writeFlagCache.set(name, isWrite);
  return isWrite;
}

/** Every command name ioredis has a method for (lower case), for building the pool's methods. */
export const COMMAND_NAMES: readonly string[] = list;

/** Commands that run a script: its writes before an error reply stay applied. */
const SCRIPT_COMMANDS: ReadonlySet<string> = new Set([
  'eval',
  'evalsha',
  'eval_ro',
  'evalsha_ro',
  'fcall',
  'fcall_ro',
]);

/** Whether a command (lower case) runs a Lua script or function. */
export function isScriptCommand(command: string): boolean {
  return SCRIPT_COMMANDS.has(command);
}

/** The command name a method stands for: `getBuffer` → `get`, `call('GET', …)` → `get`. */
export function commandOf(method: string, args: readonly unknown[]): string {
  if (method === 'call' || method === 'callBuffer') return String(args[0] ?? '').toLowerCase();
  return method.endsWith('Buffer') ? method.slice(0, -6) : method;
}
