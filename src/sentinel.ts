/**
 * `Sentinel`: the composition root, the only module that knows every part. It builds the pools,
 * sessions and managed clients of each master group on that group's discovery (handed in with a
 * connection factory), which it takes from {@link MasterGroups} (the shared sentinel connections,
 * and per group its discovery and write lease); `quit()` closes them all.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { type Address, parseSentinelAddresses, type SentinelAddressInput } from './address.js';
import { ManagedClients } from './client/managed-clients.js';
import { checkManagedOptions, type ManagedClientOptions } from './client/managed-options.js';
import { managedConnectionFactory } from './client/managed-redis.js';
import type { ConnectionFactory } from './connector/connection-spec.js';
import { checkIoredisInternals } from './connector/ioredis-internals.js';
import { DurableWrites } from './consistency/durable-writes.js';
import { parseToken } from './consistency/position.js';
import { Session, type SessionContext } from './consistency/session.js';
import { sessionContextFor } from './consistency/session-context.js';
import { debugFor, registerSecret } from './debug.js';
import type { MasterDiscovery } from './discovery/master-discovery.js';
import { MasterGroups } from './discovery/master-groups.js';
import { ClosedError } from './errors.js';
import { type SentinelEventMap, TypedEventEmitter } from './events.js';
import {
  checkMasterName,
  normalizeOptions,
  normalizePoolOptions,
  normalizeSessionOptions,
} from './option-checks.js';
import type {
  CoalesceWrites,
  MasterPoolOptions,
  NormalizedSentinelOptions,
  ReplicaPoolOptions,
  SentinelOptions,
  SessionOptions,
  WaitForReplicas,
} from './options.js';
import { MasterPool } from './pool/master-pool.js';
import { ReplicaPool } from './pool/replica-pool.js';
import type { Topology } from './topology.js';

const log = debugFor('sentinel');

/**
 * A client of a Redis Sentinel deployment: finds the master and replicas of each master group
 * and follows failovers, as the Redis "Sentinel client guidelines" describe.
 *
 * The constructor connects nothing. The first `discover()`, `masterFor()`, `replicaFor()` or
 * `session()` opens the sentinel connections at once (to hear of failovers from then on); a
 * pool's data connections open on its first command.
 *
 * @example
 * ```ts
 * const sentinel = new Sentinel('10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379', { socketTimeout: 1000 });
 * sentinel.on('masterChanged', ({ name, from, to }) => console.log(name, from, '->', to));
 * const { master, replicas } = await sentinel.discover('mymaster');
 * await sentinel.quit();
 * ```
 */
export class Sentinel extends TypedEventEmitter<SentinelEventMap> {
  /** The options after validation, with defaults filled in. */
  readonly options: Readonly<NormalizedSentinelOptions>;
  private readonly groups: MasterGroups;
  private readonly pools = new Map<string, MasterPool | ReplicaPool>();
  private readonly sessionContexts = new Map<string, SessionContext>();
  private readonly managedClients = new Map<string, ManagedClients>();
  private closing: Promise<void> | undefined;

  /**
   * @param sentinels - `"host:port,host:port"`, `["host:port", …]` or `[{ host, port }, …]`;
   *   IPv6 as `[::1]:26379`; the port defaults to 26379.
   * @param options - see {@link SentinelOptions}.
   * @throws SentinelConfigError when an address or option is malformed.
   */
  constructor(sentinels: SentinelAddressInput, options?: SentinelOptions) {
    super();
    const seeds = parseSentinelAddresses(sentinels);
    this.options = normalizeOptions(options);
    this.groups = new MasterGroups(seeds, this.options, { events: this, report: (e) => this.report(e) });
    // ioredis logs every command it writes, HELLO … AUTH included: redact these from every line.
    registerSecret(this.options.password);
    registerSecret(this.options.sentinelPassword);
    // An ioredis release that moved what the pools rely on fails here, not under load.
    checkIoredisInternals();
  }

  /**
   * Asks the sentinels (in order; the one that answers moves to the front) for the master,
   * the healthy replicas and the other sentinels of a master group, and starts following it.
   * @throws MasterNotFoundError when no sentinel names a usable master; its `attempts` say why.
   */
  async discover(name: string): Promise<Topology> {
    return this.discoveryFor(name).discover();
  }

