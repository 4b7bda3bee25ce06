/**
 * Which async context (what `AsyncLocalStorage` sees, and so every OpenTelemetry context manager)
 * the library's work runs in:
 *
 * - A command that waits (a pool job held during a failover, a managed client's command in
 *   ioredis's offline queue) is sent later from whatever event released it. It captures its
 *   caller's context when it is queued, and is sent in it, so that tracing files it under the
 *   request that issued it. Only commands that wait pay for this: one sent at once runs in its
 *   caller's context anyway.
 * - The library's own commands (SENTINEL questions, connects with their ROLE check, CLIENT
 *   SETNAME and HELLO, WAIT for group commit, ROLE probes for sessions) run in no caller's
 *   context: a connection opened lazily by the first command would otherwise carry that
 *   request's context for its whole life, and every later question inherit it.
 *
 * "No caller's context" is the context this module was loaded in: imports are evaluated at
 * startup, outside any request. `AsyncResource` works with any context manager built on
 * async_hooks or AsyncLocalStorage, so the library needs no tracing API.
 */
import { AsyncResource } from 'node:async_hooks';

const detachedScope = new AsyncResource('redis-sentinel-pool');

/** Runs `fn` now, in no caller's context (see the module comment). */
export function detached<T>(fn: () => T): T {
  return detachedScope.runInAsyncScope(fn);
}

/** The caller's context, captured now, for work it queues: `scope.runInAsyncScope(fn)` later. */
export function callerScope(): AsyncResource {
  return new AsyncResource('redis-sentinel-pool:queued');
}
