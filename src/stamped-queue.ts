/**
 * Items in the order they were tracked, each with a number (a deadline, a tick count), from
 * which settled items leave at the front: the bookkeeping {@link DeadlineQueue} and
 * {@link TickDeadlines} share. Items mostly settle in the order they were tracked (a connection
 * answers in order; the first job queued is the first sent), so the queue holds about the items
 * still pending.
 */
import Denque from 'denque';

/** A FIFO of items with stamps; see the module comment. */
export class StampedQueue<T> {
  private readonly items = new Denque<T>();
  private readonly stamps = new Denque<number>();

  constructor(private readonly isDone: (item: T) => boolean) {}

  /** How many items are kept (settled ones behind the front may not have been dropped yet). */
  get length(): number {
    return this.items.length;
  }

  /** Adds `item` at the back, settled ones at the front leaving first. */
  push(item: T, stamp: number): void {
    this.dropSettledFront();
    this.items.push(item);
    this.stamps.push(stamp);
  }

  /**
   * Moves into `due`, oldest first, every unsettled item at the front whose stamp `isDue`
   * accepts, dropping settled ones on the way; stops at the first unsettled item that is not
   * due, and returns its stamp (undefined when none is left).
   */
  takeDue(isDue: (stamp: number) => boolean, due: T[]): number | undefined {
    while (this.items.length > 0) {
      const item = this.items.peekFront() as T;
      if (!this.isDone(item)) {
        const stamp = this.stamps.peekFront() as number;
        if (!isDue(stamp)) return stamp;
        due.push(item);
      }
      this.shift();
    }
    return undefined;
  }

  /** Forgets every item. */
  clear(): void {
    this.items.clear();
    this.stamps.clear();
  }

  private dropSettledFront(): void {
    while (this.items.length > 0 && this.isDone(this.items.peekFront() as T)) this.shift();
  }

  private shift(): void {
    this.items.shift();
    this.stamps.shift();
  }
}
