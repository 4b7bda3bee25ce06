/**
 * The Lua commands of one pool (`defineCommand`): checked once, defined on every connection of
 * the pool, present and future, and callable as methods of the pool.
 */
import { checkCommandArguments, isCommandMethod } from '../commands/command-methods.js';
import { isSameScript, type ScriptDefinition } from '../commands/script-definition.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { SentinelConfigError } from '../errors.js';

/** The scripts of one pool, by name. */
export class PoolScripts {
  private readonly scripts = new Map<string, ScriptDefinition>();

  /**
   * Records `definition` under `name`. Returns false when that same script is defined again
   * (nothing to do: rate limiters define theirs per instance).
   * @throws SentinelConfigError when the name is taken (`isTaken`, or another script) or the
   *   definition has no Lua.
   */
  add(name: string, definition: ScriptDefinition, isTaken: (name: string) => boolean): boolean {
    const defined = this.scripts.get(name);
    if (defined && typeof definition?.lua === 'string' && isSameScript(defined, definition)) return false;
    if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name) || isTaken(name)) {
      throw new SentinelConfigError(`defineCommand: "${String(name)}" is not a free method name of the pool`);
    }
    if (typeof definition?.lua !== 'string')
      throw new SentinelConfigError('defineCommand: definition.lua must be a string');
    this.scripts.set(name, { ...definition });
    return true;
  }

  /** The script of that name, if any. */
  get(name: string): ScriptDefinition | undefined {
    return this.scripts.get(name);
  }

  /** A method name a batch given as an array may use: a command, or a script. */
  readonly isBatchMethod = (name: string): boolean =>
    isCommandMethod(name) || this.scripts.has(name.endsWith('Buffer') ? name.slice(0, -6) : name);

  /** Defines every script on a connection. */
  defineOn(connection: PoolConnection): void {
    for (const [name, definition] of this.scripts) connection.redis.defineCommand(name, definition);
  }
}

/** Installs `name` and `nameBuffer` on `target`, sending through `send` after the usual checks. */
export function installScriptMethods(
  target: object,
  name: string,
  send: (method: string, args: unknown[]) => Promise<unknown>,
): void {
  for (const method of [name, `${name}Buffer`]) {
    Object.defineProperty(target, method, {
      value: (...args: unknown[]) => {
        // A trailing callback is ioredis's to handle, not an argument.
        const sent = typeof args.at(-1) === 'function' ? args.slice(0, -1) : args;
        const refused = checkCommandArguments(method, sent);
        return refused ? Promise.reject(refused) : send(method, args);
      },
    });
  }
}
