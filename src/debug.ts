/**
 * Debug logging: `DEBUG=redis-sentinel-pool:*`. Lines say why something happened; long values are
 * truncated and anything that could be a credential is redacted before it is formatted.
 */
import createDebug from 'debug';

/** Root namespace of every debug line of this library. */
export const DEBUG_NAMESPACE = 'redis-sentinel-pool';

const MAX_LENGTH = 200;

/** Returns a logger for one area, e.g. `debugFor('discovery')`. */
export function debugFor(area: string): createDebug.Debugger {
  return createDebug(`${DEBUG_NAMESPACE}:${area}`);
}

/** Shortens a value for a log line. */
export function truncate(value: string, max = MAX_LENGTH): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} chars)`;
}

const SECRET_KEYS = /pass(word)?|secret|token|auth|credential|key/i;

/**
 * Copies an options-like object with every secret-looking field replaced, for logging.
 * `AUTH`/`HELLO … AUTH` arguments are never logged by this library in the first place.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.test(k) && v !== undefined ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
