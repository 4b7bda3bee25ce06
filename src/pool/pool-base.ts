/**
 * What master and replica pools share: the command surface (every ioredis command method,
 * defineCommand, pipelines, dedicated connections), turning each call into a {@link Job} for
 * the pool's {@link JobRunner}, and the lifecycle (quit/disconnect). A subclass says where jobs
 * may go (the runner's route: pick, giveUp, retry rules, hold) and owns its connections.
 */
import type { Redis } from 'ioredis';
import type { Address } from '../address.js';
import { type Batch, type BatchResult, CommandBatch } from '../commands/command-batch.js';
import { installCommandMethods } from '../commands/command-methods.js';
import type { ScriptDefinition } from '../commands/script-definition.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { ClosedError, SentinelConfigError } from '../errors.js';
import type { ObservedKind } from '../observability/channels.js';
import { FailoverTrace } from '../observability/failover-trace.js';
import { forgetPool, observePool } from '../observability/metrics.js';
import type { ConnectionStats, ObservedPool, PoolProbe } from '../observability/pool-probe.js';
import type { NormalizedPoolOptions } from '../options.js';
import { type JobRules, jobForBatch, jobForCommand } from './command-jobs.js';
import { DedicatedConnections } from './dedicated-connections.js';
import type { InvokerWrap, Job, JobKind } from './job.js';
import { type JobRoute, JobRunner } from './job-runner.js';
import { notAClient } from './not-a-client.js';
import { installScriptMethods, PoolScripts } from './pool-scripts.js';
import { RefusalWatch } from './refusal-watch.js';
import type { RetryRules } from './retry-policy.js';

/** The shared machinery of MasterPool and ReplicaPool. */
export abstract class PoolBase implements ObservedPool {
  /** The master group name. */
  readonly name: string;
  /** @internal `masterFor` or `replicaFor`, for diagnostics channels and metrics. */
  readonly kind: ObservedKind;
  /** @internal Set when an OpenTelemetry SDK is registered (see observability/metrics.ts). */
  probe: PoolProbe | undefined;
  /** @internal Hold and reaction times for the diagnostics channels. */
  protected readonly trace: FailoverTrace;
  protected readonly poolOptions: NormalizedPoolOptions;
  /** What to call this pool in messages: `masterFor("mymaster")`. */
  protected readonly label: string;
  protected isClosed = false;
  private isStarted = false;
  private closing: Promise<void> | undefined;
  /** Connections lent by withConnection()/acquire(). */
  protected readonly dedicated: DedicatedConnections;
  /** Lua commands from defineCommand(), defined on every connection, present and future. */
  private readonly scripts = new PoolScripts();
  private readonly runner: JobRunner;
  /** Refusals that waiting does not fix (a wrong password, an unknown master name…). */
  private readonly refusals: RefusalWatch;
  protected constructor(
    name: string,
    kind: 'masterFor' | 'replicaFor',
    poolOptions: NormalizedPoolOptions,
    db: number,
  ) {
    const label = `${kind}("${name}")`;
    this.name = name;
    this.kind = kind;
    this.label = label;
    this.poolOptions = poolOptions;
    this.dedicated = new DedicatedConnections(
      () => this.createDedicated(),
      poolOptions.maxDedicatedConnections,
      poolOptions.acquireTimeout,
      db,
      label,
    );
    const route: JobRoute = {
      label,
      retryRules: () => this.retryRules,
      waitLimit: () => this.waitLimit,
      isHeld: (kind) => this.isHeld(kind),
      isClosed: () => this.isClosed,
      pick: (job) => this.pick(job),
      giveUp: (job, refusal) => this.giveUp(job, refusal),
      onStaleServer: (connection) => this.onStaleServer(connection),
    };
    this.runner = new JobRunner(route);
    this.refusals = new RefusalWatch(name, label);
    this.trace = new FailoverTrace(name, this.kind, (isOn) => {
      this.runner.answerWatch = isOn ? this.trace : undefined;
    });
    observePool(this);
  }

  /** @internal The pool's name in metrics: `masterFor("mymaster")`. */
  get poolName(): string {
    return this.label;
  }

  /** @internal Connections and waiting commands now, for metrics. */
  connectionStats(): ConnectionStats {
    let open = 0;
    for (const connection of this.sharedConnections()) if (connection.isUsable) open += 1;
    const pending = this.runner.pendingCount;
    return { idle: open + this.dedicated.idleCount, used: this.dedicated.lentCount, pending };
  }

