/**
 * What every pool, session and managed client of one `Sentinel` shares: the sentinel
 * connections (one {@link SentinelSet}, opened on first use), and per master group its
 * {@link MasterDiscovery} (which hears that group's events from the set) and, with
 * `writeLeaseMs`, its {@link WriteLease}. The Sentinel forwards their events to its listeners.
 */
import { type Address, formatAddress } from '../address.js';
import { debugFor } from '../debug.js';
import { ClosedError, SentinelConfigError } from '../errors.js';
import type { SentinelEventMap, TypedEventEmitter } from '../events.js';
import { WriteLease } from '../lease/write-lease.js';
import { publishWriteLease } from '../observability/channels.js';
import { checkMasterName } from '../option-checks.js';
import { type NormalizedSentinelOptions, TIMINGS } from '../options.js';
import { askLeaseConfirmations } from './lease-questions.js';
import { MasterDiscovery } from './master-discovery.js';
import { parseSentinelEvent } from './sentinel-replies.js';
import { SentinelSet } from './sentinel-set.js';

const log = debugFor('sentinel');

/** Where the groups' events go: the Sentinel, and its error reporting. */
export interface GroupEventSink {
  readonly events: TypedEventEmitter<SentinelEventMap>;
  /** A background error: emitted if someone listens, else logged. */
  report(error: Error): void;
}

/** The sentinel connections and the discovery of every master group of one Sentinel. */
export class MasterGroups {
  private set: SentinelSet | undefined;
  private readonly discoveries = new Map<string, MasterDiscovery>();
  private readonly leases = new Map<string, WriteLease>();
  private isClosed = false;

  constructor(
    private readonly seeds: readonly Address[],
    private readonly options: Readonly<NormalizedSentinelOptions>,
    private readonly sink: GroupEventSink,
  ) {}

  /** The sentinels in the order they are asked (seeds first, then those learned). */
  sentinels(): Address[] {
    return this.set ? this.set.addresses() : this.seeds.map((s) => ({ ...s }));
  }

  /**
   * The discovery of one master group, created on first use (which opens the sentinel
   * connections).
   * @throws ClosedError once closed
   */
  discoveryFor(name: string): MasterDiscovery {
    checkMasterName(name);
    if (this.isClosed) throw new ClosedError('this Sentinel');
    let discovery = this.discoveries.get(name);
    if (!discovery) {
      discovery = new MasterDiscovery(name, this.connections(), this.options);
      const { events } = this.sink;
      discovery.on('masterChanged', (e) => events.emit('masterChanged', e));
      discovery.on('replicaUp', (e) => events.emit('replicaUp', e));
      discovery.on('replicaDown', (e) => events.emit('replicaDown', e));
      discovery.on('failoverStarted', (e) => events.emit('failoverStarted', e));
      discovery.on('failoverEnded', (e) => events.emit('failoverEnded', e));
      discovery.on('error', (e) => this.sink.report(e));
      this.discoveries.set(name, discovery);
    }
    return discovery;
  }

  /** `writeLeaseMs`: the write lease of one group, shared by its master pools; undefined without. */
  leaseFor(name: string): WriteLease | undefined {
    const leaseMs = this.options.writeLeaseMs;
    if (leaseMs === undefined) return undefined;
    let lease = this.leases.get(name);
    if (!lease) {
      const discovery = this.discoveryFor(name);
      const set = this.connections();
      lease = new WriteLease({
        name,
        leaseMs,
        ask: (timeoutMs) => askLeaseConfirmations(set, name, timeoutMs),
        currentMaster: () => discovery.currentMasterText,
        warn: (message) => this.sink.report(new SentinelConfigError(message)),
      });
      for (const state of ['lapsed', 'renewed'] as const) {
        lease.on(state, () => {
          const master = discovery.currentMaster;
          publishWriteLease(() => ({ name, state, master: master && formatAddress(master) }));
        });
      }
      this.leases.set(name, lease);
    }
    return lease;
  }

  /** The sentinel connections, opened on first use. */
  private connections(): SentinelSet {
    if (this.set) return this.set;
    const set = new SentinelSet(this.seeds, {
      connectTimeout: this.options.connectTimeout,
      socketTimeout: this.options.socketTimeout,
      username: this.options.sentinelUsername,
      password: this.options.sentinelPassword,
      tls: this.options.sentinelTLS,
      maxReconnectDelay: TIMINGS.maxReconnectDelay,
    });
    set.on('message', (channel, message, from) => {
      const event = parseSentinelEvent(channel, message);
      if (event) this.discoveries.get(event.masterName)?.handleEvent(event, from);
    });
    set.on('reconnected', () => {
      for (const discovery of this.discoveries.values()) discovery.refreshSoon();
    });
    set.on('denied', (error) => this.sink.report(error));
    const { events } = this.sink;
    set.on('added', (sentinel) => {
      // Seeds are added in the constructor of the set, before this listener exists.
      log('sentinel %s:%d joined the list', sentinel.host, sentinel.port);
      events.emit('sentinelAdded', { sentinel: { ...sentinel } });
    });
    set.on('removed', (sentinel) => {
      log('sentinel %s:%d left the list', sentinel.host, sentinel.port);
      events.emit('sentinelRemoved', { sentinel: { ...sentinel } });
    });
    this.set = set;
    return set;
  }

  /** Refuses new groups from now on (the Sentinel is closing). */
  refuseNew(): void {
    this.isClosed = true;
  }

  /** Ends every lease and discovery and closes the sentinel connections. */
  async close(): Promise<void> {
    this.isClosed = true;
    for (const lease of this.leases.values()) lease.close();
    this.leases.clear();
    for (const discovery of this.discoveries.values()) discovery.close();
    this.discoveries.clear();
    await this.set?.close();
    this.set = undefined;
  }
}
