/**
 * Merges the same event heard from several sentinels (pure; the clock and timers are injected).
 * Every sentinel publishes most events itself (`+sdown`, `+switch-master`, …), so one failover
 * would print each line three times. An event is held for `gatherMs` after the first sentinel
 * said it, then emitted once with every sentinel that said it so far; the same channel and
 * message within `dedupMs` of the first is folded into it instead of printed again.
 */

/** One event, as printed. */
export interface MergedEvent {
  /** When the first sentinel said it (ms since the epoch). */
  readonly at: number;
  readonly channel: string;
  readonly message: string;
  /** The sentinels that said it, in the order they did (`host:port`). */
  readonly sentinels: string[];
}

/** Timers, injectable for tests. */
export interface MergerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Entry {
  readonly event: MergedEvent;
  handle: unknown;
  isEmitted: boolean;
}

/** Options of {@link EventMerger}. */
export interface EventMergerOptions {
  /** How long to wait for other sentinels before emitting an event. */
  readonly gatherMs: number;
  /** How long the same channel and message counts as the same event. */
  readonly dedupMs: number;
  /** At most this many events are remembered (the oldest go first). @default 10000 */
  readonly maxEntries?: number;
}

const realClock: MergerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** See the module comment. */
export class EventMerger {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(
    private readonly options: EventMergerOptions,
    private readonly emit: (event: MergedEvent) => void,
    private readonly clock: MergerClock = realClock,
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Records that `sentinel` published `message` on `channel`. */
  add(sentinel: string, channel: string, message: string): void {
    const now = this.clock.now();
    this.forgetOlderThan(now - this.options.dedupMs);
    const key = `${channel}\u0000${message}`;
    const known = this.entries.get(key);
    if (known) {
      if (!known.event.sentinels.includes(sentinel)) known.event.sentinels.push(sentinel);
      return;
    }
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    const entry: Entry = {
      event: { at: now, channel, message, sentinels: [sentinel] },
      handle: undefined,
      isEmitted: false,
    };
    entry.handle = this.clock.setTimeout(() => this.release(entry), this.options.gatherMs);
    this.entries.set(key, entry);
  }

  /** Emits every event still held, oldest first (at exit). */
  flush(): void {
    for (const entry of this.entries.values()) {
      if (entry.isEmitted) continue;
      this.clock.clearTimeout(entry.handle);
      this.release(entry);
    }
  }

  /** Drops every held event without emitting it and stops the timers. */
  close(): void {
    for (const entry of this.entries.values()) this.clock.clearTimeout(entry.handle);
    this.entries.clear();
  }

  private release(entry: Entry): void {
    if (entry.isEmitted) return;
    entry.isEmitted = true;
    this.emit(entry.event);
  }

  private forgetOlderThan(cutoff: number): void {
    // Map iteration is insertion order, which is `at` order: stop at the first young entry.
    for (const [key, entry] of this.entries) {
      if (entry.event.at >= cutoff) break;
      if (!entry.isEmitted) this.release(entry);
      this.entries.delete(key);
    }
  }

  private evictOldest(): void {
    const [key, entry] = this.entries.entries().next().value as [string, Entry];
    this.clock.clearTimeout(entry.handle);
    this.release(entry);
    this.entries.delete(key);
  }
}
