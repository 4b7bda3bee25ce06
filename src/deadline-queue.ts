/**
 * Deadlines kept with one timer rather than one per item, to the millisecond: the jobs waiting
 * for a usable connection, the session reads waiting for a caught-up replica. (The commands in
 * flight on a connection, far more numerous, are timed in ticks: tick-deadlines.ts.)
 *
 * Every item has the same timeout, so deadlines come in the order items are tracked, and settled
 * items leave from the front ({@link StampedQueue}). The one timer is armed for the deadline of
 * the oldest item; when it fires, every unsettled item past its deadline expires, oldest first.
 */
import { detached } from './async-scope.js';
import { StampedQueue } from './stamped-queue.js';

/** Items with one timeout and one timer; see the module comment. */
export class DeadlineQueue<T> {
  private readonly queue: StampedQueue<T>;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param isDone whether an item was settled (sent, answered, failed) meanwhile
   * @param expire called once per item still unsettled at its deadline, oldest first
   * @param keepsProcessAlive whether the timer holds the event loop open: yes for items nothing
   *   else holds it for (jobs waiting for a connection), no for items that something else
   *   holds it for (a session read's command in flight)
   */
  constructor(
    /** The timeout of every tracked item, in ms. */
    readonly ms: number,
    private readonly isDone: (item: T) => boolean,
    private readonly expire: (item: T) => void,
    private readonly keepsProcessAlive = false,
  ) {
    this.queue = new StampedQueue(isDone);
  }

  /** How many items are tracked (answered ones at the front may not have been dropped yet). */
  get length(): number {
    return this.queue.length;
  }

  /** Whether the timer is armed (some tracked item may still be unsettled). */
  get isArmed(): boolean {
    return this.timer !== undefined;
  }

  /** Starts the clock of `item`: it expires `ms` from now unless settled first. */
  track(item: T): void {
    this.queue.push(item, performance.now() + this.ms);
    if (this.timer === undefined) this.arm(this.ms);
  }

  /** Forgets every item and disarms the timer (the connection closed). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.clear();
  }

  private arm(ms: number): void {
    // In no caller's context: armed by whichever item came first, it outlives that caller.
    this.timer = detached(() => setTimeout(this.sweep, ms));
    if (!this.keepsProcessAlive) this.timer.unref();
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const expired: T[] = [];
    const next = this.queue.takeDue((deadline) => deadline <= now, expired);
    if (next !== undefined) this.arm(next - now);
    // Expired after the walk: expiring one may drop the connection, which settles others.
    for (const item of expired) if (!this.isDone(item)) this.expire(item);
  };
}
