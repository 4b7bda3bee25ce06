/**
 * The managed ioredis clients of one master group (`sentinel.redisFor(name)`): genuine ioredis
 * `Redis` instances, each the client of a dedicated {@link PoolConnection} (ROLE checked on every
 * connect, commands in flight on a lost socket failed with ConnectionLostError, never resent),
 * whose address comes from discovery on every (re)connect.
 *
 * A master client follows failovers as a pool's dedicated connections do: from `failoverStarted`
 * until the new master is known it is held (its socket dropped, its address lookup refused, so
 * nothing reaches the old master, which would still accept writes the failover then loses); on
 * `masterChanged` it connects to the new master at once. A replica client takes a healthy
 * replica on each connect, and leaves one reported down or promoted.
 *
 * With a write lease (`writeLeaseMs`), a master client is fenced as a master pool's dedicated
 * connections are: when the lease lapses its socket is dropped (commands in flight fail with
 * ConnectionLostError) and it may not connect until the lease is granted again (ioredis queues
 * what is sent meanwhile and retries with backoff). A plain ioredis client sends its commands
 * itself, so reads are fenced too, whatever `fenceReads` says.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { type Address, formatAddress, sameAddress } from '../address.js';
import type { ConnectionSpec } from '../connector/connection-spec.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { debugFor } from '../debug.js';
import { ClosedError, ReplicaNotFoundError } from '../errors.js';
import type { MasterChangedEvent, ReplicaEvent } from '../events.js';
import { FailoverTrace } from '../observability/failover-trace.js';
import { FailoverHold } from '../pool/failover-hold.js';
import type { WriteFence } from '../pool/master-pool.js';
import type { TopologySource } from '../pool/topology-source.js';
import type { ManagedRole } from './managed-options.js';

const log = debugFor('managed');

/** Makes the connection of a managed client (the composition root owns the ioredis options). */
export type ManagedConnectionFactory = (spec: ConnectionSpec, clientOptions: RedisOptions) => PoolConnection;

/** One managed client and its role. */
interface Managed {
  connection: PoolConnection;
  role: ManagedRole;
}

/** The managed clients of one master group; see the module comment. */
export class ManagedClients {
  private readonly clients = new Map<Redis, Managed>();
  /** The master clients' hold, as a master pool's (failover-hold.ts). */
  private readonly hold: FailoverHold;
  private isClosed = false;
  /** Hold and reaction times for the diagnostics channels (the reaction: a master client's first connect). */
  private readonly trace: FailoverTrace;

  constructor(
    private readonly source: TopologySource,
    private readonly createConnection: ManagedConnectionFactory,
    /** The longest hold: past it, a master client connects to the master it knows. */
    failoverTimeout: number,
    /** `writeLeaseMs`: master clients connect only while the lease holds. */
    private readonly fence?: WriteFence,
  ) {
    this.hold = new FailoverHold(source.name, failoverTimeout, () => this.onHoldEnded('timeout'));
    source.on('failoverStarted', this.onFailoverStarted);
    source.on('failoverEnded', this.onFailoverEnded);
    source.on('masterChanged', this.onMasterChanged);
    source.on('replicaDown', this.onReplicaDown);
    fence?.on('lapsed', this.onLeaseLapsed);
    fence?.on('renewed', this.onLeaseRenewed);
    this.trace = new FailoverTrace(source.name, 'redisFor');
  }

  /** How many clients are open (not quit). */
  get count(): number {
    return this.clients.size;
  }

  /** A new managed client; it connects at once (unless `lazyConnect`). */
  create(role: ManagedRole, clientOptions: RedisOptions): Redis {
    if (this.isClosed) throw new ClosedError(`redisFor("${this.source.name}")`);
    const isMaster = role === 'master';
    const connection = this.createConnection(
      {
        role,
        resolve: isMaster ? this.resolveUnlessHeld : () => this.resolveReplica(),
        isDedicated: true,
        label: `managed ${role} ${this.source.name}`,
      },
      clientOptions,
    );
    const redis = connection.redis;
    const managed: Managed = { connection, role };
    this.clients.set(redis, managed);
    // Closed by its user: no longer followed (until connect() is called on it again).
    redis.on('end', () => this.clients.delete(redis));
    redis.on('connect', () => {
      if (!this.isClosed) this.clients.set(redis, managed);
    });
    if (isMaster) {
      connection.on('open', (address) => {
        this.source.confirmMaster(address);
        this.trace.answeredBy(address);
      });
      connection.on('lost', (reason) => {
        if (redis.status !== 'end') this.source.suspectMaster(`managed client: ${reason}`);
      });
      connection.on('roleMismatch', () =>
        this.source.suspectMaster('a managed client found no master at the address'),
      );
    }
    return redis;
  }

