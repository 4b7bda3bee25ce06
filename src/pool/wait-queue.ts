/**
 * Jobs waiting for a usable connection, first in, first out, each with a deadline. One timer,
 * armed for the oldest job only, hands jobs past their deadline to `expire` (which fails them or
 * sends them elsewhere); the pool drains the queue whenever a connection may have become usable.
 *
 * A job is sent from whatever event drained the queue (a connection opened, the new master
 * announced): it runs in the async context its caller had when it was queued (async-scope.ts).
 */
import Denque from 'denque';
import { callerScope } from '../async-scope.js';
import type { Job } from './job.js';

interface Waiting {
  job: Job;
  deadline: number;
  /** When it was queued (`performance.now()`). */
  queuedAt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A FIFO of jobs with deadlines. */
export class WaitQueue {
  private readonly waiting = new Denque<Waiting>();
  private timer: NodeJS.Timeout | undefined;

  /** @param expire - settles a job that waited past its deadline. */
  constructor(private readonly expire: (job: Job) => Promise<unknown>) {}

  /** How many jobs wait. */
  get length(): number {
    return this.waiting.length;
  }

  /** Queues `job` for at most `waitMs`; settles with its outcome. */
  add(job: Job, waitMs: number): Promise<unknown> {
    // Once per job: a job queued again after a failed send keeps its first caller.
    job.caller ??= callerScope();
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, deadline: Date.now() + waitMs, queuedAt: performance.now(), resolve, reject });
      this.arm();
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
      outcome.then(head.resolve, head.reject);
    }
    if (this.waiting.length === 0) this.disarm();
  }

  /** Hands every job to `expire` now (nothing will become usable soon). */
  expireAll(): void {
    this.disarm();
    while (this.waiting.length > 0) this.expireHead();
  }

  /**
   * Fails with `error` every job queued before `time` (`performance.now()`): those are at the
   * front, since jobs are queued in time order.
   */
  failQueuedBefore(time: number, error: Error): void {
    while (this.waiting.length > 0 && this.waiting.peekFront()!.queuedAt < time) {
      this.waiting.shift()!.reject(error);
    }
    if (this.waiting.length === 0) this.disarm();
  }

  /** Fails every job with `error` (the pool is closing). */
  failAll(error: Error): void {
    this.disarm();
    while (this.waiting.length > 0) this.waiting.shift()!.reject(error);
  }

  private expireHead(): void {
    const head = this.waiting.shift()!;
    // Giving up may send it elsewhere (a replica pool's fallback to the master): as its caller.
    const outcome = head.job.caller
      ? head.job.caller.runInAsyncScope(this.expire, undefined, head.job)
      : this.expire(head.job);
    outcome.then(head.resolve, head.reject);
  }

  private arm(): void {
    if (this.timer || this.waiting.length === 0) return;
    const head = this.waiting.peekFront()!;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, head.deadline - Date.now()));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.waiting.length > 0 && this.waiting.peekFront()!.deadline <= now) this.expireHead();
    this.arm();
  }
}
