/**
 * Runs a pool's jobs: straight onto an open connection when one is usable and nothing waits
 * (no queue, one small object), otherwise through the {@link WaitQueue}; a failed job goes
 * through {@link decideRetry} and the runner does what it decided. The pool it serves says
 * where a job may go (its {@link JobRoute}); the runner knows nothing of masters or replicas.
 */
import type { PoolConnection } from '../connector/pool-connection.js';
import { debugFor } from '../debug.js';
import { ClosedError } from '../errors.js';
import type { FailoverTrace } from '../observability/failover-trace.js';
import { type Job, type JobKind, runJob } from './job.js';
import { decideRetry, type RetryRules, reportable } from './retry-policy.js';
import { WaitQueue } from './wait-queue.js';

const log = debugFor('pool');

/** What a pool tells its runner. */
export interface JobRoute {
  /** What to call the pool in messages: `masterFor("mymaster")`. */
  readonly label: string;
  retryRules(): RetryRules;
  /** How long a job may wait for a usable connection, in ms. */
  waitLimit(): number;
  /** Whether commands of `kind` are held (a failover is promoting a new master). */
  isHeld(kind: JobKind): boolean;
  isClosed(): boolean;
  /** An open connection for the job, or undefined to wait. */
  pick(job: Job): PoolConnection | undefined;
  /**
   * The job waited `waitLimit` in vain, or the server kept refusing it for that long (then
   * `refusal` is the last refusal): fail it, or send it elsewhere.
   */
  giveUp(job: Job, refusal?: unknown): Promise<unknown>;
  /** The server behind `connection` is not what the pool took it for: move off, ask discovery. */
  onStaleServer(connection: PoolConnection): void;
}

/** Sends, queues and retries the jobs of one pool. */
export class JobRunner {
  private readonly queue: WaitQueue;
  /** Pauses before resends; close() ends them (with ClosedError) so nothing outlives it. */
  private readonly pauses = new Set<{ timer: NodeJS.Timeout; cancel(): void }>();
  /** Jobs that waited because commands were held (a failover), since {@link takeHeldCount}. */
  private heldCount = 0;
  /** Set only while a failover trace awaits the new master's first answer. */
  answerWatch: FailoverTrace | undefined;

  constructor(private readonly route: JobRoute) {
    this.queue = new WaitQueue(
      () => route.waitLimit(),
      (job) => route.giveUp(job),
    );
  }

  /** Sends on an open connection now, or queues until one is usable. */
  dispatch(job: Job): Promise<unknown> {
    if (this.queue.length === 0 && !this.route.isHeld(job.kind)) {
      const connection = this.route.pick(job);
      if (connection) return this.run(connection, job);
    }
    return this.enqueue(job);
  }

  /** Sends waiting jobs while a connection is usable. Call whenever that may have changed. */
  pump(): void {
    this.queue.drain((job) => {
      // A held job at the head stops the drain: commands keep their order.
      if (this.route.isHeld(job.kind)) return undefined;
      const connection = this.route.pick(job);
      return connection && this.run(connection, job);
    });
  }

  /** How many jobs wait for a usable connection. */
  get pendingCount(): number {
    return this.queue.length;
  }

  /** How many jobs waited because commands were held, since the last call; resets the count. */
  takeHeldCount(): number {
    const count = this.heldCount;
    this.heldCount = 0;
    return count;
  }

  /** Hands every waiting job to the route's giveUp now (nothing will become usable soon). */
  giveUpAll(): void {
    this.queue.expireAll();
  }

  /**
   * Fails with `error` every job that waited since before `time` (`performance.now()`): a
   * connect attempt that started then failed in a way that waiting does not fix.
   */
  failQueuedBefore(time: number, error: Error): void {
    this.queue.failQueuedBefore(time, error);
  }

  /** Fails every waiting and pausing job with ClosedError. */
  close(): void {
    for (const pause of this.pauses) pause.cancel();
    this.pauses.clear();
    this.queue.failAll(new ClosedError(this.route.label));
  }

  private enqueue(job: Job): Promise<unknown> {
    if (this.route.isHeld(job.kind)) this.heldCount += 1;
    const outcome = this.queue.add(job);
    this.pump();
    return outcome;
  }

  private run(connection: PoolConnection, job: Job): Promise<unknown> {
    connection.beforeWrite();
    const reply = runJob(job, connection);
    if (this.answerWatch !== undefined) this.watchAnswer(reply, connection);
    return reply.then(undefined, (error: unknown) => this.recover(error, connection, job));
  }

  /** Tells the failover trace which server answered (only while it awaits the new master). */
  private watchAnswer(reply: Promise<unknown>, connection: PoolConnection): void {
    const trace = this.answerWatch;
    reply.then(
      () => trace?.answeredBy(connection.address),
      () => {},
    );
  }

  /** A job failed: does what {@link decideRetry} says. */
  private recover(error: unknown, connection: PoolConnection, job: Job): Promise<unknown> {
    if (this.route.isClosed()) return Promise.reject(reportable(job, error));
    const now = Date.now();
    const decision = decideRetry(job, error, now, this.route.retryRules());
    const { label } = this.route;
    switch (decision.action) {
      case 'resend':
        job.attempts += 1;
        log('%s: sending "%s" again: %s', label, job.command, (error as Error).message);
        return this.enqueue(job);
      case 'rediscover':
        job.attempts += 1;
        this.route.onStaleServer(connection);
        log('%s: sending "%s" again: %s', label, job.command, (error as Error).message);
        return this.enqueue(job);
      case 'resend-after':
        job.refusedSince ??= now;
        job.refusedCount += 1;
        log(
          '%s: "%s" refused for now (%s): again in %d ms',
          label,
          job.command,
          (error as Error).message,
          decision.ms,
        );
        return this.pause(decision.ms).then(() => this.enqueue(job));
      case 'give-up':
        return this.route.giveUp(job, decision.error);
      case 'fail':
        return Promise.reject(decision.error);
    }
  }

  /** Resolves after `ms`, or rejects with ClosedError when the pool closes first. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const pause = {
        timer: setTimeout(() => {
          this.pauses.delete(pause);
          resolve();
        }, ms),
        cancel: () => {
          clearTimeout(pause.timer);
          reject(new ClosedError(this.route.label));
        },
      };
      this.pauses.add(pause);
    });
  }
}
