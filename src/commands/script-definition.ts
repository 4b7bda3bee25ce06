/** A Lua command for `defineCommand()`, and when two definitions are the same script (pure). */

/** A Lua command for defineCommand(), as ioredis takes it. */
export interface ScriptDefinition {
  lua: string;
  numberOfKeys?: number;
  readOnly?: boolean;
}

/**
 * Whether two definitions run the same script the same way: defining it again under its name is
 * then a no-op (rate-limiter-flexible defines its script once per limiter, on a shared client).
 */
export function isSameScript(a: ScriptDefinition, b: ScriptDefinition): boolean {
  return a.lua === b.lua && a.numberOfKeys === b.numberOfKeys && Boolean(a.readOnly) === Boolean(b.readOnly);
}
