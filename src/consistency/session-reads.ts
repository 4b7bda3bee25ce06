/**
 * The read path of a session (`session.replica`): a read goes to a replica connection known to
 * have the session's writes, or to another with a ROLE pipelined right before it (the read sees
 * at least that offset); a replica found behind is skipped and the read retried briefly on the
 * others; once `timeoutMs` has passed, the read goes to the master instead (or fails with
 * ConsistencyTimeoutError). What each replica connection was seen to have applied is shared by
 * the group's sessions; so is one deadline queue per `timeoutMs` (a read arms no timer).
 */
import type { Redis } from 'ioredis';
import { detached } from '../async-scope.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { parseRole, type ServerRole } from '../connector/role.js';
import { DeadlineQueue } from '../deadline-queue.js';
import { ConsistencyTimeoutError, SentinelPoolError } from '../errors.js';
import { isSessionReadObserved, publishSessionRead } from '../observability/channels.js';
import type { Invoker, InvokerWrap } from '../pool/job.js';
import { hasApplied, isCaughtUp, knownReplica, mayServe, type TokenPosition } from './position.js';
import type { SessionContext, SessionSettings } from './session-context.js';

/** Thrown inside the read path when the chosen replica is behind; never reaches the caller. */
class NotCaughtUp extends SentinelPoolError {
  constructor() {
    super('ERR_NOT_CAUGHT_UP', 'the replica has not applied the session writes yet');
  }
}

