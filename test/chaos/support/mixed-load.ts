/**
 * The steady mixed load every chaos scenario runs while it injects its fault, through the three
 * ways an application uses the library:
 *
 * - `plain`: `masterFor(name).rpush(<key>:plain, n)`, acknowledged when the master answers;
 * - `durable`: the same through `masterFor(name, { waitForReplicas })`, acknowledged once WAIT
 *   confirmed it on a replica;
 * - `session`: `session.master.rpush(<key>:session, n)`, then `session.replica.lindex(…, -1)`,
 *   which must give back `n` or a later number (read-your-writes);
 * - `replica`: `replicaFor(name).get(probe)`, which must give the probe value.
 *
 * Every write pushes a fresh number, so what the master holds afterwards tells acknowledged writes
 * that are missing (lost) and numbers that are there twice (applied twice). Every operation has a
 * deadline; one that settles after it, or not at all by the time the load stops, is counted as
 * pending past its deadline. Errors are counted by {@link errorKey}.
 *
 * Bounded: the loops stop after `maxMs` or on {@link MixedLoad.stop}, and `stop()` itself waits
 * at most one deadline for the operations still in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MasterPool, ReplicaPool, Session } from '../../../src/index.js';

/** The four kinds of operation of the load. */
export type Lane = 'plain' | 'durable' | 'session' | 'replica';

/** What the load runs against. */
export interface MixedLoadTargets {
  plain: MasterPool;
  durable: MasterPool;
  session: Session;
  replica: ReplicaPool;
}

/** Options of {@link MixedLoad.start}. */
export interface MixedLoadOptions {
  /** Prefix of the lists the writers push to; one list per write lane. */
  key: string;
  /** The key `replica` reads, and the value it must hold. */
  probe: { key: string; value: string };
  /** How long one operation may take before it counts as pending past its deadline, in ms. */
  deadlineMs: number;
  /** Concurrent loops per lane. @default { plain: 2, durable: 1, session: 1, replica: 2 } */
  loops?: Partial<Record<Lane, number>>;
  /** Stop after this long at the latest, in ms. @default 60_000 */
  maxMs?: number;
  /** Pause between two operations of one loop, in ms (load pacing, not synchronisation). @default 2 */
  pauseMs?: number;
}

