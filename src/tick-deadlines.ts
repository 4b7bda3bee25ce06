/**
 * Deadlines of the commands in flight on one connection, counted in ticks of one periodic timer
 * rather than read off the clock for every command. A {@link DeadlineQueue} stamps each item
 * with `performance.now()`: a call into Node and a heap number per command, which were the
 * largest part of what a pool adds to a command (an in-process measurement against plain
 * ioredis). Here a command is stamped with the number of ticks so far, a small integer, and the
 * clock is read once per tick.
 *
 * The price is resolution: a command expires at the first tick at least `ms` after the tick
 * that followed it, so between `ms` and `ms` plus about one tick (a {@link TICKS_PER_TIMEOUT}th
 * of `ms`, rounded up to whole milliseconds) after it was sent; never before `ms`, whenever Node
 * runs the timer. Settled commands leave from the front ({@link StampedQueue}); the timer stops
 * when nothing is left.
 */
import { detached } from './async-scope.js';
import { StampedQueue } from './stamped-queue.js';

/** Ticks per timeout: a command expires about this fraction of the timeout late at most. */
export const TICKS_PER_TIMEOUT = 8;

/** Items with one timeout, timed by one periodic timer; see the module comment. */
export class TickDeadlines<T> {
  private readonly queue: StampedQueue<T>;
  /** Ticks so far. */
  private ticks = 0;
  /** When each of the last ticks ran (`performance.now()`), by tick number modulo its length. */
  private readonly tickTimes: number[];
  /** Whole ticks in `ms`, rounded up. */
  private readonly ticksPerTimeout: number;
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
    this.queue = new StampedQueue(isDone);
    // Whole milliseconds, rounded up: Node's timers do not keep fractions.
    this.tickMs = Math.max(1, Math.ceil(ms / TICKS_PER_TIMEOUT));
    this.ticksPerTimeout = Math.ceil(ms / this.tickMs);
    this.tickTimes = new Array<number>(this.ticksPerTimeout + 2).fill(0);
  }

  /** How many items are tracked (answered ones at the front may not have been dropped yet). */
  get length(): number {
    return this.queue.length;
  }

  /** Whether the timer runs (some tracked item may still be unsettled). */
  get isArmed(): boolean {
    return this.timer !== undefined;
  }

  /** Starts the clock of `item`: it expires `ms` (up to about a tick more) from now unless settled. */
  track(item: T): void {
    this.queue.push(item, this.ticks);
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
    this.queue.clear();
  }

  /**
   * An item stamped `s` was tracked before tick `s + 1` ran. It is due once `ms` has passed since
   * then, by the clock: ticks can run late, or early by the time the event loop took to reach
   * them, so their count alone is not trusted.
   */
  private isDue(stamp: number, now: number): boolean {
    const ticksSince = this.ticks - (stamp + 1);
    if (ticksSince < this.ticksPerTimeout) return false;
    const ring = this.tickTimes.length;
    // Its tick's time was overwritten: more ticks than a timeout's worth and two have run since.
    if (ticksSince >= ring) return true;
    return now - (this.tickTimes[(stamp + 1) % ring] as number) >= this.ms;
  }

  private readonly onTick = (): void => {
    const now = performance.now();
    this.ticks += 1;
    this.tickTimes[this.ticks % this.tickTimes.length] = now;
    const expired: T[] = [];
    this.queue.takeDue((stamp) => this.isDue(stamp, now), expired);
    if (this.queue.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    // Expired after the walk: expiring one may drop the connection, which settles others.
    for (const item of expired) if (!this.isDone(item)) this.expire(item);
  };
}
