/**
 * The demo's steady load: `writers` loops doing `RPUSH <key> <n>` with increasing sequence
 * numbers through a master pool, and `readers` loops doing `GET` through a replica pool, each
 * one command at a time with a 1 ms pause (a pace, not a synchronization). It records every
 * acknowledged number (and, for the first writer, which server acknowledged it, from an
 * `INFO server` pipelined with the write), operations per second, and errors by kind.
 * Bounded by `maxMs` and `maxWrites`; {@link SteadyLoad.stop} ends it.
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { MasterPool, ReplicaPool } from '../index.js';
import { errorKind } from './output.js';

/** One acknowledged write. */
export interface Ack {
  readonly n: number;
  /** `performance.now()` when it was acknowledged. */
  readonly at: number;
  /** The port of the server that acknowledged it (first writer only). */
  readonly port: number | undefined;
}

/** Options of {@link SteadyLoad.start}. */
export interface LoadOptions {
  readonly key: string;
  readonly probeKey: string;
  readonly writers: number;
  readonly readers: number;
  readonly maxMs: number;
  readonly maxWrites: number;
}

const PACE_MS = 1;
/** Operations are counted in slots this long, summed into seconds from any reference time. */
const SLOT_MS = 100;
/** After a failed command, wait this long before the next (no hot loop while the master is gone). */
const ERROR_PAUSE_MS = 10;

function portFromInfo(info: unknown): number | undefined {
  const match = /^tcp_port:(\d+)/m.exec(String(info));
  return match ? Number(match[1]) : undefined;
}

/** See the module comment. */
export class SteadyLoad {
  readonly acks: Ack[] = [];
  /** Every write of the first writer a server answered, acknowledged or refused (NOREPLICAS …). */
  readonly answers: Ack[] = [];
  /** Errors by kind, e.g. `write ConnectionLostError`. */
  readonly errors = new Map<string, number>();
  private readonly writeBuckets = new Map<number, number>();
  private readonly readBuckets = new Map<number, number>();
  private readonly origin = performance.now();
  private readonly deadline: number;
  private next = 0;
  private isStopped = false;
  private done: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: LoadOptions) {
    this.deadline = this.origin + options.maxMs;
  }

  /** Starts the loops. */
  static start(master: MasterPool, replica: ReplicaPool, options: LoadOptions): SteadyLoad {
    const load = new SteadyLoad(options);
    const loops: Promise<void>[] = [];
    for (let i = 0; i < options.writers; i++) loops.push(load.writeLoop(master, i === 0));
    for (let i = 0; i < options.readers; i++) loops.push(load.readLoop(replica));
    load.done = Promise.all(loops);
    return load;
  }

  private get isRunning(): boolean {
    return !this.isStopped && performance.now() < this.deadline;
  }

  private async writeLoop(master: MasterPool, isIdentifying: boolean): Promise<void> {
    while (this.isRunning && this.next < this.options.maxWrites) {
      const n = this.next++;
      try {
        let port: number | undefined;
        if (isIdentifying) {
          const results = await master.pipeline().rpush(this.options.key, String(n)).info('server').exec();
          const [[writeError], [, info]] = results as [[Error | null], [Error | null, unknown]];
          port = portFromInfo(info);
          if (port !== undefined) this.answers.push({ n, at: performance.now(), port });
          if (writeError) throw writeError;
        } else {
          await master.rpush(this.options.key, String(n));
        }
        const at = performance.now();
        this.acks.push({ n, at, port });
        this.count(this.writeBuckets, at);
        await pause(PACE_MS);
      } catch (error) {
        this.countError('write', error);
        await pause(ERROR_PAUSE_MS);
      }
    }
  }

  private async readLoop(replica: ReplicaPool): Promise<void> {
    while (this.isRunning) {
      try {
        await replica.get(this.options.probeKey);
        this.count(this.readBuckets, performance.now());
        await pause(PACE_MS);
      } catch (error) {
        this.countError('read', error);
        await pause(ERROR_PAUSE_MS);
      }
    }
  }

  private count(buckets: Map<number, number>, at: number): void {
    const slot = Math.floor((at - this.origin) / SLOT_MS);
    buckets.set(slot, (buckets.get(slot) ?? 0) + 1);
  }

  private countError(what: string, error: unknown): void {
    if (this.isStopped) return; // ClosedError while shutting down is not something the demo saw
    const kind = `${what} ${errorKind(error)}`;
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  /** The first write acknowledged by the server on `port` at or after `since`. */
  firstAckFrom(port: number, since: number): Ack | undefined {
    return this.acks.find((a) => a.port === port && a.at >= since);
  }

  /** The first write the server on `port` answered at or after `since`, even with an error. */
  firstAnswerFrom(port: number, since: number): Ack | undefined {
    return this.answers.find((a) => a.port === port && a.at >= since);
  }

  /** How many writes were acknowledged at or after `since`. */
  acksSince(since: number): number {
    let count = 0;
    for (let i = this.acks.length - 1; i >= 0 && this.acks[i]!.at >= since; i--) count++;
    return count;
  }

  /**
   * Writes and reads in each second from `from` (a `performance.now()`) for `seconds` seconds,
   * to the nearest 100 ms.
   */
  perSecond(from: number, seconds: number): { writes: number[]; reads: number[] } {
    const first = Math.round((from - this.origin) / SLOT_MS);
    const perSecond = 1000 / SLOT_MS;
    const sum = (buckets: Map<number, number>, second: number) => {
      let total = 0;
      for (let i = 0; i < perSecond; i++) total += buckets.get(first + second * perSecond + i) ?? 0;
      return total;
    };
    const writes: number[] = [];
    const reads: number[] = [];
    for (let s = 0; s < seconds; s++) {
      writes.push(sum(this.writeBuckets, s));
      reads.push(sum(this.readBuckets, s));
    }
    return { writes, reads };
  }

  /** Stops the loops and resolves once every command they sent has settled. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.done;
  }
}
