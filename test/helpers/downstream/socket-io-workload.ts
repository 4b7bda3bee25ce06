/**
 * The socket.io Redis adapter (`@socket.io/redis-adapter` 8) as a downstream workload: two socket.io
 * servers (no HTTP needed), each on `createAdapter(pub, pub.duplicate())`, the adapter's documented
 * pattern. The first sends numbered server-side events one after another; the second records
 * which arrive. Redis pub/sub is at most once: the events sent while a subscriber moves are lost,
 * and the count says how many that switch window cost.
 *
 * The adapter calls `pub.publish()` without handling its rejection: a PUBLISH in flight when the
 * master's socket dies (it rejects with `ConnectionLostError` on a managed client; plain ioredis
 * resends it, or rejects once its retries are spent) is an unhandled rejection, which ends a Node
 * process by default. The workload counts those through {@link catchPublishFailures}, as an
 * application must.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { eventually } from '../../../src/testing/index.js';
import { BoundedLoop } from '../bounded-loop.js';
import type { Switch } from './disruption.js';
import { type ClientFor, tally, type Workload } from './workload.js';

/** What the second server received. */
export interface MessageCount {
  /** Events sent from the first delivered one on (before it, the adapters were subscribing). */
  sent: number;
  delivered: number;
  /** Sent and never delivered: the cost of the switch window. */
  lost: number;
  /** From the first lost event to the last, in ms (0 when none or one was lost). */
  windowMs: number;
  /** When the first and the last lost event were sent, in ms after the trigger. */
  lostFromMs: number | undefined;
  lostToMs: number | undefined;
  /** Events sent after the last lost one (every one of them delivered). */
  deliveredAfterWindow: number;
  /** Events delivered between the first and the last lost one. */
  deliveredInsideWindow: number;
  /** PUBLISH calls of the adapter that rejected, by kind (see {@link catchPublishFailures}). */
  publishErrors: Record<string, number>;
}

/**
 * Makes `pub.publish()` resolve 0 (no receiver) instead of rejecting, and keeps the error: what
 * an application does so that a PUBLISH lost in a failover does not end the process.
 */
export function catchPublishFailures(pub: Redis, failures: Error[]): void {
  const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
  const caught = (...args: unknown[]) =>
    publish(...args).catch((error: Error) => {
      failures.push(error);
      return 0;
    });
  Object.defineProperty(pub, 'publish', { value: caught, configurable: true, writable: true });
}

/** A promise that settles within `ms`, whatever `promise` does. */
function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

/** See the module comment. */
export class SocketIoWorkload implements Workload<MessageCount> {
  readonly servers: [Server, Server];
  readonly #clients: Redis[] = [];
  readonly #received = new Set<number>();
  readonly #sentAt: number[] = [];
  readonly #sender: BoundedLoop;
  readonly #publishErrors: Error[] = [];
  #closing: Promise<void> | undefined;

  constructor(clientFor: ClientFor) {
    const make = () => {
      const pub = clientFor();
      const sub = pub.duplicate();
      this.#clients.push(pub, sub);
      // Plain ioredis emits connection errors as events; unheard, an `error` event ends the process.
      for (const client of [pub, sub]) client.on('error', () => {});
      catchPublishFailures(pub, this.#publishErrors);
      const io = new Server();
      io.adapter(createAdapter(pub, sub));
      return io;
    };
    this.servers = [make(), make()];
    this.servers[1].on('m', (n: number) => this.#received.add(n));
    this.#sender = new BoundedLoop(
      async (n) => {
        this.#sentAt[n] = performance.now();
        this.servers[0].serverSideEmit('m', n);
      },
      { pauseMs: 5 },
    );
  }

  acknowledged(): number {
    return this.#received.size;
  }

  stop(): Promise<void> {
    return this.#sender.stop();
  }

  async count(sw: Switch): Promise<MessageCount> {
    const sent = this.#sentAt.length;
    // The last events are still on their way.
    await eventually(() => this.#received.has(sent - 1), {
      timeoutMs: 3000,
      message: 'the last event',
    }).catch(() => {});
    // Events sent before the first delivery were sent before the adapters had subscribed.
    const firstDelivered = Math.min(...this.#received);
    const lost = [...this.#sentAt.keys()].filter((n) => n > firstDelivered && !this.#received.has(n));
    const first = lost[0];
    const last = lost.at(-1);
    const after = (n: number | undefined) =>
      n === undefined ? undefined : Math.round(this.#sentAt[n]! - sw.triggeredAt);
    return {
      sent: sent - firstDelivered,
      delivered: this.#received.size,
      lost: lost.length,
      windowMs:
        first === undefined || last === undefined
          ? 0
          : Math.round(this.#sentAt[last]! - this.#sentAt[first]!),
      lostFromMs: after(first),
      lostToMs: after(last),
      deliveredAfterWindow: last === undefined ? sent - firstDelivered : sent - last - 1,
      deliveredInsideWindow: first === undefined || last === undefined ? 0 : last - first + 1 - lost.length,
      publishErrors: tally(this.#publishErrors),
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#sender.stop();
      // io.close() would also close the HTTP engine, which these servers have none of (it throws).
      for (const io of this.servers) await io.of('/').adapter.close();
      // The adapters' unsubscribes were sent without waiting: let them settle before quitting
      // (a PING answers after them), bounded in case a client is still reconnecting.
      await within(Promise.all(this.#clients.map((c) => c.ping().catch(() => {}))), 2000);
      await Promise.all(this.#clients.map((c) => c.quit().catch(() => c.disconnect())));
    })();
    return this.#closing;
  }
}
