/**
 * A `Job`: one command (or recorded batch) on its way through a pool, carried as one value from
 * the first send through every retry, with what its retries need to know.
 */
import type { AsyncResource } from 'node:async_hooks';
import { Command, type Redis } from 'ioredis';
import type { PoolConnection } from '../connector/pool-connection.js';

/** Runs the command on one ioredis connection. */
export type Invoker = (redis: Redis, connection: PoolConnection) => Promise<unknown>;

/** Which open connections to try first. */
export type Preference = (redis: Redis) => boolean;

/** Whether a job may write (a pool never runs a command that needs a dedicated connection). */
export type JobKind = 'read' | 'write';

/**
 * Wraps the invoker of one command or batch, to send follow-up commands on the same connection
 * (ROLE for read-your-writes, WAIT for durable writes). `kind` says whether it may write.
 */
export interface InvokerWrap {
  (invoke: Invoker, kind: JobKind): Invoker;
  /** Prefer connections for which this holds (a replica known to be caught up), if any is open. */
  prefer?: Preference | undefined;
}

/** One command or batch a pool is running. */
export interface Job {
  /**
   * The command name, lower case (`multi`/`pipeline` for batches): the name a built-in command is
   * sent under (see {@link replyOptions}), and the name in messages and logs.
   */
  readonly command: string;
  readonly kind: JobKind;
  /**
   * Runs it: a batch, or a command wrapped (sessions, durable writes). Undefined for a plain
   * command, which {@link runJob} sends itself: no closure per command.
   */
  readonly invoke: Invoker | undefined;
  /** The ioredis method of a plain command (`get`, `getBuffer`, `call` …), and its arguments. */
  readonly method: string;
  readonly args: readonly unknown[];
  /**
   * A plain built-in command (not `call`, not a Lua command): how ioredis decodes its reply, so
   * that {@link runJob} can hand ioredis the `Command` its method would have made.
   */
  readonly replyOptions: ReplyOptions | undefined;
  /**
   * False for scripts: a script may have written before it returned an error such as BUSY or
   * NOREPLICAS, and Redis does not undo that, so it is never resent after one.
   */
  readonly isResendable: boolean;
  /** Connections to try first, if any is open. */
  readonly prefer: Preference | undefined;
  /** Sends so far that failed without an answer (lost connection, stale server). */
  attempts: number;
  /** When the server first refused it for now (NOREPLICAS, LOADING …), if it did. */
  refusedSince: number | undefined;
  /** Resends after such refusals so far. */
  refusedCount: number;
  /**
   * Its caller's async context, captured the first time it waits (wait-queue.ts): it is sent
   * from whatever event ends the wait, and must run as its caller's (tracing, see
   * async-scope.ts). Undefined while it never waited: the fast path allocates nothing.
   */
  caller: AsyncResource | undefined;
}

/** A job that has not been sent yet: one that `invoke` runs (a batch, a wrapped command). */
export function newJob(
  command: string,
  kind: JobKind,
  invoke: Invoker,
  isResendable: boolean,
  prefer?: Preference,
): Job {
  return jobOf(command, kind, invoke, command, NO_ARGS, isResendable, prefer);
}

/** The options of an ioredis `Command` for one reply encoding (shared: ioredis only reads them). */
export interface ReplyOptions {
  readonly replyEncoding: 'utf8' | null;
}

/** Replies as strings (`get`), or as Buffers (`getBuffer`). */
export const STRING_REPLIES: ReplyOptions = Object.freeze({ replyEncoding: 'utf8' });
export const BUFFER_REPLIES: ReplyOptions = Object.freeze({ replyEncoding: null });

/**
 * A plain command that has not been sent yet: `redis[method](...args)`, or, with `replyOptions`
 * (a built-in command by its own method), the `Command` that method makes.
 */
export function commandJob(
  command: string,
  kind: JobKind,
  method: string,
  args: readonly unknown[],
  isResendable: boolean,
  replyOptions?: ReplyOptions,
): Job {
  return jobOf(command, kind, undefined, method, args, isResendable, undefined, replyOptions);
}

const NO_ARGS: readonly unknown[] = [];

function jobOf(
  command: string,
  kind: JobKind,
  invoke: Invoker | undefined,
  method: string,
  args: readonly unknown[],
  isResendable: boolean,
  prefer: Preference | undefined,
  replyOptions?: ReplyOptions,
): Job {
  // One object shape for every job, so that the command path sees one hidden class.
  return {
    command,
    kind,
    invoke,
    method,
    args,
    replyOptions,
    isResendable,
    prefer,
    attempts: 0,
    refusedSince: undefined,
    refusedCount: 0,
    caller: undefined,
  };
}

/** The same read, started afresh on another pool (a replica pool falling back to the master). */
export function fallbackJob(job: Job): Job {
  return jobOf(
    job.command,
    'read',
    job.invoke,
    job.method,
    job.args,
    job.isResendable,
    undefined,
    job.replyOptions,
  );
}

/** Calls a command method of ioredis by name (`get`, `getBuffer`, `call`, …). */
function callMethod(redis: Redis, method: string, args: readonly unknown[]): Promise<unknown> {
  return (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);
}

/**
 * Sends `job` on `connection`: its invoker, or its command. A built-in command goes to ioredis
 * as the `Command` its generated method would make (same name, arguments and reply encoding),
 * which skips the method's argument shuffling and a by-name lookup of the method on every
 * command; a connection whose ioredis options change commands (a key prefix, friendly error
 * stacks, auto-pipelining) uses the method.
 */
export function runJob(job: Job, connection: PoolConnection): Promise<unknown> {
  if (job.invoke !== undefined) return job.invoke(connection.redis, connection);
  const { replyOptions } = job;
  if (replyOptions !== undefined && connection.takesCommandsAsIs) {
    // A command method of the pool checked the arguments and took off a callback
    // (command-methods.ts); ioredis flattens them as its own method does.
    const command = new Command(
      job.command,
      job.args as ConstructorParameters<typeof Command>[1],
      replyOptions,
    );
    return connection.redis.sendCommand(command) as Promise<unknown>;
  }
  return callMethod(connection.redis, job.method, job.args);
}

/** Calls a command method of ioredis by name: the invoker of a command that gets wrapped. */
export function invokerFor(method: string, args: readonly unknown[]): Invoker {
  return (redis) => callMethod(redis, method, args);
}

/** What sends `job`, as an invoker to wrap (a replica pool timing it). */
export function invokerOf(job: Job): Invoker {
  return job.invoke ?? invokerFor(job.method, job.args);
}
