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

/**
 * `compute` memoized by command name as given (any case): the command path asks for every
 * command, and then pays one map lookup. Bounded, so that names made up at run time (`call()`
 * with anything) cannot grow it without end.
 */
function byName<T>(compute: (name: string) => T): (name: string) => T {
  const cache = new Map<string, T>();
  return (name) => {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const value = compute(name);
    if (cache.size < 2000) cache.set(name, value);
    return value;
  };
}

/**
 * A command's kind by name (any case), or `'by-arguments'` for the commands whose kind depends on
 * their arguments (XREAD and XREADGROUP block only with BLOCK): see {@link classifyCommand}.
 */
export const kindByName: (name: string) => CommandKind | 'by-arguments' = byName(
  (name): CommandKind | 'by-arguments' => {
    const command = name.toLowerCase();
    return BLOCKS_ONLY_WITH_ARGUMENT.has(command) ? 'by-arguments' : classifyUncached(command, []);
  },
);

/** Classifies a command by name (any case) and arguments. Unknown commands count as writes. */
export function classifyCommand(name: string, args: readonly unknown[] = []): CommandKind {
  const kind = kindByName(name);
  return kind === 'by-arguments' ? classifyUncached(name.toLowerCase(), args) : kind;
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

/** Whether a command is flagged `write` (what a replica refuses). Scripts are not: the server decides. */
export const isFlaggedWrite: (name: string) => boolean = byName((name) => {
  const command = name.toLowerCase();
  return exists(command) && hasFlag(command, 'write');
});

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
