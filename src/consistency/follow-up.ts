/**
 * One follow-up command per connection per event-loop tick, shared by every command written on
 * that connection in the tick: ROLE (the master's offset, for read-your-writes) or WAIT (group
 * commit, for durable writes). It is sent on the next tick, after every command of this tick,
 * on the same connection, so its answer covers them all: Redis answers in order. It is the
 * library's own command, sent in no caller's async context (async-scope.ts).
 */
import type { Redis } from 'ioredis';
import { detached } from '../async-scope.js';

/** Coalesces a follow-up command per connection and tick. */
export class FollowUp {
  private readonly pending = new WeakMap<Redis, Promise<unknown>>();

  constructor(private readonly command: readonly [string, ...(string | number)[]]) {}

  /** The answer of the follow-up sent after the current tick's commands on `redis`. */
  after(redis: Redis): Promise<unknown> {
    let answer = this.pending.get(redis);
    if (!answer) {
      answer = new Promise((resolve, reject) => {
        process.nextTick(() => {
          this.pending.delete(redis);
          const [name, ...args] = this.command;
          detached(() => redis.call(name, ...args)).then(resolve, reject);
        });
      });
      // Each caller handles the rejection; this copy must not count as unhandled.
      answer.catch(() => {});
      this.pending.set(redis, answer);
    }
    return answer;
  }
}
