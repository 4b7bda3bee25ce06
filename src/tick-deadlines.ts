/**
 * Deadlines of the commands in flight on one connection, counted in ticks of one periodic timer
 * rather than read off the clock for every command. A {@link DeadlineQueue} stamps each item
 * with `performance.now()`: a call into Node and a heap number per command, which were the
 * largest part of what a pool adds to a command (an in-process measurement against plain
 * ioredis). Here a command is stamped with the number of ticks so far, a small integer.
 *
 * The price is resolution: a command expires at the first tick at least `ms` after it was
 * tracked, between `ms` and `ms` plus one tick (a {@link TICKS_PER_TIMEOUT}th of `ms`) after it
 * was sent. Commands settle in the order they were sent (a connection answers in order), so
 * settled ones leave from the front whenever one is tracked and at every tick; the timer stops
 * when nothing is left.
 */
import Denque from 'denque';
import { detached } from './async-scope.js';

/** Ticks per timeout: a command expires at most this fraction of the timeout late. */
export const TICKS_PER_TIMEOUT = 8;

/** Items with one timeout, timed by one periodic timer; see the module comment. */
export class TickDeadlines<T> {
  private readonly items = new Denque<T>();
  /** The tick count when each item was tracked. */
  private readonly stamps = new Denque<number>();
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The period of the timer, in ms. */
  readonly tickMs: number;

  /**
   * @param ms the timeout of every item
   * @param isDone whether an item was answered (or failed) meanwhile
   * @param expire called once per item still unsettled at its deadline, oldest first
   */
  constructor(
    readonly ms: number,
    private readonly isDone: (item: T) => boolean,
    private readonly expire: (item: T) => void,
  ) {
    // Whole milliseconds, rounded up: Node's timers do not keep fractions, and a shorter tick
    // would let a command expire before `ms`.
    this.tickMs = Math.max(1, Math.ceil(ms / TICKS_PER_TIMEOUT));
  }

  /** How many items are tracked (answered ones at the front may not have been dropped yet). */
  get length(): number {
    return this.items.length;
  }

  /** Whether the timer runs (some tracked item may still be unsettled). */
  get isArmed(): boolean {
    return this.timer !== undefined;
  }

  /** Starts the clock of `item`: it expires `ms` (up to one tick more) from now unless settled. */
  track(item: T): void {
    this.dropSettledFront();
    this.items.push(item);
    this.stamps.push(this.ticks);
    if (this.timer === undefined) {
      // In no caller's context: started by whichever command came first, it outlives its caller.
      // Unreferenced: a command in flight keeps the process alive through its socket.
      this.timer = detached(() => setInterval(this.onTick, this.tickMs)).unref();
    }
  }

  /** Forgets every item and stops the timer (the connection closed). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.items.clear();
    this.stamps.clear();
  }

  private dropSettledFront(): void {
    while (this.items.length > 0 && this.isDone(this.items.peekFront() as T)) {
      this.items.shift();
      this.stamps.shift();
    }
  }

  /**
   * An item stamped `s` was tracked after tick `s` (or when the timer started) and before tick
   * `s + 1`; by tick `s + 1 + TICKS_PER_TIMEOUT` at least `ms` has passed, whenever in that
   * span it was tracked.
   */
  private readonly onTick = (): void => {
    this.ticks += 1;
    const expired: T[] = [];
    while (this.items.length > 0) {
      const item = this.items.peekFront() as T;
      if (!this.isDone(item)) {
        if (this.ticks - (this.stamps.peekFront() as number) <= TICKS_PER_TIMEOUT) break;
        expired.push(item);
      }
      this.items.shift();
      this.stamps.shift();
    }
    if (this.items.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    // Expired after the walk: expiring one may drop the connection, which settles others.
    for (const item of expired) if (!this.isDone(item)) this.expire(item);
  };
}
