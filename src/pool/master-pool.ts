/**
 * `sentinel.masterFor(name)`: connections that always point at the current master.
 *
 * - Every connection asks discovery for the master on each (re)connect and checks ROLE.
 * - On `masterChanged` every connection to another address drops its socket at once and
 *   reconnects to the new master (the first reconnect does not back off).
 * - From `failoverStarted` (the leader is promoting a replica) until the new master is known,
 *   commands are held: the old master would still accept writes that the failover then loses.
 *   Dedicated connections, which send their commands themselves, drop their sockets then and
 *   cannot connect again until the hold ends (their address lookup fails meanwhile, and ioredis
 *   retries with backoff, queueing what is sent); the new master's announcement reconnects them
 *   at once.
 * - With a write lease (`writeLeaseMs`), commands that may write are held while it has lapsed
 *   (reads too with `fenceReads`), and fail with WriteLeaseExpiredError after failoverTimeout.
 * - READONLY from "the master" means it was demoted: the command was not applied, so it is
 *   sent again once discovery names the new master.
 */
import type { Address } from '../address.js';
import { sameAddress } from '../address.js';
import type { MasterPoolCommands } from '../commands/pool-commands.js';
import type { ConnectionFactory } from '../connector/connection-spec.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { ClosedError, FailoverTimeoutError, WriteLeaseExpiredError } from '../errors.js';
import type { FailoverEndedEvent, FailoverStartedEvent, MasterChangedEvent } from '../events.js';
import type { NormalizedPoolOptions } from '../options.js';
import { FailoverHold } from './failover-hold.js';
import { fallbackJob, type InvokerWrap, type Job, type JobKind } from './job.js';
import { PoolBase } from './pool-base.js';
import type { RetryRules } from './retry-policy.js';
import type { TopologySource } from './topology-source.js';

/** Settings of a master pool that come from the Sentinel. */
export interface MasterPoolSettings {
  /** How long commands wait for a master, and the longest hold during a failover. */
  failoverTimeout: number;
  db: number;
  /** Wraps every command (durable writes wait for WAIT), if set. */
  wrap?: InvokerWrap | undefined;
  /** `writeLeaseMs`: commands that may write go to the master only while its lease holds. */
  fence?: WriteFence | undefined;
  /** `fenceReads`: reads wait for the lease too. */
  fenceReads?: boolean | undefined;
}

/**
 * The write lease as a pool sees it (lease/write-lease.ts; pools do not import it): whether a
 * master may be written to now, and when that changes.
 */
export interface WriteFence {
  isOpenFor(master: string): boolean;
  on(event: 'lapsed' | 'renewed', listener: () => void): unknown;
  off(event: 'lapsed' | 'renewed', listener: () => void): unknown;
}

// Declaration merging: the command methods of the type (every one is installed on PoolBase).
export interface MasterPool extends MasterPoolCommands {}

