/**
 * The public surface master and replica pools share: every ioredis command method, defineCommand,
 * pipelines, dedicated connections, the members that say a pool is not a client, and the
 * lifecycle (quit/disconnect). How the commands travel is pool-dispatch.ts.
 */
import type { Redis } from 'ioredis';
import { type Batch, CommandBatch } from '../commands/command-batch.js';
import { installCommandMethods } from '../commands/command-methods.js';
import type { ScriptDefinition } from '../commands/script-definition.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { ClosedError, SentinelConfigError } from '../errors.js';
import { forgetPool, observePool } from '../observability/metrics.js';
import type { ConnectionStats } from '../observability/pool-probe.js';
import type { NormalizedPoolOptions } from '../options.js';
import { DedicatedConnections } from './dedicated-connections.js';
import { notAClient } from './not-a-client.js';
import { PoolDispatch } from './pool-dispatch.js';
import { installScriptMethods } from './pool-scripts.js';

/** The shared surface of MasterPool and ReplicaPool. */
export abstract class PoolBase extends PoolDispatch {
  private closing: Promise<void> | undefined;
  /** Connections lent by withConnection()/acquire(). */
  protected readonly dedicated: DedicatedConnections;

  protected constructor(
    name: string,
    kind: 'masterFor' | 'replicaFor',
    poolOptions: NormalizedPoolOptions,
    db: number,
  ) {
    super(name, kind, poolOptions);
    this.dedicated = new DedicatedConnections(
      () => this.createDedicated(),
      poolOptions.maxDedicatedConnections,
      poolOptions.acquireTimeout,
      db,
      this.label,
    );
    observePool(this);
  }

  /** @internal Connections and waiting commands now, for metrics. */
  connectionStats(): ConnectionStats {
    let open = 0;
    for (const connection of this.sharedConnections()) if (connection.isUsable) open += 1;
    const pending = this.pendingCount;
    return { idle: open + this.dedicated.idleCount, used: this.dedicated.lentCount, pending };
  }

  /** A new connection for dedicated use, following this pool's role. */
  protected abstract createDedicated(): PoolConnection;
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
    this.stopDispatch();
    this.closing = Promise.all([
      ...this.sharedConnections().map((c) => c.close(graceful)),
      this.dedicated.close(graceful),
    ]).then(() => undefined);
    return this.closing;
  }
}

installCommandMethods(
  PoolBase.prototype,
  (self: PoolBase, method, args) => self.sendCommand(method, args),
  'reject',
);