  /**
   * A pool of connections to the current master of `name`, with the ioredis command methods
   * (`MasterPoolCommands`: all but those that need a connection of their own).
   * Returns at once; its data connections open on first use (the sentinel connections open
   * now, to follow failovers from the start). Follows failovers by itself. The same name and
   * options give the same pool, until it is closed: then a new one.
   * @throws SentinelConfigError for a bad option, or one of replicaFor() (`balance`, `fallbackToMaster`).
   * @example
   * ```ts
   * const master = sentinel.masterFor('mymaster');
   * await master.set('foo', 'bar');
   * ```
   */
  masterFor(name: string, options?: MasterPoolOptions): MasterPool {
    checkMasterName(name);
    const poolOptions = normalizePoolOptions(options, 'master');
    return this.cached(`master ${name} ${JSON.stringify(poolOptions)}`, () => {
      const durable = poolOptions.waitForReplicas && new DurableWrites(poolOptions.waitForReplicas);
      return new MasterPool(
        this.discoveryFor(name),
        this.connectionFactory(name, poolOptions.coalesceWrites),
        poolOptions,
        {
          failoverTimeout: this.options.failoverTimeout,
          db: this.options.db,
          wrap: durable ? durable.wrap : undefined,
          fence: this.groups.leaseFor(name),
          fenceReads: this.options.fenceReads,
        },
      );
    });
  }

  /**
   * A pool of connections to the healthy replicas of `name`, for reads: the read-only command
   * methods (`ReplicaPoolCommands`). Commands flagged `write` (through `call()`) reject with
   * WriteOnReplicaError. With no usable replica, reads go to the master (`fallbackToMaster`,
   * default true).
   * @throws SentinelConfigError for a bad option, or `waitForReplicas` (a masterFor() option).
   * @example
   * ```ts
   * const replica = sentinel.replicaFor('mymaster', { balance: 'round-robin' });
   * await replica.get('foo');
   * ```
   */
  replicaFor(name: string, options?: ReplicaPoolOptions): ReplicaPool {
    checkMasterName(name);
    const poolOptions = normalizePoolOptions(options, 'replica');
    return this.cached(
      `replica ${name} ${JSON.stringify(poolOptions)}`,
      () =>
        new ReplicaPool(
          this.discoveryFor(name),
          this.connectionFactory(name, poolOptions.coalesceWrites),
          poolOptions,
          this.options.db,
          this.fallbackFor(name, poolOptions.fallbackToMaster),
        ),
    );
  }

  /**
   * The master pool a replica pool falls back into: the one masterFor(name) gives when the
   * replica pool is made, held for its life. Closed by its own quit() or disconnect(), it is not
   * silently replaced (the caller closed it on purpose): the fallback fails at once with a
   * ClosedError that says what to do.
   */
  private fallbackFor(name: string, isUsed: boolean): () => MasterPool {
    const replicaLabel = `replicaFor("${name}")`;
    if (!isUsed) {
      return () => {
        throw new ClosedError(`the fallback of ${replicaLabel}`, 'fallbackToMaster is false');
      };
    }
    const master = this.masterFor(name);
    let isClosed = false;
    master.onClose(() => {
      isClosed = true;
    });
    return () => {
      if (!isClosed) return master;
      throw new ClosedError(
        `masterFor("${name}"), which ${replicaLabel} falls back into,`,
        `quit() the replica pool too and call replicaFor() again for one that falls back into a new master pool, or pass fallbackToMaster: false`,
      );
    };
  }

  /**
   * Caches a pool until it closes: one closed by its own quit() or disconnect() is forgotten,
   * with the session contexts built on it, so that the same name and options give a new pool.
   */
  private cached<P extends MasterPool | ReplicaPool>(key: string, create: () => P): P {
    const existing = this.pools.get(key);
    if (existing) return existing as P;
    const pool = create();
    this.pools.set(key, pool);
    pool.onClose(() => {
      if (this.pools.get(key) === pool) this.pools.delete(key);
      for (const [contextKey, context] of this.sessionContexts) {
        if (context.master === pool || context.replica === pool) this.sessionContexts.delete(contextKey);
      }
    });
    return pool;
  }

  /**
   * A read-your-writes session: `session.master` writes, `session.replica` reads and sees those
   * writes without any sleep; `session.token` carries the position to another process. Cheap:
   * create one per request. Sessions share the pools of this Sentinel.
   * @throws InvalidTokenError when `after` is not a token of this library.
   * @example
   * ```ts
   * const session = sentinel.session('mymaster');
   * await session.master.set('foo', 'bar');
   * await session.replica.get('foo'); // 'bar', from a replica that has it (or the master)
   * ```
   */
  session(name: string, options?: SessionOptions): Session {
    checkMasterName(name);
    const settings = normalizeSessionOptions(options);
    const after = settings.after === undefined ? undefined : parseToken(settings.after);
    return new Session(this.sessionContext(name, settings.waitForReplicas), settings, after);
  }

