/**
 * Describing and checking values a user handed in, for error messages that say what was wrong
 * without ever echoing a secret. Pure.
 */

/** An object literal (or class instance), not an array, Map, Date or other built-in. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Object]'
  );
}

/**
 * A short description of a value for an error message (never the value of a secret): strings
 * quoted and cut at 40 characters; a function or symbol by its type only (a function's text can
 * be long, a symbol's description anything).
 */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  return `${typeof value} ${String(value)}`;
}
