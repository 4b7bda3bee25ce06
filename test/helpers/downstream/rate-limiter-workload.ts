/**
 * rate-limiter-flexible 11 as a downstream workload: two `RateLimiterRedis` on one client (each
 * defines its Lua script on it), each consuming one point after another for one user. Counted on
 * the final master: the stored points against the acknowledged ones.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { BoundedLoop } from '../bounded-loop.js';
import { withNode } from '../node-client.js';
import { lossAllowance, type Switch } from './disruption.js';
import { tally, type Workload } from './workload.js';

/** What the final master holds for one limiter. */
export interface LimiterCount {
  /** Points whose `consume()` resolved. */
  consumed: number;
  /** The points the final master holds. */
  stored: number;
  /** `consume()` calls that rejected, by kind (such a point may or may not be counted). */
  consumeErrors: Record<string, number>;
  /** Acknowledged points missing on the final master. */
  lost: number;
  /** Points counted beyond every call made (a command applied twice). */
  countedTwice: number;
  /** How many the failover may take: 0 after a graceful one (see `lossAllowance`). */
  lossAllowance: number;
}

const LIMITERS = ['a', 'b'] as const;

/** See the module comment. `storeClient` is a managed client, a pool or plain ioredis. */
export class RateLimiterWorkload implements Workload<LimiterCount[]> {
  readonly prefix: string;
  readonly #consumers: BoundedLoop[];

  constructor(storeClient: unknown, label = 'rl') {
    this.prefix = `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    this.#consumers = LIMITERS.map((id) => {
      const limiter = new RateLimiterRedis({
        storeClient,
        keyPrefix: `${this.prefix}-${id}`,
        points: 1e9,
        duration: 600,
      });
      return new BoundedLoop(() => limiter.consume('user', 1));
    });
  }

  /** The least acknowledged of the two limiters. */
  acknowledged(): number {
    return Math.min(...this.#consumers.map((c) => c.resolved.length));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#consumers.map((c) => c.stop()));
  }

  async count(sw: Switch): Promise<LimiterCount[]> {
    return Promise.all(
      LIMITERS.map(async (id, i) => {
        const { resolved, resolvedAt, errors } = this.#consumers[i]!;
        const stored = Number(await withNode(sw.to, (c) => c.get(`${this.prefix}-${id}:user`)));
        return {
          consumed: resolved.length,
          stored,
          consumeErrors: tally(errors),
          lost: Math.max(0, resolved.length - stored),
          countedTwice: Math.max(0, stored - resolved.length - errors.length),
          lossAllowance: lossAllowance(sw, resolvedAt),
        };
      }),
    );
  }

  close(): Promise<void> {
    return this.stop();
  }
}