  /** @internal The server commands go to, when one (a master pool's master). */
  currentServer(): Address | undefined {
    return undefined;
  }

  /** How many commands waited because of a failover hold, since the last call (resets). */
  protected takeHeldCount(): number {
    return this.runner.takeHeldCount();
  }

  /** A new connection for dedicated use, following this pool's role. */
  protected abstract createDedicated(): PoolConnection;
  /** The shared connections (for closing). */
  protected abstract sharedConnections(): PoolConnection[];
  /** Stops listening to discovery. */
  protected abstract detach(): void;

  /**
   * Defines a Lua command on every connection of the pool (as ioredis's `defineCommand`), and
   * a method of that name on the pool. It counts as a write unless `readOnly` is set. The same
   * script under the same name again is a no-op; another script under a taken name throws.
   * @example
   * ```ts
   * master.defineCommand('getset2', { numberOfKeys: 1, lua: 'return redis.call("GETSET", KEYS[1], ARGV[1])' });
   * await (master as unknown as { getset2(k: string, v: string): Promise<string> }).getset2('k', 'v');
   * ```
   */
  defineCommand(name: string, definition: ScriptDefinition): void {
    if (!this.scripts.add(name, definition, (taken) => taken in this)) return;
    for (const connection of [...this.sharedConnections(), ...this.dedicated.all()]) {
      connection.redis.defineCommand(name, definition);
    }
    installScriptMethods(this, name, (method, args) => this.sendCommand(method, args));
  }

  /** Gives a new connection the commands of defineCommand(). Subclasses call it on each. */
  protected prepare(connection: PoolConnection): PoolConnection {
    this.scripts.defineOn(connection);
    connection.on('open', (address) =>
      this.probe?.connectionCreated(this, address, connection.connectStartedAt),
    );
    return connection;
  }

  /**
   * Records a pipeline: the commands leave together, on one connection, at `exec()`.
   * @example `const [[, a], [, b]] = await pool.pipeline().get('a').get('b').exec();`
   */
  pipeline(commands?: unknown[][]): Batch {
    return new CommandBatch(this, false, commands, this.scripts.isBatchMethod) as unknown as Batch;
  }

  /**
   * Records a transaction (MULTI … EXEC), sent on one connection at `exec()`.
   * @example `await pool.multi().incr('n').expire('n', 60).exec();`
   */
  multi(commands?: unknown[][]): Batch {
    return new CommandBatch(this, true, commands, this.scripts.isBatchMethod) as unknown as Batch;
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
    const lending = this.refusals.guard(this.dedicated.acquire(), (redis) => this.release(redis));
    if (this.refusals.refusal) this.retryNow();
    if (this.probe) this.probe.connectionWait(this, performance.now(), lending);
    return lending;
  }

  /** Gives back a connection from {@link acquire}. */
  release(connection: Redis): void {
    this.dedicated.release(connection);
  }

  /**
   * Throws: a pool is not an ioredis client. Libraries that want one (BullMQ, the socket.io
   * adapter) get a managed client from `sentinel.redisFor(name)`.
   * @throws SentinelConfigError always.
   */
  duplicate(): never {
    throw notAClient(this.label, this.name, 'duplicate()');
  }

  /**
   * Throws: a pool connects by itself. Present so that duck-typing libraries (BullMQ) never
   * take a pool for an options object; see {@link duplicate}.
   * @throws SentinelConfigError always.
   */
  connect(): never {
    throw notAClient(this.label, this.name, 'connect()');
  }

  /**
   * Throws: a pool has no ioredis `options` (a library reading them took the pool for a
   * client); see {@link duplicate}. The pool's own settings are not public.
   * @throws SentinelConfigError always.
   */
  get options(): never {
    throw notAClient(this.label, this.name, 'options');
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

  /**
   * Calls `listener` once when the pool is closed, by its own quit()/disconnect() or the
   * Sentinel's (the Sentinel then forgets it, so the next masterFor()/replicaFor() makes a new one).
   * @internal
   */
  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }

  private readonly closeListeners: Array<() => void> = [];

