/**
 * BullMQ 6 (a Queue and a Worker) as a downstream workload: a producer adds numbered jobs one after
 * another (`jobId: job-<n>`, so that a job is known by its number), a worker with concurrency 4
 * processes them. Counted on the final master: which added jobs exist there and are completed,
 * which ran twice, and how long a job added afterwards takes to complete.
 */
import { Queue, Worker } from 'bullmq';
import { eventually } from '../../../src/testing/index.js';
import { BoundedLoop } from '../bounded-loop.js';
import { withNode } from '../node-client.js';
import { type LossReport, lossReport, type Switch } from './disruption.js';
import { type ClientFor, tally, type Workload } from './workload.js';

/** What the final master says about the jobs. */
export interface BullmqCount extends LossReport {
  /** Jobs whose `add()` resolved. */
  added: number;
  /** `add()` calls that rejected, by kind. */
  addErrors: Record<string, number>;
  /** Added jobs the final master holds but had not completed when the wait ended. */
  notCompleted: number;
  /** Where those are: `<state>[: <failedReason>]` and how many, with how often each ran. */
  notCompletedStates: Record<string, number>;
  /** Jobs the worker processed more than once (BullMQ is at least once). */
  processedTwice: number;
  /** `error` events of the worker and the queue, by kind. */
  errorEvents: Record<string, number>;
  /** How long a job added after the count took to complete; undefined if it did not in 20 s. */
  lateJobMs: number | undefined;
}

const LOCK_MS = 5000;

/** See the module comment. `completeMs` bounds the wait for completions on the final master. */
export class BullmqWorkload implements Workload<BullmqCount> {
  readonly #queueName = `bq-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #producer: BoundedLoop;
  readonly #processed = new Map<number, number>();
  readonly #errorEvents: Error[] = [];
  readonly #completeMs: number;
  #closing: Promise<void> | undefined;

  constructor(clientFor: ClientFor, completeMs = 30_000) {
    this.#completeMs = completeMs;
    this.#queue = new Queue(this.#queueName, {
      connection: clientFor(),
      // A job whose completion (an EVALSHA) the failover cut fails with ConnectionLostError as
      // its reason: with attempts, BullMQ runs it again instead (docs/managed-clients.md).
      defaultJobOptions: { attempts: 3 },
    });
    this.#worker = new Worker(
      this.#queueName,
      async (job) => {
        const n = Number((job.data as { n: number }).n);
        this.#processed.set(n, (this.#processed.get(n) ?? 0) + 1);
      },
      {
        connection: clientFor({ maxRetriesPerRequest: null }),
        concurrency: 4,
        // Short, so that a job whose completion a SIGKILL lost runs again within the wait.
        lockDuration: LOCK_MS,
        stalledInterval: LOCK_MS,
      },
    );
    this.#queue.on('error', (error) => this.#errorEvents.push(error));
    this.#worker.on('error', (error) => this.#errorEvents.push(error));
    this.#producer = new BoundedLoop((n) => this.#queue.add('job', { n }, { jobId: `job-${n}` }), {
      maxSteps: 5000,
      pauseMs: 5,
    });
  }

  acknowledged(): number {
    return this.#producer.resolved.length;
  }

  stop(): Promise<void> {
    return this.#producer.stop();
  }

  async count(sw: Switch): Promise<BullmqCount> {
    const { resolved, errors } = this.#producer;
    const key = (n: number) => `bull:${this.#queueName}:job-${n}`;
    const held = await withNode(sw.to, async (c) => {
      const exists = await c.pipeline(resolved.map((n) => ['exists', key(n)])).exec();
      return resolved.filter((_, i) => exists?.[i]?.[1] === 1);
    });
    const isHeld = new Set(held);
    const uncompleted = async () => {
      const completed = new Set(
        await withNode(sw.to, (c) => c.zrange(`bull:${this.#queueName}:completed`, '0', '-1')),
      );
      return held.filter((n) => !completed.has(`job-${n}`));
    };
    // Jobs whose completion the failover took run again once their lock expires.
    await eventually(async () => (await uncompleted()).length === 0, {
      timeoutMs: this.#completeMs,
      intervalMs: 250,
      message: 'every held job completed',
    }).catch(() => {});
    const stuck = await uncompleted();
    const notCompletedStates: Record<string, number> = {};
    for (const n of stuck) {
      const job = await this.#queue.getJob(`job-${n}`).catch(() => undefined);
      const state = job ? await job.getState().catch(() => 'unknown') : 'missing';
      const kind = `${state}${job?.failedReason ? `: ${job.failedReason}` : ''}, ran ${this.#processed.get(n) ?? 0}×`;
      notCompletedStates[kind] = (notCompletedStates[kind] ?? 0) + 1;
    }
    return {
      added: resolved.length,
      addErrors: tally(errors),
      ...lossReport(sw, this.#producer, (n) => isHeld.has(n)),
      notCompleted: stuck.length,
      notCompletedStates,
      processedTwice: [...this.#processed.values()].filter((times) => times > 1).length,
      errorEvents: tally(this.#errorEvents),
      lateJobMs: await this.#lateJob(),
    };
  }

  /** Adds one more job and times its completion: does the worker still work? */
  async #lateJob(): Promise<number | undefined> {
    const startedAt = performance.now();
    try {
      await this.#queue.add('job', { n: -1 }, { jobId: 'job-late' });
      await eventually(() => this.#processed.has(-1), { timeoutMs: 20_000, message: 'the late job ran' });
      return Math.round(performance.now() - startedAt);
    } catch {
      return undefined;
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#producer.stop();
      await this.#worker.close();
      await this.#queue.close();
    })();
    return this.#closing;
  }
}
