/**
 * One shape for the downstream workloads (BullMQ, connect-redis, rate-limiter-flexible, the
 * socket.io adapter), so that the graceful and SIGKILL tests and bench/downstream.ts drive them
 * the same way: let the load run, fail over, let it run on the new master, stop, count on the
 * final master.
 */
import type { Redis } from 'ioredis';
import { eventually, type LocalTopology } from '../../../src/testing/index.js';
import { type Disruption, disrupt, type Switch, whenCountable } from './disruption.js';

/**
 * Makes a client the way the application under test would: `sentinel.redisFor(name, options)`,
 * or plain ioredis in Sentinel mode. `maxRetriesPerRequest: null` is what BullMQ workers need.
 */
export type ClientFor = (options?: { maxRetriesPerRequest?: null }) => Redis;

/** A load on a downstream library, started by its constructor. */
export interface Workload<R> {
  /** Operations acknowledged so far (added jobs, saved sessions, consumed points, delivered messages). */
  acknowledged(): number;
  /** Stops starting operations; resolves once the last one settled. */
  stop(): Promise<void>;
  /** Counts what the final master `sw.to` holds (call once it is countable). */
  count(sw: Switch): Promise<R>;
  /** Closes the library's objects (queues, servers); idempotent. */
  close(): Promise<void>;
}

/** How much load {@link acrossFailover} wants around the failover. */
export interface AcrossFailoverOptions {
  /** Acknowledged operations before the failover. @default 100 */
  before?: number;
  /** Acknowledged operations after it. @default 100 */
  after?: number;
  /** How long to wait for each, in ms. @default 20_000 */
  progressMs?: number;
}

/** What {@link acrossFailover} observed. */
export interface AcrossFailover<R> {
  sw: Switch;
  result: R;
  /** Whether the load reached `after` acknowledgements after the failover, and again after the demotion. */
  progressed: boolean;
}

/**
 * Runs `workload` across `disruption`: waits for `before` acknowledgements, fails over, waits
 * for `after` more (not failing when they do not come: `progressed` says), waits until the final
 * master is countable (the old one demoted), waits for `after` more again, stops the load and
 * counts on the final master.
 */
export async function acrossFailover<R>(
  topology: LocalTopology,
  disruption: Disruption,
  workload: Workload<R>,
  options: AcrossFailoverOptions = {},
): Promise<AcrossFailover<R>> {
  const { before = 100, after = 100, progressMs = 20_000 } = options;
  try {
    await eventually(() => workload.acknowledged() >= before, {
      timeoutMs: progressMs,
      message: `${before} operations acknowledged before the failover`,
    });
    const sw = await disrupt(topology, disruption);
    const progress = async () => {
      const target = workload.acknowledged() + after;
      return eventually(() => workload.acknowledged() >= target, {
        timeoutMs: progressMs,
        message: `${after} operations acknowledged`,
      }).then(
        () => true,
        () => false,
      );
    };
    const isProgressing = await progress();
    await whenCountable(sw);
    // And on after the demotion: plain ioredis leaves the old master only then.
    const progressed = (await progress()) && isProgressing;
    await workload.stop();
    return { sw, result: await workload.count(sw), progressed };
  } finally {
    await workload.stop();
  }
}

/**
 * Counts errors by kind, for a report: the class name, or for a bare `Error` its message (cut at
 * 40 characters, where addresses start to vary).
 */
export function tally(errors: readonly Error[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const error of errors) {
    const kind = error.name === 'Error' ? error.message.slice(0, 40) : error.name;
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}
