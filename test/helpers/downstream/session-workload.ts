/**
 * connect-redis 7 (express-session's `RedisStore` for ioredis) as a downstream workload: one
 * session saved after another (`s<n>`), each a new key, so that a lost update is a missing key on
 * the final master.
 */
import RedisStore from 'connect-redis';
import type { SessionData } from 'express-session';
import { BoundedLoop } from '../bounded-loop.js';
import { withNode } from '../node-client.js';
import { type LossReport, lossReport, type Switch } from './disruption.js';
import { type ClientFor, tally, type Workload } from './workload.js';

/** What the final master says about the sessions. */
export interface SessionCount extends LossReport {
  /** Sessions whose `set()` succeeded. */
  saved: number;
  /** `set()` calls that failed, by kind. */
  setErrors: Record<string, number>;
}

/** A session as express-session stores it. */
export function sessionOf(n: number): SessionData {
  return { cookie: { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000) }, n } as never;
}

/** See the module comment. */
export class SessionWorkload implements Workload<SessionCount> {
  readonly store: RedisStore;
  readonly prefix = `sess-${Date.now()}-${Math.floor(Math.random() * 1e6)}:`;
  readonly #writer: BoundedLoop;

  constructor(clientFor: ClientFor) {
    this.store = new RedisStore({ client: clientFor(), prefix: this.prefix });
    this.#writer = new BoundedLoop(
      (n) =>
        new Promise<void>((resolve, reject) =>
          this.store.set(`s${n}`, sessionOf(n), (error?: unknown) => (error ? reject(error) : resolve())),
        ),
    );
  }

  acknowledged(): number {
    return this.#writer.resolved.length;
  }

  stop(): Promise<void> {
    return this.#writer.stop();
  }

  async count(sw: Switch): Promise<SessionCount> {
    const keys = new Set(await withNode(sw.to, (c) => c.keys(`${this.prefix}*`)));
    return {
      saved: this.#writer.resolved.length,
      setErrors: tally(this.#writer.errors),
      ...lossReport(sw, this.#writer, (n) => keys.has(`${this.prefix}s${n}`)),
    };
  }

  /** The last saved session, read back through the store. */
  readLast(): Promise<SessionData | null | undefined> {
    const last = this.#writer.resolved.at(-1);
    return new Promise((resolve, reject) =>
      this.store.get(`s${last}`, (error: unknown, session?: SessionData | null) =>
        error ? reject(error) : resolve(session),
      ),
    );
  }

  close(): Promise<void> {
    return this.#writer.stop();
  }
}
