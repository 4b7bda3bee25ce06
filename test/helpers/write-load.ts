/**
 * A steady write load for failover tests: `writers` concurrent async loops, each doing
 * `RPUSH <key> <n>` through a pool with the next sequence number, one write at a time. It records
 * every acknowledged number (with when, and optionally which server acknowledged it) and every
 * error by `err.name`. Bounded in count and time, and stops on {@link WriteLoad.stop}.
 *
 * {@link checkWrites} then reads the list back from a node and reports acknowledged numbers that
 * are missing (lost writes) and numbers present more than once (writes applied twice).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MasterPool } from '../../src/index.js';
import type { NodeAddress } from '../../src/testing/index.js';
import { withNode } from './node-client.js';

/** Options of {@link WriteLoad.start}. */
export interface WriteLoadOptions {
  /** The list the writers push to, e.g. `seq:failover-graceful`. */
  key: string;
  /** Concurrent writers. @default 4 */
  writers?: number;
  /** Stop after this many writes were started. @default 200_000 */
  maxWrites?: number;
  /** Stop after this long, in ms. @default 60_000 */
  maxMs?: number;
  /** Pacing: pause between two writes of one writer, in ms (0 yields one macrotask). @default 1 */
  pauseMs?: number;
  /**
   * How many of the writers send `[RPUSH, INFO server]` as one pipeline instead, so that each of
   * their acknowledgements names the port of the server that gave it. @default 0
   */
  identifyingWriters?: number;
}

/** One acknowledged write. */
export interface Ack {
  /** The sequence number pushed. */
  n: number;
  /** `performance.now()` when the acknowledgement arrived. */
  at: number;
  /** The port of the server that acknowledged it (identifying writers only). */
  port?: number;
}

/** The driver; see the module comment. */
export class WriteLoad {
  readonly acks: Ack[] = [];
  /** Errors by `err.name` (`ConnectionLostError`, `ReplyError`, …). */
  readonly errors = new Map<string, Error[]>();
  /** Numbers whose write failed (they may or may not have been applied). */
  readonly failed = new Set<number>();
  private next = 0;
  private isStopped = false;
  private readonly done: Promise<void>;
  private readonly deadline: number;

  private constructor(
    private readonly pool: MasterPool,
    private readonly options: Required<WriteLoadOptions>,
  ) {
    this.deadline = performance.now() + options.maxMs;
    const loops: Promise<void>[] = [];
    for (let i = 0; i < options.writers; i++) loops.push(this.loop(i < options.identifyingWriters));
    this.done = Promise.all(loops).then(() => undefined);
  }

  /** Starts the writers at once. */
  static start(pool: MasterPool, options: WriteLoadOptions): WriteLoad {
    return new WriteLoad(pool, {
      writers: 4,
      maxWrites: 200_000,
      maxMs: 60_000,
      pauseMs: 1,
      identifyingWriters: 0,
      ...options,
    });
  }

  /** How many writes were started. */
  get started(): number {
    return this.next;
  }

  /** Whether the writers ran out of count or time (or were stopped). */
  get isExhausted(): boolean {
    return this.isStopped || this.next >= this.options.maxWrites || performance.now() >= this.deadline;
  }

  /** Every error, in no particular order. */
  allErrors(): Error[] {
    return [...this.errors.values()].flat();
  }

  /** Errors whose name is not one of `allowed`. */
  errorsOtherThan(...allowed: string[]): Error[] {
    return [...this.errors.entries()].filter(([name]) => !allowed.includes(name)).flatMap(([, e]) => e);
  }

  /** A short summary for assertion messages: `{"ConnectionLostError":2}`. */
  describeErrors(): string {
    const counts = Object.fromEntries([...this.errors.entries()].map(([name, e]) => [name, e.length]));
    const first = this.allErrors()[0];
    return `${JSON.stringify(counts)}${first ? ` first: ${first.name}: ${first.message}` : ''}`;
  }

  /** The first acknowledgement from the server at `port` at or after `since` (identifying writers). */
  firstAckFrom(port: number, since = 0): Ack | undefined {
    return this.acks.find((a) => a.port === port && a.at >= since);
  }

  /** How many writes were acknowledged at or after `since`. */
  acksSince(since: number): number {
    let count = 0;
    for (let i = this.acks.length - 1; i >= 0 && this.acks[i]!.at >= since; i--) count++;
    return count;
  }

  /** Stops starting writes and resolves once every writer's last write settled. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.done;
  }

  private async loop(identifies: boolean): Promise<void> {
    const { pauseMs } = this.options;
    while (!this.isExhausted) {
      const n = this.next++;
      try {
        if (identifies) await this.writeIdentified(n);
        else {
          await this.pool.rpush(this.options.key, String(n));
          this.acks.push({ n, at: performance.now() });
        }
      } catch (error) {
        this.failed.add(n);
        const err = error instanceof Error ? error : new Error(String(error));
        const list = this.errors.get(err.name) ?? [];
        list.push(err);
        this.errors.set(err.name, list);
      }
      if (pauseMs > 0) await sleep(pauseMs);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async writeIdentified(n: number): Promise<void> {
    const results = await this.pool.pipeline().rpush(this.options.key, String(n)).info('server').exec();
    const [push, info] = results ?? [];
    if (!push || !info) throw new Error(`pipeline gave ${JSON.stringify(results)}`);
    if (push[0]) throw push[0];
    const port = /^tcp_port:(\d+)/m.exec(String(info[1]))?.[1];
    this.acks.push({ n, at: performance.now(), ...(port ? { port: Number(port) } : {}) });
  }
}

/** What {@link checkWrites} found. */
export interface WriteCheck {
  /** Entries in the list. */
  present: number;
  /** Acknowledged numbers checked. */
  acknowledged: number;
  /** Acknowledged but not in the list: lost writes. */
  missing: number[];
  /** In the list more than once: applied twice. */
  duplicates: number[];
}

/** The list `key` on `address`, as numbers (a plain client, closed after). */
export async function readSequence(address: NodeAddress, key: string): Promise<number[]> {
  const entries = await withNode(address, (c) => c.lrange(key, 0, -1));
  return entries.map(Number);
}

/**
 * Reads the list back from `address` (the current master) and compares it with the
 * acknowledged numbers: missing = acknowledged but absent, duplicates = present twice or more.
 */
export async function checkWrites(
  address: NodeAddress,
  key: string,
  acks: readonly Ack[],
): Promise<WriteCheck> {
  const entries = await readSequence(address, key);
  const seen = new Map<number, number>();
  for (const n of entries) seen.set(n, (seen.get(n) ?? 0) + 1);
  return {
    present: entries.length,
    acknowledged: acks.length,
    missing: acks.filter((a) => !seen.has(a.n)).map((a) => a.n),
    duplicates: [...seen.entries()].filter(([, count]) => count > 1).map(([n]) => n),
  };
}
