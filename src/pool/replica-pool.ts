/**
 * `sentinel.replicaFor(name)`: reads spread over the healthy replicas. Membership follows
 * discovery at run time (like undici's BalancedPool): a replica reported down leaves at once,
 * one reported up joins, one promoted to master leaves. Each connection checks ROLE (a replica
 * with its link to the master up) on every connect. With no usable replica, reads go to the
 * master (`fallbackToMaster`, as redis-py does) or fail with ReplicaNotFoundError.
 */
import type { Redis } from 'ioredis';
import { type Address, formatAddress, sameAddress } from '../address.js';
import { isFlaggedWrite } from '../commands/command-info.js';
import type { ReplicaPoolCommands } from '../commands/pool-commands.js';
import type { ConnectionFactory } from '../connector/connection-spec.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { ReplicaNotFoundError, WriteOnReplicaError } from '../errors.js';
import type { MasterChangedEvent, ReplicaEvent } from '../events.js';
import { type NormalizedPoolOptions, TIMINGS } from '../options.js';
import { pickIndex, smoothLatency } from './balancer.js';
import { type Invoker, invokerOf, type Job } from './job.js';
import type { MasterPool } from './master-pool.js';
import { PoolBase } from './pool-base.js';
import type { RetryRules } from './retry-policy.js';
import type { TopologySource } from './topology-source.js';

// Declaration merging: the command methods of the type (every one is installed on PoolBase).
export interface ReplicaPool extends ReplicaPoolCommands {}

