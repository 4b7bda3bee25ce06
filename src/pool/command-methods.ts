/**
 * The typed command methods of pools and batches (`get`, `set`, `hgetallBuffer`, `call`, …),
 * generated from `@ioredis/commands`, the table ioredis generates its own methods from, with
 * ioredis's `RedisCommander` type merged into the classes for the signatures.
 *
 * Why not subclass ioredis's command base class: it is not exported (only reachable through an
 * internal path), and a pool is not one connection. Each generated method hands the call to the
 * pool, which calls the same-named method of an ioredis connection: ioredis still flattens the
 * arguments and transforms the replies (HGETALL → object) exactly as for a plain client.
 */
import { COMMAND_NAMES } from './command-info.js';

type Callback = (error: Error | null, result?: unknown) => void;

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
 * Installs `method(...args)` on a prototype for every command, calling `target(method, args)`.
 * Methods the class defines itself (quit, multi, pipeline, …) are kept.
 */
export function installCommandMethods(
  prototype: object,
  target: (self: never, method: string, args: unknown[]) => unknown,
): void {
  for (const method of commandMethodNames()) {
    if (method in prototype) continue;
    Object.defineProperty(prototype, method, {
      configurable: true,
      writable: true,
      value: function (this: never, ...args: unknown[]) {
        const callback = typeof args.at(-1) === 'function' ? (args.pop() as Callback) : undefined;
        const result = target(this, method, args);
        return result instanceof Promise ? withCallback(result, callback) : result;
      },
    });
  }
}
