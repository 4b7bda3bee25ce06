/**
 * The application under failover: `writers` loops that RPUSH a unique sequence number each
 * (one write in flight per loop, `writeIntervalMs` between them) and `readers` loops that GET
 * from the replica side. Every write is logged with when it was sent and when it was
 * acknowledged or failed, so the parent can check each acknowledged write on the new master.
 */
import { now, sleep, withTimeout } from './clock.js';
import { errorType } from './error-type.js';
import type { PeerClient } from './peer-clients.js';

export interface LoadSettings {
  listKey: string;
  readKey: string;
  writers: number;
  writeIntervalMs: number;
  readers: number;
  readIntervalMs: number;
  /** A hard cap on writes per run, whatever the timing. */
  maxWrites: number;
}

/** One row per write, in the order they were sent. `doneAt` is NaN for a write still unsettled. */
export interface WriteLog {
  seq: number[];
  sentAt: number[];
  doneAt: number[];
  /** The error kind, or null when acknowledged. */
  error: (string | null)[];
}

export interface ReadLog {
  okAt: number[];
  errors: Record<string, number>;
}

export interface LoadLog {
  writes: WriteLog;
  reads: ReadLog;
  /** When the child was told to stop (the end of the observation window). */
  stoppedAt: number;
}

export class SequencedLoad {
  readonly #client: PeerClient;
  readonly #settings: LoadSettings;
  readonly #writes: WriteLog = { seq: [], sentAt: [], doneAt: [], error: [] };
  readonly #reads: ReadLog = { okAt: [], errors: {} };
  readonly #loops: Promise<void>[] = [];
  #isRunning = false;

  constructor(client: PeerClient, settings: LoadSettings) {
    this.#client = client;
    this.#settings = settings;
  }

  start(): void {
    this.#isRunning = true;
    const { writers, readers } = this.#settings;
    for (let i = 0; i < writers; i++) this.#loops.push(this.#writeLoop());
    for (let i = 0; i < readers; i++) this.#loops.push(this.#readLoop());
  }

  /** Resolves once a write was acknowledged and a read answered; rejects after `timeoutMs`. */
  async untilFlowing(timeoutMs: number): Promise<void> {
    const deadline = now() + timeoutMs;
    while (
      !this.#writes.error.some((e, i) => e === null && !Number.isNaN(this.#writes.doneAt[i]!)) ||
      this.#reads.okAt.length === 0
    ) {
      if (now() > deadline) throw new Error(`no write and read succeeded within ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  /** Stops sending, waits up to `graceMs` for what is in flight, and returns a copy of the log. */
  async stop(graceMs: number): Promise<LoadLog> {
    const stoppedAt = now();
    this.#isRunning = false;
    await withTimeout(Promise.all(this.#loops), graceMs, 'load loops').catch(() => undefined);
    const w = this.#writes;
    return {
      writes: { seq: [...w.seq], sentAt: [...w.sentAt], doneAt: [...w.doneAt], error: [...w.error] },
      reads: { okAt: [...this.#reads.okAt], errors: { ...this.#reads.errors } },
      stoppedAt,
    };
  }

  async #writeLoop(): Promise<void> {
    const { listKey, writeIntervalMs, maxWrites } = this.#settings;
    const log = this.#writes;
    while (this.#isRunning && log.seq.length < maxWrites) {
      const row = log.seq.length;
      log.seq.push(row);
      log.sentAt.push(now());
      log.doneAt.push(Number.NaN);
      log.error.push(null);
      try {
        await this.#client.write(listKey, String(row));
      } catch (error) {
        log.error[row] = errorType(error);
      }
      log.doneAt[row] = now();
      await sleep(writeIntervalMs);
    }
  }

  async #readLoop(): Promise<void> {
    const { readKey, readIntervalMs, maxWrites } = this.#settings;
    const log = this.#reads;
    while (this.#isRunning && log.okAt.length < maxWrites) {
      try {
        await this.#client.read(readKey);
        log.okAt.push(now());
      } catch (error) {
        const type = errorType(error);
        log.errors[type] = (log.errors[type] ?? 0) + 1;
      }
      await sleep(readIntervalMs);
    }
  }
}