  private close(graceful: boolean): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
    this.detach();
    this.trace.close();
    forgetPool(this);
    this.runner.close();
    this.closing = Promise.all([
      ...this.sharedConnections().map((c) => c.close(graceful)),
      this.dedicated.close(graceful),
    ]).then(() => undefined);
    return this.closing;
  }

  /** Creates the connections on first use (pools connect lazily). */
  protected abstract start(): void;
  /** An error for a command this pool must not send (a write to a replica), or undefined. */
  protected abstract refuse(command: string, kind: JobKind): Error | undefined;
  /** See {@link JobRoute}: where this pool's jobs may go. */
  protected abstract pick(job: Job): PoolConnection | undefined;
  protected abstract get waitLimit(): number;
  protected abstract get retryRules(): RetryRules;
  protected abstract giveUp(job: Job, refusal?: unknown): Promise<unknown>;
  protected abstract onStaleServer(connection: PoolConnection): void;
  /** Whether a command of `kind` must wait (a master pool during a failover). */
  protected isHeld(_kind: JobKind): boolean {
    return false;
  }

  /**
   * Sends any command by ioredis method name. The typed methods (`get`, `set`, …) call this,
   * after checking the arguments and taking off a callback: `args` must hold neither.
   * @internal
   */
  sendCommand(method: string, args: unknown[], wrap?: InvokerWrap): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.label));
    const job = jobForCommand(method, args, this.jobRules, wrap);
    return job instanceof Error ? Promise.reject(job) : this.dispatch(job);
  }

  /**
   * Sends a recorded pipeline or transaction on one connection (see {@link jobForBatch}).
   * @internal
   */
  runBatch(commands: unknown[][], transaction: boolean, wrap?: InvokerWrap): Promise<BatchResult> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.label));
    const job = jobForBatch(commands, transaction, this.jobRules, wrap);
    return job instanceof Error ? Promise.reject(job) : (this.dispatch(job) as Promise<BatchResult>);
  }

  /** What this pool refuses and how it wraps its commands, for the job builder. */
  private readonly jobRules: JobRules = {
    script: (command) => this.scripts.get(command),
    refuse: (command, kind) => this.refuse(command, kind),
    poolWrap: () => this.poolWrap,
    rediscoverOnReadonly: () => this.retryRules.rediscoverOnReadonly,
  };

  /** A wrap every command of this pool gets (durable writes), or undefined. */
  protected poolWrap: InvokerWrap | undefined;

  /** Sends on an open connection now, or queues until one is usable. */
  protected dispatch(job: Job): Promise<unknown> {
    this.ensureStarted();
    const probe = this.probe;
    const startedAt = probe === undefined ? 0 : performance.now();
    const outcome = this.runner.dispatch(job);
    if (probe !== undefined) probe.operation(this, outcome, job.command, job.kind === 'write', startedAt);
    // The last attempt was refused for good: try again now rather than after the backoff, so
    // that this command learns at once whether the configuration was fixed meanwhile.
    if (this.refusals.refusal) this.retryNow();
    return outcome;
  }

  /** Starts the pool (its connections and, for replicas, discovery) if it has not started yet. */
  protected ensureStarted(): void {
    if (this.isStarted) return;
    this.isStarted = true;
    this.start();
  }

  /**
   * Subclasses call it when a connection of theirs failed to connect. A failure that waiting does
   * not fix (see failure-classification.ts) fails the commands waiting since before that attempt, with
   * a typed error (so do acquire() calls); later ones wait for the next attempt, which they
   * hasten. The connection keeps trying in the background (ioredis's backoff), so a fixed
   * configuration is picked up.
   */
  protected onConnectFailed(connection: PoolConnection, error: Error, attemptStartedAt: number): void {
    if (this.isClosed) return;
    const refusal = this.refusals.judge(connection, error, attemptStartedAt);
    if (refusal) this.runner.failQueuedBefore(attemptStartedAt, refusal);
  }

  /** Subclasses call it when a connection of theirs opened: commands may flow. */
  protected onConnectionOpen(): void {
    this.refusals.clear();
    this.pump();
  }

  /** Connects every shared connection that waits out its backoff now. */
  private retryNow(): void {
    for (const connection of this.sharedConnections()) {
      if (connection.redis.status === 'reconnecting') connection.moveOff('a command waits: trying again now');
    }
  }

  /** Sends waiting commands while a connection is usable. Call whenever that may have changed. */
  protected pump(): void {
    this.runner.pump();
  }

  /** Hands every waiting command to giveUp() now (nothing will become usable soon). */
  protected giveUpAll(): void {
    this.runner.giveUpAll();
  }
}

installCommandMethods(
  PoolBase.prototype,
  (self: PoolBase, method, args) => self.sendCommand(method, args),
  'reject',
);
