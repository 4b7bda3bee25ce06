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

/** What {@link eventually} resolves with: the value of `fn` without the "not yet" values. */
type Success<T> = Exclude<T, false | null | undefined>;

const UNDEFINED_HINT = ' (a callback of assertions should return true once they hold)';

function isSuccess<T>(value: T): value is Success<T> {
  return value !== false && value !== null && value !== undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Calls `fn` until an attempt succeeds, and returns the value of that attempt.
 *
 * An attempt **succeeds** when `fn` returns (or resolves) without throwing a value that is
 * neither `false`, `null` nor `undefined`. Throwing, or returning one of those three, means "not
 * yet": `eventually` tries again. Every other value is a success, including `0`, `''` and `NaN`
 * (a count of 0 or an empty reply is an answer, not the absence of one). So:
 *
 * - a condition: `eventually(() => replicaCount() === 2)`;
 * - a value that is not there yet: `const event = await eventually(() => events.find(isSwitch))`
 *   resolves with the event, never with `undefined`;
 * - assertions: they throw until they hold, and the callback then returns `true`:
 *   `eventually(() => { assert.equal(x, 1); return true; })`. A callback that returns nothing
 *   never succeeds: at the deadline the error says it returned `undefined`.
 *
 * `undefined` is "not yet" rather than "done" because a lookup (`Map.get`, `Array.find`, `?.`)
 * that comes back empty must not end the wait and leave the caller with a missing value.
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
): Promise<Exclude<T, false | null | undefined>> {
  const timeoutMs = options.timeoutMs ?? EVENTUALLY_DEFAULTS.timeoutMs;
  const intervalMs = options.intervalMs ?? EVENTUALLY_DEFAULTS.intervalMs;
  const message = options.message ?? EVENTUALLY_DEFAULTS.message;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('never attempted');
  let attempts = 0;
  const { signal } = options;
  // An already aborted signal makes no attempt: `fn` may act on something already torn down.
  while (!signal?.aborted) {
    attempts++;
    try {
      const value = await settleWithin(Promise.resolve().then(fn), deadline - Date.now(), signal);
      if (value === ABORTED) break;
      if (value === DEADLINE) {
        lastError = new Error(`attempt ${attempts} was still running at the deadline`);
        break;
      }
      if (isSuccess(value)) return value;
      lastError = new Error(`returned ${String(value)}${value === undefined ? UNDEFINED_HINT : ''}`);
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
