/**
 * The typed command methods of pools and batches (`get`, `set`, `hgetallBuffer`, `call`, …),
 * generated from `@ioredis/commands`, the table ioredis generates its own methods from, with
 * ioredis's `RedisCommander` type merged into the classes for the signatures.
 *
 * Why not subclass ioredis's command base class: it is not exported (only reachable through an
 * internal path), and a pool is not one connection. Each generated method hands the call to the
 * pool, which sends it on an ioredis connection as the `Command` the same-named ioredis method
 * would make (pool/job.ts): ioredis still flattens the arguments and transforms the replies
 * (HGETALL → object) exactly as for a plain client.
 *
 * Arguments are checked first ({@link checkCommandArguments}): one ioredis cannot turn into a
 * string (an object with no prototype, a `toString` that throws) breaks ioredis 6 midway, after it
 * has armed the command's timer (which later throws "this.reject is not a function" from a
 * timer: an uncaught exception) and, in a pipeline, after the commands before it were queued for
 * replies that never come, so that every later reply on that shared connection goes to the wrong
 * command. Symbols, functions, plain objects and nested arrays ioredis would send as `Symbol(x)`,
 * function source, `[object Object]` or `a,b`: never what was meant.
 */
import { SentinelConfigError } from '../errors.js';
import { COMMAND_NAMES } from './command-info.js';

type Callback = (error: Error | null, result?: unknown) => void;

/** What a generated method does with arguments that {@link checkCommandArguments} refuses. */
export type BadArgumentsMode = 'throw' | 'reject';

/** Settles a Node-style callback if the last argument is one (ioredis's callback form). */
function withCallback(result: Promise<unknown>, callback: Callback | undefined): Promise<unknown> {
  if (callback)
    result.then(
      (value) => callback(null, value),
      (error: Error) => callback(error),
    );
  return result;
}

/** Every method name to generate: each command, its Buffer variant, and call/callBuffer. */
export function commandMethodNames(): string[] {
  const names = ['call', 'callBuffer'];
  for (const command of COMMAND_NAMES) names.push(command, `${command}Buffer`);
  return names;
}

/**
 * Commands whose one object or Map argument ioredis spreads into field-value pairs (its argument
 * transformers), and at which position: `mset({ a: 1 })`, `hset('h', { f: 'v' })`.
 */
const SPREAD_AT: Readonly<Record<string, number>> = { mset: 0, msetnx: 0, hset: 1, hmset: 1 };

interface Labelled {
  value: unknown;
  label: string;
}

/** The arguments as ioredis will see them: arrays flattened one level, objects spread where it does. */
function asSent(command: string, args: readonly unknown[]): Labelled[] {
  const flat: Labelled[] = [];
  for (const [i, arg] of args.entries()) {
    if (Array.isArray(arg)) {
      for (const [j, value] of arg.entries()) flat.push({ value, label: `argument ${i + 1}[${j}]` });
    } else flat.push({ value: arg, label: `argument ${i + 1}` });
  }
  const at = Object.hasOwn(SPREAD_AT, command) ? SPREAD_AT[command] : undefined;
  const spread = at !== undefined && flat.length === at + 1 ? flat[at]! : undefined;
  if (spread && typeof spread.value === 'object' && spread.value !== null) {
    const pairs =
      spread.value instanceof Map ? [...spread.value].flat() : Object.entries(spread.value).flat();
    flat.splice(at!, 1, ...pairs.map((value) => ({ value, label: `a field or value of ${spread.label}` })));
  }
  return flat;
}

/** What is wrong with one argument as ioredis would send it, or undefined if nothing. */
function problemWith(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'symbol':
      return 'is a symbol';
    case 'function':
      return 'is a function (only the last argument may be a callback)';
  }
  if (value === null || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) return 'is an array inside an array (ioredis flattens one level only)';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return 'is a typed array or ArrayBuffer that is not a Buffer: wrap it with Buffer.from()';
  }
  let text: string;
  try {
    text = String(value);
  } catch {
    return 'is an object that cannot be converted to a string';
  }
  return text.startsWith('[object ')
    ? `is an object, which would be sent as "${text.slice(0, 40)}"`
    : undefined;
}

/** Whether every argument is a string or a number (a loop: no callback made per command). */
function areStringsOrNumbers(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const type = typeof args[i];
    if (type !== 'string' && type !== 'number') return false;
  }
  return true;
}

