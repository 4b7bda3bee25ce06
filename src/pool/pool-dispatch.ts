/**
 * How a pool's commands travel, below its public surface (pool-base.ts): each call becomes a
 * {@link Job} for the pool's {@link JobRunner}; refusals that waiting does not fix fail commands
 * early (refusal-watch.ts); the pool starts on its first command. A subclass says where jobs may
 * go (the runner's route: pick, giveUp, retry rules, hold) and owns its connections.
 */

import type { Address } from '../address.js';
import type { BatchResult } from '../commands/command-batch.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { ClosedError } from '../errors.js';
import type { ObservedKind } from '../observability/channels.js';
import { FailoverTrace } from '../observability/failover-trace.js';
import type { ConnectionStats, ObservedPool, PoolProbe } from '../observability/pool-probe.js';
import type { NormalizedPoolOptions } from '../options.js';
import { type JobRules, jobForBatch, jobForCommand } from './command-jobs.js';
import type { InvokerWrap, Job, JobKind } from './job.js';
import { type JobRoute, JobRunner } from './job-runner.js';
import { PoolScripts } from './pool-scripts.js';
import { RefusalWatch } from './refusal-watch.js';
import type { RetryRules } from './retry-policy.js';

/** The sending machinery of MasterPool and ReplicaPool, under PoolBase. */
export abstract class PoolDispatch implements ObservedPool {
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
  /** @internal Lua commands from defineCommand(), defined on every connection, present and future. */
  protected readonly scripts = new PoolScripts();
  private readonly runner: JobRunner;
  /** @internal Refusals that waiting does not fix (a wrong password, an unknown master name…). */
  protected readonly refusals: RefusalWatch;
  /** A wrap every command of this pool gets (durable writes), or undefined. */
  protected poolWrap: InvokerWrap | undefined;

  protected constructor(name: string, kind: 'masterFor' | 'replicaFor', poolOptions: NormalizedPoolOptions) {
    const label = `${kind}("${name}")`;
    this.name = name;
    this.kind = kind;
    this.label = label;
    this.poolOptions = poolOptions;
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
  }

  /** @internal The pool's name in metrics: `masterFor("mymaster")`. */
  get poolName(): string {
    return this.label;
  }

  /** @internal Connections and waiting commands now, for metrics. */
  abstract connectionStats(): ConnectionStats;

  /** @internal The server commands go to, when one (a master pool's master). */
  currentServer(): Address | undefined {
    return undefined;
  }

  /** The shared connections (for closing, metrics and hastened retries). */
  protected abstract sharedConnections(): PoolConnection[];
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

  /** @internal How many commands wait for a usable connection. */
  protected get pendingCount(): number {
    return this.runner.pendingCount;
  }

  /** How many commands waited because of a failover hold, since the last call (resets). */
  protected takeHeldCount(): number {
    return this.runner.takeHeldCount();
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

  /** @internal Connects every shared connection that waits out its backoff now. */
  protected retryNow(): void {
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

  /** @internal Fails every waiting and pausing command with ClosedError (closing). */
  protected stopDispatch(): void {
    this.runner.close();
  }
}