  private sessionContext(name: string, waitForReplicas: WaitForReplicas | undefined): SessionContext {
    const key = `${name} ${JSON.stringify(waitForReplicas ?? null)}`;
    let context = this.sessionContexts.get(key);
    if (!context) {
      context = sessionContextFor(
        this.masterFor(name, waitForReplicas ? { waitForReplicas } : undefined),
        this.replicaFor(name),
        this.discoveryFor(name),
        this.options.natMap,
      );
      this.sessionContexts.set(key, context);
    }
    return context;
  }

  /**
   * A genuine ioredis client (`instanceof Redis`) whose connection this Sentinel manages, for
   * libraries that want an ioredis client (BullMQ, the socket.io adapter, connect-redis 7,
   * rate-limiter-flexible). It connects where the sentinels say, checks ROLE on every connect,
   * and follows failovers: a master client drops its socket when a failover starts and connects
   * to the new master as soon as it is known. A command in flight when the socket dies fails with
   * ConnectionLostError (`maybeApplied`); none is ever resent. `duplicate()` gives another
   * managed client of the same group and role. `quit()` closes every one.
   * @param options - per-client ioredis options (`maxRetriesPerRequest`, `keyPrefix`,
   *   `connectionName`, `enableOfflineQueue`, `commandTimeout`, `db`, …) and `role`
   *   (`'master'`, the default, or `'replica'`). Unlike ioredis, `maxRetriesPerRequest`
   *   defaults to `null` (commands wait for the new master, bounded by `commandTimeout`).
   * @throws SentinelConfigError for an option the Sentinel owns (host, port, sentinels, name,
   *   credentials, TLS, Connector, retryStrategy, …), naming it.
   * @example
   * ```ts
   * const connection = sentinel.redisFor('mymaster');
   * const queue = new Queue('mail', { connection });
   * const worker = new Worker('mail', job, { connection: sentinel.redisFor('mymaster', { maxRetriesPerRequest: null }) });
   * ```
   */
  redisFor(name: string, options?: ManagedClientOptions): Redis {
    checkMasterName(name);
    const { role, clientOptions } = checkManagedOptions(options);
    let clients = this.managedClients.get(name);
    if (!clients) {
      clients = new ManagedClients(
        this.discoveryFor(name),
        (spec, clientOptions) => this.connectionFactory(name, false, clientOptions)(spec),
        this.options.failoverTimeout,
        this.groups.leaseFor(name),
      );
      this.managedClients.set(name, clients);
    }
    return clients.create(role, clientOptions);
  }

  private connectionFactory(
    name: string,
    coalesceWrites: CoalesceWrites,
    clientOptions?: RedisOptions,
  ): ConnectionFactory {
    const { username, password, db, tls, commandTimeout, connectTimeout } = this.options;
    const owned = { username, password, db, tls, commandTimeout, connectTimeout };
    return managedConnectionFactory(owned, coalesceWrites, clientOptions, (role, override) =>
      this.redisFor(name, { ...clientOptions, role, ...override } as ManagedClientOptions),
    );
  }

  /** The sentinels in the order they are asked (seeds first, then those learned). */
  sentinels(): Address[] {
    return this.groups.sentinels();
  }

  /** @internal The discovery of one master group, created on first use. */
  discoveryFor(name: string): MasterDiscovery {
    return this.groups.discoveryFor(name);
  }

  /** Emits `error` if someone listens; otherwise only logs: a background error never crashes. */
  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else log('error (no listener): %s', error.message);
  }

  /**
   * Closes every pool gracefully (answers in flight arrive first), then every sentinel
   * connection and timer. Idempotent; afterwards every call rejects with a ClosedError.
   */
  async quit(): Promise<void> {
    return this.close(true);
  }

  /** Closes everything at once: commands in flight fail. Idempotent. */
  async disconnect(): Promise<void> {
    return this.close(false);
  }

  private close(graceful: boolean): Promise<void> {
    if (this.closing) return this.closing;
    this.groups.refuseNew();
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.sessionContexts.clear();
    const managed = [...this.managedClients.values()];
    this.managedClients.clear();
    this.closing = Promise.all([
      ...pools.map((pool) => (graceful ? pool.quit() : pool.disconnect())),
      ...managed.map((clients) => clients.close(graceful)),
    ]).then(async () => {
      await this.groups.close();
    });
    return this.closing;
  }
}