/** Backoff between attempts to find a caught-up replica: the next replica at once, then 1, 2, 4… ms. */
function retryDelay(attempt: number): number {
  return attempt === 0 ? 0 : Math.min(2 ** (attempt - 1), 10);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One session read on its way. */
export interface PendingRead {
  /** Tries on replicas so far (for the session-read channel). */
  attempts: number;
  /** Whether the server that answered was the master (the replica pool fell back to it). */
  isServedByMaster: boolean;
  /** Settled: served, failed, or past its deadline (then the caller no longer waits for a replica). */
  isDone: boolean;
  /** At the deadline, if not done: read from the master instead, or fail. */
  onDeadline(): void;
}

const isDone = (read: PendingRead): boolean => read.isDone;
const expire = (read: PendingRead): void => {
  read.isDone = true;
  read.onDeadline();
};

/**
 * Publishes a served session read on the `session-read` channel; `startedAt` is -1 when
 * nobody subscribed at the call, and then nothing is done.
 */
function observed<T>(
  name: string,
  startedAt: number,
  value: Promise<T>,
  servedBy: () => 'replica' | 'master',
  attempts: number,
): Promise<T> {
  if (startedAt < 0) return value;
  return value.then((result) => {
    publishSessionRead({ name, waitedMs: performance.now() - startedAt, servedBy: servedBy(), attempts });
    return result;
  });
}

/** The reads of one session; the session owns its position and hands it in live. */
export class SessionReads {
  constructor(
    private readonly context: SessionContext,
    private readonly settings: SessionSettings,
    /** The session's position now (it moves with every write). */
    private readonly positionOf: () => TokenPosition | undefined,
  ) {}

  /** Whether a server may serve the session's reads, with the replica's master as we reach it. */
  private isCaughtUp(position: TokenPosition, role: ServerRole): boolean {
    return isCaughtUp(position, role, this.context.translate);
  }

  /** A replica connection already known to have the session's writes. */
  private isKnownCaughtUp = (redis: Redis): boolean => {
    const position = this.positionOf();
    if (position === undefined) return false;
    const known = this.context.replicaRoles.get(redis);
    return known !== undefined && hasApplied(position, known);
  };

  /**
   * The wrap of one session read: served only by a server that has the session's writes, never
   * sent once the caller stopped waiting for it, and never by the master (where the replica pool
   * falls back to it) when the session may not read there.
   */
  private readWrap(position: TokenPosition | undefined, read: PendingRead): InvokerWrap {
    const wrap: InvokerWrap = (invoke: Invoker): Invoker => {
      return (redis, connection) => {
        if (read.isDone || !mayServe(connection.role, this.settings.fallbackToMaster)) {
          return Promise.reject(new NotCaughtUp());
        }
        read.isServedByMaster = connection.role === 'master';
        return position
          ? this.readIfCaughtUp(invoke, redis, connection, position)
          : invoke(redis, connection);
      };
    };
    wrap.prefer = position ? this.isKnownCaughtUp : undefined;
    return wrap;
  }

  private readIfCaughtUp(
    invoke: Invoker,
    redis: Redis,
    connection: PoolConnection,
    position: TokenPosition,
  ): Promise<unknown> {
    if (this.isKnownCaughtUp(redis)) return invoke(redis, connection);
    // ROLE first, then the read, on the same connection: the read sees at least that offset.
    // The library's probe, in no caller's async context (async-scope.ts); the read is the caller's.
    const role = detached(() => redis.call('ROLE'));
    const reply = invoke(redis, connection);
    return Promise.all([role, reply]).then(([roleReply, value]) => {
      const parsed = parseRole(roleReply);
      this.remember(redis, parsed);
      if (!this.isCaughtUp(position, parsed)) throw new NotCaughtUp();
      return value;
    });
  }

  private remember(redis: Redis, role: ServerRole): void {
    const next = knownReplica(role, this.context.translate);
    if (next === undefined) return;
    const known = this.context.replicaRoles.get(redis);
    if (known === undefined || known.master !== next.master || next.offset > known.offset) {
      this.context.replicaRoles.set(redis, next);
    }
  }

  /**
   * Runs a read on a caught-up replica: retries briefly on the others; once
   * `timeoutMs` has passed it stops waiting for the replicas (a frozen or slow one included)
   * and reads from the master, or fails with ConsistencyTimeoutError (`fallbackToMaster: false`,
   * which never reads the master).
   */
  readConsistently<T>(read: (wrap: InvokerWrap) => Promise<T>, fromMaster: () => Promise<T>): Promise<T> {
    const position = this.positionOf();
    const startedAt = isSessionReadObserved() ? performance.now() : -1;
    if (position === undefined) return this.readWithin(undefined, read, fromMaster, startedAt);
    const master = this.context.currentMaster();
    if (master !== undefined) return this.readFrom(master, position, read, fromMaster, startedAt);
    return this.context
      .resolveMaster()
      .then((resolved) => this.readFrom(resolved, position, read, fromMaster, startedAt));
  }

  /** A read whose session wrote on `position.master`, while `master` is the master. */
  private readFrom<T>(
    master: string,
    position: TokenPosition,
    read: (wrap: InvokerWrap) => Promise<T>,
    fromMaster: () => Promise<T>,
    startedAt: number,
  ): Promise<T> {
    if (position.master === master) return this.readWithin(position, read, fromMaster, startedAt);
    // A position from before a failover matches no replica of the new master.
    const name = this.context.master.name;
    if (this.settings.fallbackToMaster) return observed(name, startedAt, fromMaster(), () => 'master', 0);
    return Promise.reject(
      new ConsistencyTimeoutError(
        `The session's writes were made on ${position.master}, no longer the master of "${name}": no replica can show that they were applied`,
      ),
    );
  }

  /**
   * Sends the read to a caught-up replica now (no timer, no race: its deadline waits in the
   * group's {@link DeadlineQueue}), and to the others after a NotCaughtUp, until the deadline.
   */
  private readWithin<T>(
    position: TokenPosition | undefined,
    read: (wrap: InvokerWrap) => Promise<T>,
    fromMaster: () => Promise<T>,
    startedAt: number,
  ): Promise<T> {
    const { timeoutMs, fallbackToMaster } = this.settings;
    const name = this.context.master.name;
    return new Promise<T>((resolve, reject) => {
      const pending: PendingRead = {
        attempts: 1,
        isServedByMaster: false,
        isDone: false,
        onDeadline: () => {
          // Done now: the read in flight is left to finish on its own (a read: harmless); one
          // still queued is never sent (the wrap refuses it).
          if (fallbackToMaster) {
            resolve(observed(name, startedAt, fromMaster(), () => 'master', pending.attempts));
            return;
          }
          reject(
            new ConsistencyTimeoutError(
              `No replica of "${name}" served the read with the session's writes within ${timeoutMs} ms`,
            ),
          );
        },
      };
      const served = (value: T): void => {
        if (pending.isDone) return;
        pending.isDone = true;
        if (startedAt < 0) resolve(value);
        else {
          const servedBy = pending.isServedByMaster ? 'master' : 'replica';
          resolve(observed(name, startedAt, Promise.resolve(value), () => servedBy, pending.attempts));
        }
      };
      const failed = (error: unknown): void => {
        if (pending.isDone) return;
        pending.isDone = true;
        reject(error);
      };
      const wrap = this.readWrap(position, pending);
      this.readDeadlines().track(pending);
      let first: Promise<T>;
      try {
        first = read(wrap);
      } catch (error) {
        failed(error);
        return;
      }
      first.then(served, (error: unknown) => {
        if (!(error instanceof NotCaughtUp)) return failed(error);
        this.retryOnReplicas(read, wrap, pending).then((outcome) => {
          if (outcome !== undefined) served(outcome.value);
          // Out of attempts before the deadline (a long timeoutMs): what the deadline would do.
          else if (!pending.isDone) expire(pending);
        }, failed);
      });
    });
  }

  private deadlines: DeadlineQueue<PendingRead> | undefined;

  /** The deadline queue of this session's `timeoutMs`, shared by the group's sessions. */
  private readDeadlines(): DeadlineQueue<PendingRead> {
    if (this.deadlines) return this.deadlines;
    const { timeoutMs } = this.settings;
    let queue = this.context.readDeadlines.get(timeoutMs);
    if (!queue) {
      queue = new DeadlineQueue(timeoutMs, isDone, expire);
      this.context.readDeadlines.set(timeoutMs, queue);
    }
    this.deadlines = queue;
    return queue;
  }

  /** After a first try found its replica behind: the others, then again, until done. */
  private async retryOnReplicas<T>(
    read: (wrap: InvokerWrap) => Promise<T>,
    wrap: InvokerWrap,
    pending: PendingRead,
  ): Promise<{ value: T } | undefined> {
    for (let attempt = 1; attempt < 1000; attempt++) {
      await delay(retryDelay(attempt - 1));
      if (pending.isDone) return undefined;
      pending.attempts = attempt + 1;
      try {
        return { value: await read(wrap) };
      } catch (error) {
        if (!(error instanceof NotCaughtUp)) throw error;
      }
    }
    return undefined;
  }
}