/** A pool of connections to the healthy replicas of one group. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the methods exist at run time
export class ReplicaPool extends PoolBase {
  /** The replicas read from, by address (`host:port`), with their connections. */
  private readonly members = new Map<string, { address: Address; connections: PoolConnection[] }>();
  /** Every member's connections in one array, rebuilt when members change: what pick() walks. */
  private memberConnections: PoolConnection[] = [];
  private readonly latencies = new WeakMap<PoolConnection, number>();
  private turn = 0;
  private isDiscovered = false;
  /** Settles once the first discovery has told this pool its replicas (start()). */
  private discovered: Promise<void> | undefined;

  constructor(
    private readonly source: TopologySource,
    private readonly createConnection: ConnectionFactory,
    poolOptions: NormalizedPoolOptions,
    db: number,
    private readonly master: () => MasterPool,
  ) {
    super(source.name, 'replicaFor', poolOptions, db);
    source.on('replicaUp', this.onReplicaUp);
    source.on('replicaDown', this.onReplicaDown);
    source.on('masterChanged', this.onMasterChanged);
  }

  /** The replicas this pool reads from now. */
  replicas(): Address[] {
    return [...this.members.values()].map((m) => ({ ...m.address }));
  }

  protected override start(): void {
    // Discovery may not have run yet: learn the replicas, then connect to them.
    this.discovered = this.source
      .resolveMaster()
      .then(() => this.syncReplicas())
      .catch(() => this.syncReplicas());
  }

  private syncReplicas(): void {
    this.isDiscovered = true;
    for (const replica of this.source.currentReplicas) this.add(replica);
    this.pump();
    if (this.members.size === 0) this.giveUpAll();
  }

  private add(replica: Address): void {
    const key = formatAddress(replica);
    if (this.isClosed || this.members.has(key)) return;
    const address = { host: replica.host, port: replica.port };
    const connections: PoolConnection[] = [];
    for (let i = 0; i < this.poolOptions.poolSize; i++) connections.push(this.connectTo(address, false));
    this.members.set(key, { address, connections });
    this.rebuildMemberConnections();
  }

  private rebuildMemberConnections(): void {
    this.memberConnections = [...this.members.values()].flatMap((m) => m.connections);
  }

  private connectTo(address: Address, dedicated: boolean): PoolConnection {
    const connection = this.prepare(
      this.createConnection({
        role: 'replica',
        resolve: async () => address,
        isDedicated: dedicated,
        label: `replica ${this.name} ${formatAddress(address)}`,
      }),
    );
    connection.on('open', () => this.onConnectionOpen());
    connection.on('failed', (error, startedAt) => this.onConnectFailed(connection, error, startedAt));
    return connection;
  }

  private remove(replica: Address, why: string): void {
    const key = formatAddress(replica);
    const connections = this.members.get(key)?.connections;
    if (!connections) return;
    this.members.delete(key);
    this.rebuildMemberConnections();
    // Reads in flight on them fail with ConnectionLostError and are retried elsewhere.
    for (const connection of connections) {
      connection.moveOff(why);
      void connection.close(false);
    }
    for (const connection of this.dedicated.all()) {
      if (sameAddress(connection.address, replica)) connection.moveOff(why);
    }
    if (this.members.size === 0) this.giveUpAll();
  }

  /**
   * Borrows a connection to a replica of its own; give it back with {@link release}.
   * @throws ReplicaNotFoundError at once when discovery knows no healthy replica.
   * @throws PoolTimeoutError when none is free within `acquireTimeout`.
   */
  override async acquire(): Promise<Redis> {
    if (!this.isClosed) {
      this.ensureStarted();
      await this.discovered;
    }
    if (!this.isClosed && this.members.size === 0) {
      throw new ReplicaNotFoundError(
        this.name,
        `No healthy replica of "${this.name}" to lend a connection to`,
      );
    }
    return super.acquire();
  }

  /**
   * A dedicated connection is not tied to one replica: on each (re)connect it takes a replica
   * the pool reads from now, so it leaves one that went down or was promoted.
   */
  protected override createDedicated(): PoolConnection {
    const connection = this.prepare(
      this.createConnection({
        role: 'replica',
        resolve: async () => {
          const replicas = this.replicas();
          const replica = replicas[Math.floor(Math.random() * replicas.length)];
          if (!replica) throw new ReplicaNotFoundError(this.name);
          return replica;
        },
        isDedicated: true,
        label: `replica ${this.name} (dedicated)`,
      }),
    );
    return connection;
  }

  protected override sharedConnections(): PoolConnection[] {
    return this.memberConnections;
  }

  /** The candidates of one pick, reused: picking allocates nothing per command. */
  private readonly candidates: PoolConnection[] = [];
  private readonly latencyOf = (connection: PoolConnection): number | undefined =>
    this.latencies.get(connection);

  /** Fills `into` with the usable connections for which `prefer` holds (all, without one). */
  private collectUsable(into: PoolConnection[], prefer: Job['prefer']): void {
    for (const connection of this.memberConnections) {
      if (connection.isUsable && (prefer === undefined || prefer(connection.redis))) into.push(connection);
    }
  }

  protected override pick(job: Job): PoolConnection | undefined {
    const all = this.memberConnections;
    // One replica connection (the default: one replica, poolSize 1) and no preference: no choice.
    if (all.length === 1 && job.prefer === undefined) return all[0]!.isUsable ? all[0] : undefined;
    const open = this.candidates;
    open.length = 0;
    // The preferred connections (a replica known to have a session's writes) if any is open.
    this.collectUsable(open, job.prefer);
    if (open.length === 0 && job.prefer !== undefined) this.collectUsable(open, undefined);
    const { balance } = this.poolOptions;
    const random = balance === 'random' ? Math.random() : 0;
    const index = pickIndex(balance, open, this.turn++, random, this.latencyOf);
    const picked = open[index];
    open.length = 0;
    return picked;
  }

  protected override dispatch(job: Job): Promise<unknown> {
    if (this.isDiscovered && this.members.size === 0) return this.giveUp(job);
    if (this.poolOptions.balance !== 'least-latency') return super.dispatch(job);
    return super.dispatch({ ...job, invoke: this.timed(invokerOf(job)) });
  }

  /** Measures each read's round trip for least-latency balancing. */
  private timed(invoke: Invoker): Invoker {
    return (redis, connection) => {
      const started = performance.now();
      return invoke(redis, connection).then((reply) => {
        const sample = performance.now() - started;
        this.latencies.set(connection, smoothLatency(this.latencies.get(connection), sample));
        return reply;
      });
    };
  }

  protected override refuse(command: string): Error | undefined {
    // Only commands flagged `write`: a script that writes gets the replica's READONLY error.
    return isFlaggedWrite(command) ? new WriteOnReplicaError(command, this.name) : undefined;
  }

  protected override get waitLimit(): number {
    return TIMINGS.replicaWait;
  }

  protected override get retryRules(): RetryRules {
    // A script that writes gets the replica's READONLY error as it is.
    return {
      retryWrites: this.poolOptions.retryWrites,
      rediscoverOnReadonly: false,
      retryLaterLimit: this.waitLimit,
    };
  }

  /**
   * No replica became usable in time, or one kept refusing (`refusal`: still LOADING or
   * MASTERDOWN after a failover): the master answers instead (`fallbackToMaster`).
   */
  protected override giveUp(job: Job, refusal?: unknown): Promise<unknown> {
    if (this.poolOptions.fallbackToMaster && !this.isClosed) {
      try {
        return this.master().dispatchFallback(job);
      } catch (error) {
        return Promise.reject(error); // the Sentinel was closed: ClosedError
      }
    }
    if (refusal !== undefined) return Promise.reject(refusal);
    const cause = this.sharedConnections().find((c) => c.lastError)?.lastError;
    return Promise.reject(
      new ReplicaNotFoundError(
        this.name,
        `No healthy replica of "${this.name}" for "${job.command}"${cause ? `: ${cause.message}` : ''}`,
        { cause },
      ),
    );
  }

  protected override onStaleServer(): void {}

  private readonly onReplicaUp = (event: ReplicaEvent): void => {
    if (!this.isDiscovered) return;
    this.add(event.replica);
    this.pump();
  };

  private readonly onReplicaDown = (event: ReplicaEvent): void => {
    this.remove(event.replica, 'replica down');
  };

  private readonly onMasterChanged = (event: MasterChangedEvent): void => {
    // A promoted replica serves writes now, not our reads.
    this.remove(event.to, 'promoted to master');
    for (const replica of this.source.currentReplicas) if (!sameAddress(replica, event.to)) this.add(replica);
  };

  protected override detach(): void {
    this.source.off('replicaUp', this.onReplicaUp);
    this.source.off('replicaDown', this.onReplicaDown);
    this.source.off('masterChanged', this.onMasterChanged);
  }
}
