/**
 * Jobs waiting for a usable connection, first in, first out, each for at most the pool's wait
 * limit. Their deadlines are a {@link DeadlineQueue} (one timer, as for command timeouts): a job
 * past its deadline goes to `expire` (which fails it or sends it elsewhere); the pool drains the
 * queue whenever a connection may have become usable.
 *
 * A job is sent from whatever event drained the queue (a connection opened, the new master
 * announced): it runs in the async context its caller had when it was queued (async-scope.ts).
 */
import Denque from 'denque';
import { callerScope } from '../async-scope.js';
import { DeadlineQueue } from '../deadline-queue.js';
import type { Job } from './job.js';

interface Waiting {
  job: Job;
  /** When it was queued (`performance.now()`). */
  queuedAt: number;
  /** Sent, failed or expired: no longer waiting. */
  isDone: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const isDone = (waiting: Waiting): boolean => waiting.isDone;

/** A FIFO of jobs with deadlines. */
export class WaitQueue {
  private readonly waiting = new Denque<Waiting>();
  /** Made at the first wait: a subclass's settings, which the limit may read, are set by then. */
  private deadlines: DeadlineQueue<Waiting> | undefined;

  /**
   * @param waitMs - how long a job may wait, in ms: one limit for every job of the queue, read
   *   once, when the first job waits.
   * @param expire - settles a job that waited past its deadline.
   */
  constructor(
    private readonly waitMs: () => number,
    private readonly expire: (job: Job) => Promise<unknown>,
  ) {}

  /** How many jobs wait. */
  get length(): number {
    return this.waiting.length;
  }

  /** Queues `job` for at most the queue's wait limit; settles with its outcome. */
  add(job: Job): Promise<unknown> {
    // Once per job: a job queued again after a failed send keeps its first caller.
    job.caller ??= callerScope();
    // Referenced: a job waiting for a connection may be all that keeps the process alive, and
    // it must still get its answer (an error) at its deadline.
    this.deadlines ??= new DeadlineQueue(this.waitMs(), isDone, (waiting) => this.expireOne(waiting), true);
    const deadlines = this.deadlines;
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { job, queuedAt: performance.now(), isDone: false, resolve, reject };
      this.waiting.push(waiting);
      deadlines.track(waiting);
    });
  }

  /**
   * Sends jobs from the front while `send` takes them: it returns the job's outcome, or
   * undefined when it cannot send that job now (which stops the drain: order is kept).
   */
  drain(send: (job: Job) => Promise<unknown> | undefined): void {
    while (this.waiting.length > 0) {
      const head = this.waiting.peekFront()!;
      const outcome = head.job.caller
        ? head.job.caller.runInAsyncScope(send, undefined, head.job)
        : send(head.job);
      if (!outcome) break;
      this.waiting.shift();
      head.isDone = true;
      outcome.then(head.resolve, head.reject);
    }
    this.stopIfEmpty();
  }

  /** Hands every job to `expire` now (nothing will become usable soon). */
  expireAll(): void {
    while (this.waiting.length > 0) this.expireOne(this.waiting.peekFront()!);
    this.stopIfEmpty();
  }

  /**
   * Fails with `error` every job queued before `time` (`performance.now()`): those are at the
   * front, since jobs are queued in time order.
   */
  failQueuedBefore(time: number, error: Error): void {
    while (this.waiting.length > 0 && this.waiting.peekFront()!.queuedAt < time) {
      const head = this.waiting.shift()!;
      head.isDone = true;
      head.reject(error);
    }
    this.stopIfEmpty();
  }

  /** Fails every job with `error` (the pool is closing). */
  failAll(error: Error): void {
    this.deadlines?.stop();
    for (let head = this.waiting.shift(); head; head = this.waiting.shift()) {
      head.isDone = true;
      head.reject(error);
    }
  }

  /**
   * Hands one job to `expire`. Every job has the same limit, so the one whose deadline came is
   * the oldest still waiting: the front of the queue (expireAll hands the front, too).
   */
  private expireOne(waiting: Waiting): void {
    waiting.isDone = true;
    this.waiting.shift();
    // Giving up may send it elsewhere (a replica pool's fallback to the master): as its caller.
    const outcome = waiting.job.caller
      ? waiting.job.caller.runInAsyncScope(this.expire, undefined, waiting.job)
      : this.expire(waiting.job);
    outcome.then(waiting.resolve, waiting.reject);
  }

  /** Nothing waits: no timer is left armed. */
  private stopIfEmpty(): void {
    if (this.waiting.length === 0) this.deadlines?.stop();
  }
}