/** The name an error is counted under: its `name`, plus the first word of a server reply. */
export function errorKey(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error ${typeof error}`;
  if (error.name === 'ReplyError') return `ReplyError ${error.message.split(' ')[0]}`;
  if (error.name === 'Error') return `Error: ${error.message.slice(0, 40)}`;
  return error.name;
}

/** Counts per lane. */
export interface LaneStats {
  started: number;
  /** Operations that resolved (writes: acknowledged). */
  ok: number;
  /** Reads that resolved with a wrong answer (replica: not the probe value; session: stale). */
  wrong: number;
  /** Errors by {@link errorKey}. */
  errors: Map<string, number>;
}

/** One error seen, with its first message (for assertion messages). */
export interface ErrorSample {
  key: string;
  message: string;
  /** The error itself, causes and all. */
  error: unknown;
}

/** The driver; see the module comment. */
export class MixedLoad {
  readonly stats: Record<Lane, LaneStats>;
  /** Acknowledged numbers per write lane. */
  readonly acked: Record<'plain' | 'durable' | 'session', number[]> = { plain: [], durable: [], session: [] };
  /** The first error of each key. */
  readonly samples = new Map<string, ErrorSample>();
  /** Operations that settled after their deadline. */
  lateSettled = 0;
  private readonly inFlight = new Set<{ lane: Lane; startedAt: number }>();
  private next = 0;
  private isStopped = false;
  private lastOkAt = 0;
  private readonly done: Promise<void>;
  private readonly until: number;
  private readonly options: Required<MixedLoadOptions>;

  private constructor(
    private readonly targets: MixedLoadTargets,
    options: MixedLoadOptions,
  ) {
    this.options = { maxMs: 60_000, pauseMs: 2, ...options, loops: options.loops ?? {} };
    const loops = { plain: 2, durable: 1, session: 1, replica: 2, ...options.loops };
    this.stats = {
      plain: newStats(),
      durable: newStats(),
      session: newStats(),
      replica: newStats(),
    };
    this.until = performance.now() + this.options.maxMs;
    const running: Promise<void>[] = [];
    for (const lane of ['plain', 'durable', 'session', 'replica'] as const) {
      for (let i = 0; i < loops[lane]; i++) running.push(this.loop(lane));
    }
    this.done = Promise.all(running).then(() => undefined);
  }

  /** Starts every loop at once. */
  static start(targets: MixedLoadTargets, options: MixedLoadOptions): MixedLoad {
    return new MixedLoad(targets, options);
  }

  /** The list a write lane pushes to. */
  listKey(lane: 'plain' | 'durable' | 'session'): string {
    return `${this.options.key}:${lane}`;
  }

  /** `performance.now()` of the last operation that succeeded. */
  get lastSuccessAt(): number {
    return this.lastOkAt;
  }

  /** Operations that succeeded, over every lane. */
  get succeeded(): number {
    return Object.values(this.stats).reduce((sum, s) => sum + s.ok, 0);
  }

  /** Errors by key, over every lane. */
  errorCounts(): Map<string, number> {
    const all = new Map<string, number>();
    for (const stats of Object.values(this.stats)) {
      for (const [key, count] of stats.errors) all.set(key, (all.get(key) ?? 0) + count);
    }
    return all;
  }

  /** Errors by `<lane>: <key>`, e.g. `plain: ConnectionLostError`. */
  errorCountsByLane(): Map<string, number> {
    const all = new Map<string, number>();
    for (const [lane, stats] of Object.entries(this.stats)) {
      for (const [key, count] of stats.errors) all.set(`${lane}: ${key}`, count);
    }
    return all;
  }

  /** Failed operations per lane, as now. */
  errorsByLane(): Record<Lane, number> {
    const count = (lane: Lane) => [...this.stats[lane].errors.values()].reduce((sum, n) => sum + n, 0);
    return {
      plain: count('plain'),
      durable: count('durable'),
      session: count('session'),
      replica: count('replica'),
    };
  }

  /** Successful operations per lane, as now. */
  okByLane(): Record<Lane, number> {
    const { plain, durable, session, replica } = this.stats;
    return { plain: plain.ok, durable: durable.ok, session: session.ok, replica: replica.ok };
  }

  /**
   * Stops starting operations and waits for those in flight, at most one deadline. Returns how
   * many were still pending past their deadline then (0 unless something hangs).
   */
  async stop(): Promise<number> {
    this.isStopped = true;
    const bound = new AbortController();
    await Promise.race([
      this.done,
      sleep(this.options.deadlineMs + 1000, undefined, { signal: bound.signal }).catch(() => undefined),
    ]);
    bound.abort();
    const now = performance.now();
    let pending = 0;
    for (const op of this.inFlight) if (now - op.startedAt > this.options.deadlineMs) pending++;
    return pending;
  }

  private get isOver(): boolean {
    return this.isStopped || performance.now() >= this.until;
  }

  private async loop(lane: Lane): Promise<void> {
    while (!this.isOver) {
      await this.track(lane, () => this.operation(lane));
      if (this.options.pauseMs > 0) await sleep(this.options.pauseMs);
    }
  }

  private async operation(lane: Lane): Promise<boolean> {
    const { targets } = this;
    if (lane === 'replica') {
      return (await targets.replica.get(this.options.probe.key)) === this.options.probe.value;
    }
    const n = this.next++;
    if (lane === 'session') {
      await targets.session.master.rpush(this.listKey('session'), String(n));
      this.acked.session.push(n);
      // Numbers only grow, so with several session loops a later number is fine too.
      const last = await targets.session.replica.lindex(this.listKey('session'), -1);
      return last !== null && Number(last) >= n;
    }
    await targets[lane].rpush(this.listKey(lane), String(n));
    this.acked[lane].push(n);
    return true;
  }

  private async track(lane: Lane, run: () => Promise<boolean>): Promise<void> {
    const stats = this.stats[lane];
    const op = { lane, startedAt: performance.now() };
    stats.started++;
    this.inFlight.add(op);
    try {
      if (await run()) {
        stats.ok++;
        this.lastOkAt = performance.now();
      } else stats.wrong++;
    } catch (error) {
      const key = errorKey(error);
      stats.errors.set(key, (stats.errors.get(key) ?? 0) + 1);
      if (!this.samples.has(key)) {
        this.samples.set(key, {
          key,
          message: error instanceof Error ? error.message : String(error),
          error,
        });
      }
    } finally {
      this.inFlight.delete(op);
      if (performance.now() - op.startedAt > this.options.deadlineMs) this.lateSettled++;
    }
  }
}

function newStats(): LaneStats {
  return { started: 0, ok: 0, wrong: 0, errors: new Map() };
}
