/**
 * Connections lent to one caller at a time, for what must not share a connection: blocking
 * commands (BLPOP, XREAD BLOCK, WAIT), WATCH/MULTI by hand, SELECT, subscriptions. A bounded
 * set, with a FIFO of waiters and an acquire timeout. A lent connection follows failovers like
 * every other (subscriptions are restored by ioredis on the new server).
 */
import Denque from 'denque';
import type { Redis } from 'ioredis';
import { isLeftChanged } from '../connector/ioredis-internals.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { ClosedError, PoolTimeoutError, SentinelConfigError } from '../errors.js';

interface Waiter {
  resolve(redis: Redis): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** The bounded set of dedicated connections of one pool. */
export class DedicatedConnections {
  private readonly idle: PoolConnection[] = [];
  private readonly lent = new Map<Redis, PoolConnection>();
  private readonly waiters = new Denque<Waiter>();
  private count = 0;
  private isClosed = false;

  constructor(
    private readonly create: () => PoolConnection,
    private readonly max: number,
    private readonly acquireTimeout: number,
    private readonly db: number,
    private readonly label: string,
  ) {}

  /** How many are lent now. */
  get lentCount(): number {
    return this.lent.size;
  }

  /** How many wait, open, for a borrower. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Every dedicated connection, lent or idle. */
  all(): PoolConnection[] {
    return [...this.idle, ...this.lent.values()];
  }

  /** Lends a connection: an idle one, a new one while under the limit, or the next released. */
  async acquire(): Promise<Redis> {
    if (this.isClosed) throw new ClosedError(this.label);
    // One its last borrower ended (quit() answers before the socket is gone) is dropped here.
    for (let idle = this.idle.pop(); idle; idle = this.idle.pop()) {
      if (idle.redis.status !== 'end') return this.lend(idle);
      this.count -= 1;
      void idle.close(false);
    }
    if (this.count < this.max) {
      this.count += 1;
      const connection = this.create();
      try {
        await this.whenOpen(connection);
      } catch (error) {
        this.count -= 1;
        await connection.close(false);
        throw error;
      }
      return this.lend(connection);
    }
    return new Promise<Redis>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.toArray().indexOf(waiter);
        if (index >= 0) this.waiters.removeOne(index);
        reject(this.timeoutError());
      }, this.acquireTimeout);
      const waiter: Waiter = { resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  private timeoutError(): PoolTimeoutError {
    return new PoolTimeoutError(
      `${this.label}: no dedicated connection within ${this.acquireTimeout} ms (all ${this.max} are in use: release them, or raise maxDedicatedConnections)`,
    );
  }

  private whenOpen(connection: PoolConnection): Promise<void> {
    if (connection.state === 'open') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        connection.off('open', onOpen);
        reject(this.timeoutError());
      }, this.acquireTimeout);
      const onOpen = () => {
        clearTimeout(timer);
        resolve();
      };
      connection.once('open', onOpen);
    });
  }

  private lend(connection: PoolConnection): Redis {
    this.lent.set(connection.redis, connection);
    return connection.redis;
  }

  /**
   * Takes a connection back. One left subscribed or on another database, one whose command
   * timed out (its stream may have stopped mid-reply), or one its borrower ended, is closed instead of being reused: the
   * next borrower must find a plain, working connection.
   */
  release(redis: Redis): void {
    const connection = this.lent.get(redis);
    if (!connection)
      throw new SentinelConfigError(`${this.label}: release() got a connection this pool did not lend`);
    this.lent.delete(redis);
    if (
      this.isClosed ||
      isLeftChanged(redis, this.db) ||
      connection.hasTimedOut ||
      connection.state === 'closed' ||
      // The borrower called quit() or disconnect() on it: ioredis never reconnects an ended client.
      redis.status === 'end'
    ) {
      this.count -= 1;
      void connection.close(false);
      const waiter = this.waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        this.acquire().then(waiter.resolve, waiter.reject);
      }
      return;
    }
    // The next borrower must not inherit a WATCH (nor, once the socket changed, its loss).
    if (connection.hasPendingWatch) redis.unwatch().catch(() => {});
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.lend(connection));
    } else {
      this.idle.push(connection);
    }
  }

  /** Closes every connection (lent ones too) and fails every waiter. */
  async close(graceful: boolean): Promise<void> {
    this.isClosed = true;
    while (this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      clearTimeout(waiter.timer);
      waiter.reject(new ClosedError(this.label));
    }
    const all = this.all();
    this.idle.length = 0;
    this.lent.clear();
    await Promise.all(all.map((c) => c.close(graceful)));
  }
}
