/**
 * `eventually`: wait on a condition, not a sleep (the go-redis `Eventually` habit). Used by the
 * kit itself and by tests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TopologyError } from '../errors.js';

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /**
   * How long to keep trying, in milliseconds. An attempt still running at the deadline is not
   * waited for: `eventually` rejects at the deadline.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Pause between two attempts, in milliseconds (a poll interval, not a synchronization).
   * @default 50
   */
  intervalMs?: number;
  /**
   * What is being waited for, for the error message, e.g. `'replica 127.0.0.1:7001 is in sync'`.
   * @default 'condition'
   */
  message?: string;
  /**
   * Stops waiting when aborted: `eventually` then rejects with a {@link TopologyError} at once.
   * @default undefined (only the deadline stops it)
   */
  signal?: AbortSignal;
}

/** Defaults of {@link EventuallyOptions}. */
export const EVENTUALLY_DEFAULTS = { timeoutMs: 10_000, intervalMs: 50, message: 'condition' } as const;

const DEADLINE = Symbol('deadline');
const ABORTED = Symbol('aborted');

/** Settles with the promise's value, or DEADLINE after `ms`, or ABORTED when `signal` aborts. */
function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<T | typeof DEADLINE | typeof ABORTED> {
  if (signal?.aborted) return Promise.resolve(ABORTED);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<typeof DEADLINE | typeof ABORTED>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE), Math.max(0, ms));
    onAbort = () => resolve(ABORTED);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, stop]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Calls `fn` until it succeeds, and returns what it returned. An attempt **succeeds** when `fn`
 * returns (or resolves) without throwing and its value is not `false`; so both styles work:
 * `eventually(() => assert.equal(x, 1))` and `eventually(() => x === 1)`. Any other value,
 * including `undefined`, `0` and `null`, counts as success.
 *
 * Attempts run one at a time, `intervalMs` apart. At the deadline it rejects with a
 * {@link TopologyError} naming `message`, the attempt count and the last failure (as `cause`).
 *
 * @example
 * ```ts
 * const role = await eventually(async () => {
 *   const [role] = (await client.role()) as [string];
 *   assert.equal(role, 'slave');
 *   return role;
 * }, { timeoutMs: 15_000, message: 'old master became a replica' });
 * ```
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, false>> {
  const timeoutMs = options.timeoutMs ?? EVENTUALLY_DEFAULTS.timeoutMs;
  const intervalMs = options.intervalMs ?? EVENTUALLY_DEFAULTS.intervalMs;
  const message = options.message ?? EVENTUALLY_DEFAULTS.message;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('never attempted');
  let attempts = 0;
  const { signal } = options;
  for (;;) {
    attempts++;
    try {
      const value = await settleWithin(Promise.resolve().then(fn), deadline - Date.now(), signal);
      if (value === ABORTED) break;
      if (value === DEADLINE) {
        lastError = new Error(`attempt ${attempts} was still running at the deadline`);
        break;
      }
      if (value !== false) return value as Exclude<T, false>;
      lastError = new Error('returned false');
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    if ((await settleWithin(sleep(Math.min(intervalMs, remaining)), remaining, signal)) === ABORTED) break;
  }
  if (signal?.aborted) {
    throw new TopologyError(`${message}: aborted after ${attempts} attempts`, { cause: signal.reason });
  }
  throw new TopologyError(
    `${message}: not met within ${timeoutMs} ms (${attempts} attempts); last: ${describe(lastError)}`,
    { cause: lastError },
  );
}