/** A pool of connections to the current master of one group. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the methods exist at run time
export class MasterPool extends PoolBase {
  private readonly connections: PoolConnection[] = [];
  private turn = 0;
  /** Holds commands from failoverStarted until the new master is known (failover-hold.ts). */
  private readonly hold: FailoverHold;

  constructor(
    private readonly source: TopologySource,
    private readonly createConnection: ConnectionFactory,
    poolOptions: NormalizedPoolOptions,
    private readonly settings: MasterPoolSettings,
  ) {
    super(source.name, 'masterFor', poolOptions, settings.db);
    this.poolWrap = settings.wrap;
    // Bounded: if no new master is announced, commands flow again to the master we know.
    this.hold = new FailoverHold(source.name, settings.failoverTimeout, () => {
      this.trace.holdEnded('timeout', this.takeHeldCount());
      this.pump();
    });
    source.on('masterChanged', this.onMasterChanged);
    source.on('failoverStarted', this.onFailoverStarted);
    source.on('failoverEnded', this.onFailoverEnded);
    settings.fence?.on('lapsed', this.onLeaseLapsed);
    settings.fence?.on('renewed', this.onLeaseRenewed);
  }

  /** Whether the write lease (if any) forbids sending to the master now. */
  private get isFenced(): boolean {
    const fence = this.settings.fence;
    if (fence === undefined) return false;
    const master = this.source.currentMasterText;
    return master === undefined || !fence.isOpenFor(master);
  }

  /** Whether a command of `kind` waits for the lease: writes, and reads too with `fenceReads`. */
  private isFencedFor(kind: JobKind): boolean {
    return (kind === 'write' || this.settings.fenceReads === true) && this.isFenced;
  }

  /**
   * The lease lapsed: new commands are held (isHeld), and every socket is dropped so that a write
   * in flight reports maybeApplied instead of being acknowledged by a master that may be cut off.
   */
  private readonly onLeaseLapsed = (): void => {
    for (const connection of [...this.connections, ...this.dedicated.all()]) {
      if (connection.state !== 'closed') connection.moveOff('write lease lapsed');
    }
  };

  private readonly onLeaseRenewed = (): void => {
    this.pump();
  };

  protected override start(): void {
    for (let i = 0; i < this.poolOptions.poolSize; i++) this.connections.push(this.newConnection(false));
  }

  private newConnection(dedicated: boolean): PoolConnection {
    const connection = this.prepare(
      this.createConnection({
        role: 'master',
        resolve: dedicated ? this.resolveUnlessHeld : () => this.source.resolveMaster(),
        isDedicated: dedicated,
        label: `master ${this.name}`,
      }),
    );
    connection.on('open', (address) => {
      this.source.confirmMaster(address);
      this.onConnectionOpen();
    });
    connection.on('failed', (error, startedAt) => this.onConnectFailed(connection, error, startedAt));
    connection.on('lost', (reason) => this.source.suspectMaster(`master connection: ${reason}`));
    connection.on('roleMismatch', () =>
      this.source.suspectMaster('a connection found no master at the address'),
    );
    return connection;
  }

  protected override createDedicated(): PoolConnection {
    return this.newConnection(true);
  }

  override currentServer(): Address | undefined {
    return this.source.currentMaster;
  }

  protected override sharedConnections(): PoolConnection[] {
    return this.connections;
  }

  protected override pick(): PoolConnection | undefined {
    const n = this.connections.length;
    for (let i = 0; i < n; i++) {
      const connection = this.connections[(this.turn + i) % n]!;
      if (connection.isUsable) {
        this.turn = (this.turn + i + 1) % n;
        return connection;
      }
    }
    return undefined;
  }

  protected override refuse(): undefined {
    return undefined;
  }

  protected override get waitLimit(): number {
    return this.settings.failoverTimeout;
  }

  /**
   * During a failover every command is held; while the lease has lapsed, commands that may write
   * (a batch with any write, a script, an unknown command: see commands/command-info.ts), and
   * reads too with `fenceReads`.
   */
  protected override isHeld(kind: JobKind): boolean {
    return this.hold.isHolding(kind) || this.isFencedFor(kind);
  }

  protected override get retryRules(): RetryRules {
    return {
      retryWrites: this.poolOptions.retryWrites,
      rediscoverOnReadonly: true,
      retryLaterLimit: this.settings.failoverTimeout,
    };
  }

  protected override giveUp(job: Job, refusal?: unknown): Promise<unknown> {
    if (refusal !== undefined) return Promise.reject(refusal);
    if (this.isFencedFor(job.kind)) {
      return Promise.reject(
        new WriteLeaseExpiredError(
          this.name,
          `"${job.command}" waited ${this.settings.failoverTimeout} ms and no majority of the sentinels confirmed the master within writeLeaseMs`,
        ),
      );
    }
    const cause = this.connections.find((c) => c.lastError)?.lastError;
    return Promise.reject(
      new FailoverTimeoutError(
        this.name,
        `"${job.command}" waited ${this.settings.failoverTimeout} ms for a master of "${this.name}" and none was reachable${cause ? `: ${cause.message}` : ''}`,
        { cause },
      ),
    );
  }

  protected override onStaleServer(connection: PoolConnection): void {
    connection.moveOff('READONLY: the master was demoted');
    this.source.suspectMaster('READONLY from the master');
  }

  private readonly onMasterChanged = (event: MasterChangedEvent): void => {
    this.trace.masterAnnounced(event.to, event.from);
    if (this.hold.end('failover')) this.trace.holdEnded('masterChanged', this.takeHeldCount());
    this.moveEverythingTo(event.to);
    this.pump();
  };

  private readonly onFailoverStarted = (_event: FailoverStartedEvent): void => {
    if (this.isClosed || !this.hold.start('failover')) return;
    this.trace.holdStarted();
    // A dedicated connection's commands do not pass through the hold: left connected, it would
    // keep writing to the old master until Sentinel demotes it, and those writes would be lost.
    for (const connection of this.dedicated.all()) {
      if (connection.state !== 'closed') connection.moveOff('failover started');
    }
  };

  private readonly onFailoverEnded = (_event: FailoverEndedEvent): void => {
    if (!this.hold.end('failover')) return;
    this.trace.holdEnded('failoverEnded', this.takeHeldCount());
    this.pump();
  };

  /**
   * The master for a dedicated connection, refused while commands are held or the write lease
   * lapsed (a refusal is a failed connect for ioredis, which tries again with backoff).
   */
  private readonly resolveUnlessHeld = (): Promise<Address> =>
    this.hold.resolveUnlessHeld(() => {
      if (this.isFenced)
        return Promise.reject(
          new Error(`the write lease of "${this.name}" lapsed: waiting for the sentinels`),
        );
      return this.source.resolveMaster();
    });

  private moveEverythingTo(master: Address): void {
    for (const connection of [...this.connections, ...this.dedicated.all()]) {
      if (connection.state !== 'closed' && !sameAddress(connection.address, master)) {
        connection.moveOff('master changed');
      }
    }
  }

  protected override detach(): void {
    if (this.hold.isHeld) this.trace.holdEnded('closed', this.takeHeldCount());
    this.hold.close();
    this.source.off('masterChanged', this.onMasterChanged);
    this.source.off('failoverStarted', this.onFailoverStarted);
    this.source.off('failoverEnded', this.onFailoverEnded);
    this.settings.fence?.off('lapsed', this.onLeaseLapsed);
    this.settings.fence?.off('renewed', this.onLeaseRenewed);
  }

  /** @internal Sends a read another pool gave up on (a replica pool falling back), afresh. */
  dispatchFallback(job: Job): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.label));
    return this.dispatch(fallbackJob(job));
  }
}