  /**
   * The master, refused while a failover is under way or while its write lease has lapsed
   * (ioredis retries the connect).
   */
  private readonly resolveUnlessHeld = (): Promise<Address> =>
    this.hold.resolveUnlessHeld(async () => {
      const master = await this.source.resolveMaster();
      if (this.fence && !this.fence.isOpenFor(formatAddress(master))) {
        throw new Error(`the write lease of "${this.source.name}" lapsed: waiting for the sentinels`);
      }
      return master;
    });

  /** The lease lapsed: drop the master clients' sockets, so nothing more reaches that master. */
  private readonly onLeaseLapsed = (): void => {
    this.each('master', (connection) => connection.moveOff('write lease lapsed'));
  };

  /** The lease is back: those refused meanwhile wait in ioredis's backoff: connect now. */
  private readonly onLeaseRenewed = (): void => {
    this.each('master', (connection) => {
      if (connection.state === 'connecting') connection.moveOff('write lease renewed');
    });
  };

  /** A healthy replica at random; discovery runs first if it has not yet. */
  private async resolveReplica(): Promise<Address> {
    if (this.source.currentMaster === undefined) await this.source.resolveMaster();
    const replicas = this.source.currentReplicas;
    const replica = replicas[Math.floor(Math.random() * replicas.length)];
    if (!replica) throw new ReplicaNotFoundError(this.source.name);
    return { host: replica.host, port: replica.port };
  }

  private each(role: ManagedRole, fn: (connection: PoolConnection) => void): void {
    for (const managed of this.clients.values()) {
      if (managed.role === role && managed.connection.state !== 'closed') fn(managed.connection);
    }
  }

  private readonly onFailoverStarted = (): void => {
    if (this.isClosed || !this.hold.start('failover')) return;
    log('%s: failover started: master clients held', this.source.name);
    this.trace.holdStarted();
    this.each('master', (connection) => connection.moveOff('failover started'));
  };

  private readonly onFailoverEnded = (): void => this.endHold('failoverEnded');

  private readonly endHold = (endedBy: string): void => {
    if (this.hold.end('failover')) this.onHoldEnded(endedBy);
  };

  private onHoldEnded(endedBy: string): void {
    this.trace.holdEnded(endedBy, undefined);
    // Those refused meanwhile wait in ioredis's backoff: connect now.
    this.each('master', (connection) => {
      if (connection.state === 'connecting') connection.moveOff('hold ended');
    });
  }

  private readonly onMasterChanged = (event: MasterChangedEvent): void => {
    this.trace.masterAnnounced(event.to, event.from);
    this.endHold('masterChanged');
    this.each('master', (connection) => {
      if (!sameAddress(connection.address, event.to)) connection.moveOff('master changed');
    });
    this.each('replica', (connection) => {
      if (sameAddress(connection.address, event.to)) connection.moveOff('promoted to master');
    });
  };

  private readonly onReplicaDown = (event: ReplicaEvent): void => {
    this.each('replica', (connection) => {
      if (sameAddress(connection.address, event.replica)) {
        connection.moveOff(`replica ${formatAddress(event.replica)} down`);
      }
    });
  };

  /** Closes every client (graceful: QUIT after the answers in flight) and stops following. */
  async close(graceful: boolean): Promise<void> {
    this.isClosed = true;
    this.trace.close();
    this.hold.close();
    this.source.off('failoverStarted', this.onFailoverStarted);
    this.source.off('failoverEnded', this.onFailoverEnded);
    this.source.off('masterChanged', this.onMasterChanged);
    this.source.off('replicaDown', this.onReplicaDown);
    this.fence?.off('lapsed', this.onLeaseLapsed);
    this.fence?.off('renewed', this.onLeaseRenewed);
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map(({ connection }) => connection.close(graceful)));
  }
}
