/**
 * What master and replica pools share: the command path, the queue of commands waiting for a
 * usable connection, what to do when a connection dies under a command, and the lifecycle.
 *
 * The fast path hands a command straight to an open ioredis connection (no queue, no extra
 * object). Commands wait in one FIFO (denque) only when no connection is usable or the pool is
 * held during a failover; one "pump" drains it whenever that changes, and one timer fails those
 * that waited too long.
 */
import Denque from 'denque';
import type { Redis } from 'ioredis';
import { type Batch, type BatchResult, CommandBatch, lostBatchError } from '../commands/command-batch.js';
import { type CommandKind, classifyCommand } from '../commands/command-info.js';
import {
  checkCommandArguments,
  installCommandMethods,
  isCommandMethod,
} from '../commands/command-methods.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { debugFor } from '../debug.js';
import {
  ClosedError,
  ConnectionLostError,
  classifyReplyError,
  DedicatedConnectionRequiredError,
  SentinelConfigError,
} from '../errors.js';
import type { NormalizedPoolOptions } from '../options.js';
import { DedicatedConnections } from './dedicated-connections.js';

const log = debugFor('pool');

/** How often one command may be retried after lost connections or a stale server. */
const MAX_ATTEMPTS = 5;

/**
 * Backoff between resends of a command the server refused for now ('retry-later': NOREPLICAS,
 * LOADING, MASTERDOWN, BUSY, TRYAGAIN): the first after 25 ms, then doubling, at most 250 ms.
 */
const RETRY_LATER_FIRST_MS = 25;
const RETRY_LATER_MAX_MS = 250;

/** Commands that run a script: its writes before an error reply stay applied. */
const SCRIPT_COMMANDS: ReadonlySet<string> = new Set([
  'eval',
  'evalsha',
  'eval_ro',
  'evalsha_ro',
  'fcall',
  'fcall_ro',
]);

/** A command waiting for a usable connection. */
interface Waiting {
  command: string;
  invoke: Invoker;
  args: unknown[];
  kind: CommandKind;
  attempts: number;
  deadline: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A Lua command for defineCommand(), as ioredis takes it. */
export interface ScriptDefinition {
  lua: string;
  numberOfKeys?: number;
  readOnly?: boolean;
}

/** Runs the command on one ioredis connection. */
export type Invoker = (redis: Redis, connection: PoolConnection) => Promise<unknown>;

/**
 * Wraps the invoker of one command or batch, to send follow-up commands on the same connection
 * (ROLE for read-your-writes, WAIT for durable writes). `kind` says whether it may write.
 */
export interface InvokerWrap {
  (invoke: Invoker, kind: CommandKind): Invoker;
  /** Prefer connections for which this holds (a replica known to be caught up), if any is open. */
  prefer?: Preference | undefined;
}

/** Which open connections to try first. */
export type Preference = (redis: Redis) => boolean;

/** Calls a command method of ioredis by name (`get`, `getBuffer`, `call`, …). */
function invokerFor(method: string, args: unknown[]): Invoker {
  return (redis) =>
    (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);
}

/** The command name a method stands for: `getBuffer` → `get`, `call('GET', …)` → `get`. */
export function commandOf(method: string, args: readonly unknown[]): string {
  if (method === 'call' || method === 'callBuffer') return String(args[0] ?? '').toLowerCase();
  return method.endsWith('Buffer') ? method.slice(0, -6) : method;
}

/** The shared machinery of MasterPool and ReplicaPool. */
export abstract class PoolBase {
  /** The master group name. */
  readonly name: string;
  protected readonly poolOptions: NormalizedPoolOptions;
  /** What to call this pool in messages: `masterFor("mymaster")`. */
  protected readonly label: string;
  private readonly waiting = new Denque<Waiting>();
  private waitTimer: NodeJS.Timeout | undefined;
  protected isClosed = false;
  private isStarted = false;
  private closing: Promise<void> | undefined;
  /** Connections lent by withConnection()/acquire(). */
  protected readonly dedicated: DedicatedConnections;
  /** Lua commands from defineCommand(), defined on every connection, present and future. */
  private readonly scripts = new Map<string, ScriptDefinition>();
  /** Invokers of scripts: never resent after a 'retry-later' error (see sendCommand). */
  private readonly noResend = new WeakSet<Invoker>();
  /** Commands refused for now, by their invoker: since when, and how many resends so far. */
  private readonly retryLater = new WeakMap<Invoker, { since: number; count: number }>();
  /** Pauses before such resends; close() ends them (with ClosedError) so nothing outlives it. */
  private readonly pauses = new Set<{ timer: NodeJS.Timeout; cancel(): void }>();