/**
 * Checks the arguments of a command method before anything reaches ioredis; `method` is the
 * method name (`set`, `getBuffer`, `call`). Returns the error to fail the call with, or undefined.
 * Accepted, as ioredis sends them: strings, Buffers, numbers, bigints, booleans, null and
 * undefined (sent as ""), objects with their own `toString` (a Date), arrays of those one level
 * deep, and an object or Map of those for mset, msetnx, hset and hmset.
 */
export function checkCommandArguments(
  method: string,
  args: readonly unknown[],
): SentinelConfigError | undefined {
  let command: string;
  let rest: readonly unknown[];
  if (method === 'call' || method === 'callBuffer') {
    const name = args[0];
    if (typeof name !== 'string' || name.length === 0) {
      return new SentinelConfigError(
        `${method}(): the first argument must be the command name, a non-empty string, got ${
          name === ''
            ? 'an empty string'
            : name === null
              ? 'null'
              : Array.isArray(name)
                ? 'an array'
                : typeof name
        }`,
      );
    }
    if (name in Object.prototype) {
      // ioredis 6 looks command names up in plain objects (its argument and reply transformers):
      // call('valueOf') runs Object.prototype.valueOf as a transformer, and the command then
      // throws "this.reject is not a function" from a timer and from the reply handler.
      return new SentinelConfigError(`${method}(): "${name}" is not a Redis command`);
    }
    command = name;
    rest = args.slice(1);
    if (areStringsOrNumbers(rest)) return undefined;
  } else {
    // The common case, strings and numbers only, costs one pass of typeof (and no name).
    if (areStringsOrNumbers(args)) return undefined;
    command = method.endsWith('Buffer') ? method.slice(0, -6) : method;
    rest = args;
  }
  const what = `"${command.slice(0, 40)}"`;
  let sent: Labelled[];
  try {
    sent = asSent(command, rest);
  } catch (error) {
    // A getter or proxy that throws while its fields are read.
    return new SentinelConfigError(`${what}: an argument could not be read`, { cause: error });
  }
  for (const { value, label } of sent) {
    const problem = problemWith(value);
    if (problem) {
      return new SentinelConfigError(
        `${what}: ${label} ${problem}; command arguments are strings, Buffers or numbers`,
      );
    }
  }
  return undefined;
}

const COMMAND_METHODS: ReadonlySet<string> = new Set(commandMethodNames());

/** Whether `name` is one of the generated command methods (`set`, `getBuffer`, `call` …). */
export function isCommandMethod(name: string): boolean {
  return COMMAND_METHODS.has(name);
}

/**
 * Checks one command given to `pool.pipeline(commands)` or `pool.multi(commands)` as
 * `[method, ...args]`, which no generated method has seen. `isMethod` also accepts the pool's
 * own Lua commands (defineCommand). Returns the error to fail the batch with, or undefined.
 */
export function checkRecordedCommand(
  entry: unknown,
  isMethod: (name: string) => boolean = (name) => COMMAND_METHODS.has(name),
): SentinelConfigError | undefined {
  const method = Array.isArray(entry) ? entry[0] : undefined;
  if (typeof method !== 'string' || !isMethod(method)) {
    return new SentinelConfigError(
      `a pipeline or transaction command must be [method, ...args] with a command method name such as 'set', got ${
        Array.isArray(entry)
          ? typeof method === 'string'
            ? JSON.stringify(method.slice(0, 40))
            : typeof method
          : typeof entry
      }`,
    );
  }
  return checkCommandArguments(method, (entry as unknown[]).slice(1));
}

/**
 * Installs `method(...args)` on a prototype for every command, calling `target(method, args)`.
 * Methods the class defines itself (quit, multi, pipeline, …) are kept. Arguments that
 * {@link checkCommandArguments} refuses never reach `target`: the method throws the
 * SentinelConfigError (`'throw'`, for builders such as a batch, whose methods return the batch)
 * or returns it rejected, and hands it to a callback (`'reject'`, for methods that return a
 * promise).
 */
export function installCommandMethods(
  prototype: object,
  target: (self: never, method: string, args: unknown[]) => unknown,
  badArguments: BadArgumentsMode = 'throw',
): void {
  for (const method of commandMethodNames()) {
    if (method in prototype) continue;
    Object.defineProperty(prototype, method, {
      configurable: true,
      writable: true,
      value: function (this: never, ...args: unknown[]) {
        const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as Callback) : undefined;
        const refused = checkCommandArguments(method, args);
        if (refused) {
          if (badArguments === 'throw') throw refused;
          return withCallback(Promise.reject(refused), callback);
        }
        const result = target(this, method, args);
        return result instanceof Promise ? withCallback(result, callback) : result;
      },
    });
  }
}
