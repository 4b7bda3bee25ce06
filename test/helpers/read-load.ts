/**
 * A steady read load next to {@link WriteLoad}: `readers` concurrent async loops, each calling
 * `read()` one at a time, counting answers, wrong answers and errors by `err.name`. Bounded in
 * count and time, and stops on {@link ReadLoad.stop}.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link ReadLoad.start}. */
export interface ReadLoadOptions {
  /** One read, e.g. `() => replicas.get('probe')`. */
  read: () => Promise<unknown>;
  /** Whether an answer is right; a wrong one is counted, not thrown. @default any answer */
  isExpected?: (value: unknown) => boolean;
  /** Concurrent readers. @default 4 */
  readers?: number;
  /** Stop after this many reads were started. @default 200_000 */
  maxReads?: number;
  /** Stop after this long, in ms. @default 60_000 */
  maxMs?: number;
  /** Pacing: pause between two reads of one reader, in ms (0 yields one macrotask). @default 1 */
  pauseMs?: number;
}

/** The driver; see the module comment. */
export class ReadLoad {
  /** Reads answered (right or wrong). */
  answered = 0;
  /** Answers `isExpected` refused, as given. */
  readonly wrong: unknown[] = [];
  /** Errors by `err.name`. */
  readonly errors = new Map<string, Error[]>();
  private startedCount = 0;
  private isStopped = false;
  private readonly done: Promise<void>;
  private readonly deadline: number;
  private readonly options: Required<ReadLoadOptions>;

  private constructor(options: ReadLoadOptions) {
    this.options = {
      isExpected: () => true,
      readers: 4,
      maxReads: 200_000,
      maxMs: 60_000,
      pauseMs: 1,
      ...options,
    };
    this.deadline = performance.now() + this.options.maxMs;
    const loops: Promise<void>[] = [];
    for (let i = 0; i < this.options.readers; i++) loops.push(this.loop());
    this.done = Promise.all(loops).then(() => undefined);
  }

  /** Starts the readers at once. */
  static start(options: ReadLoadOptions): ReadLoad {
    return new ReadLoad(options);
  }

  /** How many reads were started. */
  get started(): number {
    return this.startedCount;
  }

  /** Every error, in no particular order. */
  allErrors(): Error[] {
    return [...this.errors.values()].flat();
  }

  /** A short summary for assertion messages. */
  describe(): string {
    const counts = Object.fromEntries([...this.errors.entries()].map(([name, e]) => [name, e.length]));
    const first = this.allErrors()[0];
    return `answered ${this.answered}, wrong ${this.wrong.length}, errors ${JSON.stringify(counts)}${
      first ? ` first: ${first.name}: ${first.message}` : ''
    }`;
  }

  /** Stops starting reads and resolves once every reader's last read settled. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.done;
  }

  private get isExhausted(): boolean {
    return this.isStopped || this.startedCount >= this.options.maxReads || performance.now() >= this.deadline;
  }

  private async loop(): Promise<void> {
    const { pauseMs, read, isExpected } = this.options;
    while (!this.isExhausted) {
      this.startedCount++;
      try {
        const value = await read();
        this.answered++;
        if (!isExpected(value)) this.wrong.push(value);
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        const list = this.errors.get(err.name) ?? [];
        list.push(err);
        this.errors.set(err.name, list);
      }
      if (pauseMs > 0) await sleep(pauseMs);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