  protected constructor(name: string, poolOptions: NormalizedPoolOptions, db: number, label: string) {
    this.name = name;
    this.label = label;
    this.poolOptions = poolOptions;
    this.dedicated = new DedicatedConnections(
      () => this.createDedicated(),
      poolOptions.maxDedicatedConnections,
      poolOptions.acquireTimeout,
      db,
      label,
    );
  }

  /** A new connection for dedicated use, following this pool's role. */
  protected abstract createDedicated(): PoolConnection;
  /** The shared connections (for closing). */
  protected abstract sharedConnections(): PoolConnection[];
  /** Stops listening to discovery. */
  protected abstract detach(): void;

  /**
   * Defines a Lua command on every connection of the pool (as ioredis's `defineCommand`), and
   * a method of that name on the pool. It counts as a write unless `readOnly` is set.
   * @example
   * ```ts
   * master.defineCommand('getset2', { numberOfKeys: 1, lua: 'return redis.call("GETSET", KEYS[1], ARGV[1])' });
   * await (master as unknown as { getset2(k: string, v: string): Promise<string> }).getset2('k', 'v');
   * ```
   */
  defineCommand(name: string, definition: ScriptDefinition): void {
    if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name) || name in this) {
      throw new SentinelConfigError(`defineCommand: "${String(name)}" is not a free method name of the pool`);
    }
    if (typeof definition?.lua !== 'string')
      throw new SentinelConfigError('defineCommand: definition.lua must be a string');
    this.scripts.set(name, { ...definition });
    for (const connection of [...this.sharedConnections(), ...this.dedicated.all()]) {
      connection.redis.defineCommand(name, definition);
    }
    for (const method of [name, `${name}Buffer`]) {
      Object.defineProperty(this, method, {
        value: (...args: unknown[]) => {
          // A trailing callback is ioredis's to handle, not an argument.
          const sent = typeof args.at(-1) === 'function' ? args.slice(0, -1) : args;
          const refused = checkCommandArguments(method, sent);
          return refused ? Promise.reject(refused) : this.sendCommand(method, args);
        },
      });
    }
  }

  /** A method name a batch given as an array may use: a command, or a script of defineCommand(). */
  private readonly isBatchMethod = (name: string): boolean =>
    isCommandMethod(name) || this.scripts.has(name.endsWith('Buffer') ? name.slice(0, -6) : name);

  /** Gives a new connection the commands of defineCommand(). Subclasses call it on each. */
  protected prepare(connection: PoolConnection): PoolConnection {
    for (const [name, definition] of this.scripts) connection.redis.defineCommand(name, definition);
    return connection;
  }

  /**
   * Records a pipeline: the commands leave together, on one connection, at `exec()`.
   * @example `const [[, a], [, b]] = await pool.pipeline().get('a').get('b').exec();`
   */
  pipeline(commands?: unknown[][]): Batch {
    return new CommandBatch(this, false, commands, this.isBatchMethod) as unknown as Batch;
  }

  /**
   * Records a transaction (MULTI … EXEC), sent on one connection at `exec()`.
   * @example `await pool.multi().incr('n').expire('n', 60).exec();`
   */
  multi(commands?: unknown[][]): Batch {
    return new CommandBatch(this, true, commands, this.isBatchMethod) as unknown as Batch;
  }

  /**
   * Runs `fn` with a connection of its own (for BLPOP, WATCH, SUBSCRIBE, SELECT …) and takes
   * it back when `fn` settles. The connection follows failovers like the pool.
   * @throws PoolTimeoutError when none is free within `acquireTimeout`.
   */
  async withConnection<T>(fn: (connection: Redis) => Promise<T> | T): Promise<T> {
    if (typeof fn !== 'function') {
      throw new SentinelConfigError(`withConnection() needs a function (connection) => …, got ${typeof fn}`);
    }
    const connection = await this.acquire();
    try {
      return await fn(connection);
    } finally {
      this.release(connection);
    }
  }

  /** Borrows a connection of its own; give it back with {@link release}. */
  acquire(): Promise<Redis> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.label));
    return this.dedicated.acquire();
  }

  /** Gives back a connection from {@link acquire}. */
  release(connection: Redis): void {
    this.dedicated.release(connection);
  }

  /**
   * Closes the pool gracefully: commands already sent get their answers, waiting ones fail
   * with ClosedError, then every connection sends QUIT. Idempotent.
   */
  quit(): Promise<void> {
    return this.close(true);
  }

  /** Closes the pool at once: every connection is dropped. Idempotent. */
  disconnect(): Promise<void> {
    return this.close(false);
  }

  private close(graceful: boolean): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    this.detach();
    for (const pause of this.pauses) pause.cancel();
    this.pauses.clear();
    this.failWaiting(new ClosedError(this.label));
    this.closing = Promise.all([
      ...this.sharedConnections().map((c) => c.close(graceful)),
      this.dedicated.close(graceful),
    ]).then(() => undefined);
    return this.closing;
  }

  /** An open connection for a command of this kind, or undefined to wait. */
  protected abstract pick(kind: CommandKind, prefer?: Preference): PoolConnection | undefined;
  /** Creates the connections on first use (pools connect lazily). */
  protected abstract start(): void;
  /** An error for a command this pool must not send (a write to a replica), or undefined. */
  protected abstract refuse(command: string, kind: CommandKind): Error | undefined;
  /** How long a command may wait for a usable connection. */
  protected abstract get waitLimit(): number;
  /** A command waited `waitLimit` in vain: fail it (or send it elsewhere). */
  protected abstract giveUp(command: string, args: unknown[], invoke: Invoker): Promise<unknown>;
  /** Whether a server error means the server is not what we took it for (READONLY on a master). */
  protected abstract isStaleServerError(error: unknown): boolean;
  /** Acts on such an error: drop the connection, ask discovery. */
  protected abstract onStaleServer(connection: PoolConnection): void;
  /** Whether commands are held (a failover is promoting a new master). */
  protected get isHeld(): boolean {
    return false;
  }

  /**
   * Sends any command by ioredis method name. The typed methods (`get`, `set`, …) call this.
   * @internal
   */
  sendCommand(method: string, args: unknown[], wrap?: InvokerWrap): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.label));
    const command = commandOf(method, args);
    const script = this.scripts.get(command);
    const kind = script
      ? script.readOnly
        ? 'read'
        : 'write'
      : classifyCommand(command, method.startsWith('call') ? args.slice(1) : args);
    if (kind === 'dedicated') return Promise.reject(new DedicatedConnectionRequiredError(command));
    const refused = this.refuse(command, kind);
    if (refused) return Promise.reject(refused);
    const invoke = this.wrapInvoker(invokerFor(method, args), kind, wrap);
    // A script may have written before it returned an error such as BUSY or NOREPLICAS: Redis
    // does not undo that, so a script is never resent after one.
    if (script || SCRIPT_COMMANDS.has(command)) this.noResend.add(invoke);
    return this.dispatch(command, kind, invoke, args, wrap?.prefer);
  }

  /**
   * Sends a recorded pipeline or transaction on one connection. It counts as a read (retried
   * after a lost connection) only if every command in it is a read.
   * @internal
   */
  runBatch(commands: unknown[][], transaction: boolean, wrap?: InvokerWrap): Promise<BatchResult> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.label));
    let kind: CommandKind = 'read';
    let writeCount = 0;
    for (const [method, ...args] of commands) {
      const command = commandOf(String(method), args);
      const commandKind = classifyCommand(command, args);
      if (commandKind === 'dedicated') return Promise.reject(new DedicatedConnectionRequiredError(command));
      const refused = this.refuse(command, commandKind);
      if (refused) return Promise.reject(refused);
      if (commandKind === 'write') {
        kind = 'write';
        writeCount += 1;
      }
    }
    const invoke = async (redis: Redis) => {
      const batch = transaction
        ? redis.multi(commands as string[][])
        : redis.pipeline(commands as string[][]);
      const results = await batch.exec().catch((error: unknown) => {
        // A transaction a demoted master refused: EXEC aborted, nothing applied.
        throw (transaction && readonlyCause(error)) || error;
      });
      const lost = lostBatchError(results);
      if (lost) throw lost;
      // A pipeline whose every write a demoted master refused applied nothing: resend it whole.
      const refused = results?.filter(([error]) => error && this.isStaleServerError(error));
      if (refused && refused.length > 0 && refused.length === writeCount) {
        throw refused[0]![0];
      }
      return results;
    };
    return this.dispatch(
      transaction ? 'multi' : 'pipeline',
      kind,
      this.wrapInvoker(invoke, kind, wrap),
      [],
      wrap?.prefer,
    ) as Promise<BatchResult>;
  }

  /** Applies the pool's own wrap (durable writes) inside the caller's (a session's ROLE). */
  private wrapInvoker(invoke: Invoker, kind: CommandKind, wrap: InvokerWrap | undefined): Invoker {
    const own = this.poolWrap ? this.poolWrap(invoke, kind) : invoke;
    return wrap ? wrap(own, kind) : own;
  }

  /** A wrap every command of this pool gets (durable writes), or undefined. */
  protected poolWrap: InvokerWrap | undefined;

  /** Sends on an open connection now, or queues until one is usable. */
  protected dispatch(
    command: string,
    kind: CommandKind,
    invoke: Invoker,
    args: unknown[],
    prefer?: Preference,
  ): Promise<unknown> {
    if (!this.isStarted) {
      this.isStarted = true;
      this.start();
    }
    if (this.waiting.length === 0 && !this.isHeld) {
      const connection = this.pick(kind, prefer);
      if (connection) return this.run(connection, command, kind, invoke, args, 0);
    }
    return this.enqueue(command, kind, invoke, args, 0);
  }

  private run(
    connection: PoolConnection,
    command: string,
    kind: CommandKind,
    invoke: Invoker,
    args: unknown[],
    attempts: number,
  ): Promise<unknown> {
    connection.beforeWrite();
    return invoke(connection.redis, connection).then(undefined, (error: unknown) =>
      this.recover(error, connection, command, kind, invoke, args, attempts),
    );
  }

  /**
   * A command failed. Retry it when that cannot apply it twice: a read whose connection died,
   * or any command a demoted master refused (READONLY: it was not applied). A write whose
   * connection died is ambiguous and surfaces as ConnectionLostError, unless `retryWrites`.
   */
  private recover(
    error: unknown,
    connection: PoolConnection,
    command: string,
    kind: CommandKind,
    invoke: Invoker,
    args: unknown[],
    attempts: number,
  ): Promise<unknown> {
    if (this.isClosed || attempts + 1 >= MAX_ATTEMPTS) return Promise.reject(error);
    if (wasNotSent(error)) {
      // ioredis refused to write it (the socket had just died): nothing was sent, any kind is safe.
      return this.enqueue(command, kind, invoke, args, attempts + 1);
    }
    if (error instanceof ConnectionLostError) {
      if (kind !== 'read' && !this.poolOptions.retryWrites) return Promise.reject(error);
      log('%s: retrying "%s" after a lost connection', this.label, command);
      return this.enqueue(command, kind, invoke, args, attempts + 1);
    }
    if (this.isStaleServerError(error)) {
      this.onStaleServer(connection);
      log('%s: retrying "%s": %s', this.label, command, (error as Error).message);
      return this.enqueue(command, kind, invoke, args, attempts + 1);
    }
    if (classifyReplyError(error) === 'retry-later')
      return this.resendLater(error, command, kind, invoke, args, attempts);
    return Promise.reject(error);
  }

  /**
   * The server refused the command for now and did not run it (NOREPLICAS right after a
   * failover with min-replicas-to-write, LOADING, MASTERDOWN, BUSY): send it again after a short
   * pause, for up to `waitLimit` since the first refusal; then the refusal reaches the caller.
   * Batches never get here: their replies carry such errors one by one, and some of the other
   * commands may have run.
   */
  private resendLater(
    error: unknown,
    command: string,
    kind: CommandKind,
    invoke: Invoker,
    args: unknown[],
    attempts: number,
  ): Promise<unknown> {
    if (this.noResend.has(invoke)) return Promise.reject(error);
    const now = Date.now();
    const state = this.retryLater.get(invoke) ?? { since: now, count: 0 };
    if (now - state.since >= this.waitLimit) return this.retryLaterExhausted(error, command, args, invoke);
    this.retryLater.set(invoke, { since: state.since, count: state.count + 1 });
    const ms = Math.min(RETRY_LATER_MAX_MS, RETRY_LATER_FIRST_MS * 2 ** state.count);
    log('%s: "%s" refused for now (%s): again in %d ms', this.label, command, (error as Error).message, ms);
    return this.pause(ms).then(() => this.enqueue(command, kind, invoke, args, attempts));
  }

  /**
   * A command was refused for now for `waitLimit`: the refusal reaches the caller. A replica
   * pool may send a read to the master instead (`fallbackToMaster`).
   */
  protected retryLaterExhausted(
    error: unknown,
    _command: string,
    _args: unknown[],
    _invoke: Invoker,
  ): Promise<unknown> {
    return Promise.reject(error);
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
          reject(new ClosedError(this.label));
        },
      };
      this.pauses.add(pause);
    });
  }

  private enqueue(command: string, kind: CommandKind, invoke: Invoker, args: unknown[], attempts: number) {
    return new Promise<unknown>((resolve, reject) => {
      const deadline = Date.now() + this.waitLimit;
      this.waiting.push({ command, invoke, args, kind, attempts, deadline, resolve, reject });
      this.armWaitTimer();
      this.pump();
    });
  }

  /** Sends waiting commands while a connection is usable. Call whenever that may have changed. */
  protected pump(): void {
    while (this.waiting.length > 0 && !this.isHeld) {
      const head = this.waiting.peekFront()!;
      const connection = this.pick(head.kind);
      if (!connection) break;
      this.waiting.shift();
      this.run(connection, head.command, head.kind, head.invoke, head.args, head.attempts).then(
        head.resolve,
        head.reject,
      );
    }
    if (this.waiting.length === 0) {
      clearTimeout(this.waitTimer);
      this.waitTimer = undefined;
    }
  }

  private armWaitTimer(): void {
    if (this.waitTimer || this.waiting.length === 0) return;
    const head = this.waiting.peekFront()!;
    this.waitTimer = setTimeout(() => this.expireWaiting(), Math.max(0, head.deadline - Date.now()));
  }

  private expireWaiting(): void {
    this.waitTimer = undefined;
    const now = Date.now();
    while (this.waiting.length > 0 && this.waiting.peekFront()!.deadline <= now) {
      const head = this.waiting.shift()!;
      this.giveUp(head.command, head.args, head.invoke).then(head.resolve, head.reject);
    }
    this.armWaitTimer();
  }

  /** Hands every waiting command to expire() now (nothing will become usable soon). */
  protected giveUpAll(): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    while (this.waiting.length > 0) {
      const head = this.waiting.shift()!;
      this.giveUp(head.command, head.args, head.invoke).then(head.resolve, head.reject);
    }
  }

  /** Fails every waiting command (the pool is closing). */
  protected failWaiting(error: Error): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    while (this.waiting.length > 0) this.waiting.shift()!.reject(error);
  }
}

installCommandMethods(
  PoolBase.prototype,
  (self: PoolBase, method, args) => self.sendCommand(method, args),
  'reject',
);

/** ioredis's refusal to write a command on a connection that is not ready (offline queue off). */
function wasNotSent(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("Stream isn't writeable");
}

/** The READONLY error behind an EXECABORT, if that is why a transaction was aborted. */
function readonlyCause(error: unknown): Error | undefined {
  const previous = (error as { previousErrors?: unknown[] } | undefined)?.previousErrors;
  if (!(error instanceof Error) || !error.message.startsWith('EXECABORT') || !Array.isArray(previous))
    return undefined;
  return previous.find((e): e is Error => e instanceof Error && classifyReplyError(e) === 'rediscover');
}
