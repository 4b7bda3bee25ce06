/**
 * The clients the downstream bench hands to BullMQ, connect-redis, rate-limiter-flexible and the
 * socket.io adapter, each as its documentation says: this library's `sentinel.redisFor()`, and
 * ioredis in Sentinel mode with its defaults and with `failoverDetector: true`. A factory keeps
 * every client it made, so that a run can close them all, whatever state they are in.
 */
import { Redis } from 'ioredis';
import { Sentinel } from '../../src/index.js';
import type { NodeAddress } from '../../src/testing/index.js';
import type { ClientFor } from '../../test/helpers/downstream/workload.js';
import { withTimeout } from './clock.js';

export const DOWNSTREAM_CLIENTS = ['redis-sentinel-pool', 'ioredis', 'ioredis-failover-detector'] as const;
export type DownstreamClient = (typeof DOWNSTREAM_CLIENTS)[number];

/** How each client is built, for the report. */
export const DOWNSTREAM_CLIENT_LABELS: Record<DownstreamClient, string> = {
  'redis-sentinel-pool': 'redis-sentinel-pool: `sentinel.redisFor(name)`, defaults',
  ioredis: 'ioredis 6: `new Redis({ sentinels, name })`, defaults',
  'ioredis-failover-detector': 'ioredis 6: the same with `failoverDetector: true`',
};

/** A client factory for one run, and how to close everything it made. */
export interface ClientSet {
  clientFor: ClientFor;
  /** Quits every client (disconnects those that do not quit within `ms`). */
  close(ms: number): Promise<void>;
}

/** Makes the factory of `kind` for a topology's sentinels. */
export function clientSet(kind: DownstreamClient, sentinels: NodeAddress[], name: string): ClientSet {
  if (kind === 'redis-sentinel-pool') {
    const sentinel = new Sentinel(sentinels);
    sentinel.on('error', () => {});
    return {
      clientFor: (options) => sentinel.redisFor(name, options),
      close: (ms) => withTimeout(sentinel.quit(), ms, 'quit').catch(() => sentinel.disconnect()),
    };
  }
  const made: Redis[] = [];
  return {
    clientFor: (options) => {
      const redis = new Redis({
        sentinels,
        name,
        ...(kind === 'ioredis-failover-detector' ? { failoverDetector: true } : {}),
        ...options,
      });
      redis.on('error', () => {});
      made.push(redis);
      return redis;
    },
    close: async (ms) => {
      await Promise.all(made.map((r) => withTimeout(r.quit(), ms, 'quit').catch(() => r.disconnect())));
    },
  };
}
