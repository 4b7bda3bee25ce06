/**
 * Durable writes: a write resolves only once `WAIT` confirms it on enough replicas. WAIT must
 * run on the connection that wrote, and one WAIT covers every write sent before it there, so the
 * writes of one tick on one connection share one WAIT (group commit) instead of paying one each.
 */
import type { Redis } from 'ioredis';
import { ConnectionLostError } from '../command-errors.js';
import { ReplicationTimeoutError } from '../errors.js';
import type { InvokerWrap } from '../pool/job.js';
import { FollowUp } from './follow-up.js';

/** How many replicas must confirm a write, and how long to wait for them. */
export interface WaitForReplicas {
  /** Replicas that must have the write. */
  replicas: number;
  /** How long WAIT may take, in ms (never 0: `WAIT n 0` blocks forever). */
  timeoutMs: number;
}

/** The group-committing WAIT of one pool. */
export class DurableWrites {
  private readonly wait: FollowUp;

  constructor(private readonly options: WaitForReplicas) {
    this.wait = new FollowUp(['WAIT', options.replicas, options.timeoutMs]);
  }

  /** Makes every write wait for its WAIT; reads pass through. */
  readonly wrap: InvokerWrap = (invoke, kind) => {
    if (kind === 'read') return invoke;
    return (redis: Redis, connection) => {
      const reply = invoke(redis, connection);
      const confirmed = this.wait.after(redis);
      // The write's own outcome comes first: if it failed, that is the error. If it succeeded
      // and WAIT then failed, the write is on the master, unconfirmed: a lost connection.
      return reply.then((value) =>
        confirmed.then(
          (count) => {
            const replicas = Number(count);
            if (replicas < this.options.replicas) {
              throw new ReplicationTimeoutError(replicas, this.options.replicas, this.options.timeoutMs);
            }
            return value;
          },
          (error: unknown) => {
            throw new ConnectionLostError(
              'wait',
              true,
              'The write reached the master, but the connection was lost before WAIT confirmed it',
              { cause: error },
            );
          },
        ),
      );
    };
  };
}
