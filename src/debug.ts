/**
 * Debug logging: `DEBUG=redis-sentinel-pool:*`. Lines say why something happened; anything that
 * could be a credential is redacted before it is formatted.
 */
import { inspect } from 'node:util';
import createDebug from 'debug';

/** Root namespace of every debug line of this library. */
export const DEBUG_NAMESPACE = 'redis-sentinel-pool';

/** Returns a logger for one area, e.g. `debugFor('discovery')`. */
export function debugFor(area: string): createDebug.Debugger {
  return createDebug(`${DEBUG_NAMESPACE}:${area}`);
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

/**
 * Passwords given to this library. ioredis logs every command it writes under its own debug
 * namespace, `HELLO 3 AUTH <user> <password>` included, so `DEBUG=*` would print them. Our
 * `debug` range takes the version every ioredis 6 release pins, so npm installs one copy (one
 * shared module instance; test/integration/package.test.ts checks it), and we redact every
 * known secret from every formatted line, ours and ioredis's alike.
 */
const secrets = new Set<string>();
let isRedacting = false;

/** Redacts every registered secret from a string. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/** Registers a credential so that no debug line (ours or ioredis's) ever shows it. */
export function registerSecret(secret: string | undefined): void {
  if (!secret) return;
  secrets.add(secret);
  if (isRedacting) return;
  isRedacting = true;
  const formatArgs = createDebug.formatArgs;
  createDebug.formatArgs = function redactingFormatArgs(this: createDebug.Debugger, args: unknown[]) {
    formatArgs.call(this, args);
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      args[i] = redactSecrets(typeof arg === 'string' ? arg : inspect(arg));
    }
  };
}
