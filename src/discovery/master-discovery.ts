/**
 * What the client knows about one master group, kept current: the master, the healthy replicas.
 * Sources, fastest first: Sentinel's published events (all sentinels, first announcement wins),
 * a fast parallel poll of every sentinel while a failover is suspected, and a periodic refresh
 * that repairs anything missed. Only discovery decides what the master is; pools ask it.
 *
 * This class is the shell: it asks the sentinels, keeps the timers, and feeds everything that
 * happens to {@link reduceDiscovery}, whose decisions it performs.
 */
import { EventEmitter } from 'node:events';
import { type Address, formatAddress, sameAddress } from '../address.js';
import { debugFor } from '../debug.js';
import { MasterNotFoundError, type SentinelAttempt } from '../errors.js';
import type { DiscoveryEventMap } from '../events.js';
import type { NormalizedSentinelOptions } from '../options.js';
import { TIMINGS } from '../options.js';
import { hasDownFlag, type ReplicaInfo, type Topology } from '../topology.js';
import { isNewerThanKnown, reduceDiscovery } from './discovery-reducer.js';
import {
  type DiscoveryEffect,
  type DiscoveryEvent,
  type DiscoverySettings,
  type EmitEffect,
  initialDiscoveryState,
} from './discovery-state.js';
import { admitAddress } from './discovery-transitions.js';
import type { SentinelClient } from './sentinel-client.js';
import {
  parseMasterAddress,
  parseMasterState,
  parseReplicas,
  parseSentinels,
  type SentinelEvent,
} from './sentinel-replies.js';
import type { SentinelSet } from './sentinel-set.js';
import type { MasterAnswer } from './topology-diff.js';

const log = debugFor('discovery');

/** Delay of a replica recheck: Sentinel reads a replica's INFO about once a second. */
const REPLICA_RECHECK_DELAY = 500;

/** The live view of one master group. */
export class MasterDiscovery extends EventEmitter<DiscoveryEventMap> {
  private state = initialDiscoveryState();
  private readonly settings: DiscoverySettings;
  private refreshTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private discovering: Promise<Topology> | undefined;

  constructor(
    readonly name: string,
    private readonly sentinels: SentinelSet,
    private readonly options: NormalizedSentinelOptions,
  ) {
    super();
    const { failoverTimeout, updateSentinels, natMap, allowedHosts } = options;
    this.settings = { name, failoverTimeout, updateSentinels, natMap, allowedHosts };
    this.scheduleRefresh();
  }

  /** The master as last known, or undefined before the first discovery. */
  get currentMaster(): Address | undefined {
    return this.state.master && { ...this.state.master };
  }

  /** The healthy replicas as last known. */
  get currentReplicas(): ReplicaInfo[] {
    return this.state.replicas.map((r) => ({ ...r, flags: [...r.flags] }));
  }

  /**
   * Asks the sentinels in order for the whole topology and applies what changed. Concurrent
   * callers (every connection of a starting pool) share one round of questions.
   */
  discover(): Promise<Topology> {
    this.discovering ??= this.discoverNow().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async discoverNow(): Promise<Topology> {
    const attempts: SentinelAttempt[] = [];
    const answer = await this.sentinels.askInOrder((client) => this.askTopology(client), attempts);
    if (!answer) throw new MasterNotFoundError(this.name, attempts);
    this.dispatch({ kind: 'topologyAnswered', answer, now: Date.now() });
    return {
      name: this.name,
      master: { ...answer.value.master },
      replicas: this.currentReplicas,
      sentinels: this.sentinels.addresses(),
    };
  }

  /** The master: the known one, or discovered now. */
  async resolveMaster(): Promise<Address> {
    if (this.state.master) return { ...this.state.master };
    return (await this.discover()).master;
  }

  /**
   * The master connection was lost, or a server said it is not the master: ask every sentinel
   * repeatedly (bounded by `failoverTimeout`) until one names another master, instead of
   * waiting for events or the next refresh. Ends early on any master change or {@link confirmMaster}.
   */
  suspectMaster(reason: string): void {
    this.dispatch({ kind: 'masterSuspected', reason, now: Date.now() });
  }

  /** The master was verified (ROLE master after a reconnect): stop a fast poll. */
  confirmMaster(address: Address): void {
    this.dispatch({ kind: 'masterConfirmed', address });
  }

  /** Handles one event published by a sentinel about this master group. */
  handleEvent(event: SentinelEvent, sentinel: Address): void {
    this.dispatch({ kind: 'sentinelEvent', event, sentinel, now: Date.now() });
  }

  /**
   * Feeds one event to the reducer and performs its effects in order. The state is stored first:
   * a listener that calls back in (a pool's masterChanged handler) sees the decision made.
   */
  private dispatch(event: DiscoveryEvent): void {
    const { state, effects } = reduceDiscovery(this.state, event, this.settings);
    this.state = state;
    for (const effect of effects) this.perform(effect);
  }

  private perform(effect: DiscoveryEffect): void {
    switch (effect.kind) {
      case 'emit':
        this.emitEffect(effect);
        return;
      case 'report':
        this.report(effect.error);
        return;
      case 'log':
        log('%s', effect.line);
        return;
      case 'schedulePoll':
        this.pollTimer = setTimeout(() => void this.pollRound(), TIMINGS.fastPollInterval);
        return;
      case 'stopPoll':
        clearTimeout(this.pollTimer);
        this.pollTimer = undefined;
        return;
      case 'scheduleRecheck':
        this.recheckTimer = setTimeout(() => {
          this.recheckTimer = undefined;
          this.dispatch({ kind: 'recheckDue' });
        }, REPLICA_RECHECK_DELAY);
        return;
      case 'rediscover':
        this.discover().catch((error: Error) =>
          log('%s: replica recheck failed: %s', this.name, error.message),
        );
        return;
      case 'addSentinel':
        this.sentinels.add(effect.address);
        return;
    }
  }

  /** One case per event: TypeScript ties each payload to its event only once narrowed. */
  private emitEffect(effect: EmitEffect): void {
    switch (effect.event) {
      case 'masterChanged':
        this.emit(effect.event, effect.payload);
        return;
      case 'replicaUp':
      case 'replicaDown':
        this.emit(effect.event, effect.payload);
        return;
      case 'failoverStarted':
        this.emit(effect.event, effect.payload);
        return;
      case 'failoverEnded':
        this.emit(effect.event, effect.payload);
        return;
    }
  }

  /** One round of the fast poll: every sentinel at once, the first that names a newer master wins. */
  private async pollRound(): Promise<void> {
    const attempts: SentinelAttempt[] = [];
    const answer = await this.sentinels.askAll(
      (client) => this.askMaster(client, (a) => isNewerThanKnown(this.state, a)),
      attempts,
    );
    this.dispatch({ kind: 'pollAnswered', answer, now: Date.now() });
  }

  /**
   * `SENTINEL GET-MASTER-ADDR-BY-NAME`, checked as redis-py's `check_master_state` does: the
   * sentinel must not see the master as down, and must see enough peers. During a failover the
   * leader already names the promoted replica while its master entry still carries the old
   * master's down flags, so the flags only disqualify an answer that names that old master.
   */
  private async askMaster(
    client: SentinelClient,
    accept: (answer: MasterAnswer) => boolean = () => true,
  ): Promise<{ value: MasterAnswer } | { refused: string }> {
    const [addressReply, stateReply] = await Promise.all([
      client.ask('get-master-addr-by-name', this.name),
      client.ask('master', this.name).catch(() => undefined),
    ]);
    const announced = parseMasterAddress(addressReply);
    if (!announced) return { refused: `does not know "${this.name}"` };
    const state = parseMasterState(stateReply);
    if (state && sameAddress(state, announced) && hasDownFlag(state.flags)) {
      return { refused: `reports ${formatAddress(announced)} as down (${state.flags.join(',')})` };
    }
    if (state && state.otherSentinelCount < this.options.minOtherSentinels) {
      return { refused: `sees ${state.otherSentinelCount} other sentinels, fewer than minOtherSentinels` };
    }
    const address = this.admit(announced, client.label);
    if (!address) return { refused: `named ${formatAddress(announced)}, outside allowedHosts` };
    const answer = { master: address, epoch: state?.configEpoch };
    if (!accept(answer))
      return { refused: `names ${formatAddress(address)} (epoch ${answer.epoch}), nothing newer` };
    return { value: answer };
  }

  private async askTopology(
    client: SentinelClient,
  ): Promise<{ value: MasterAnswer & { replicas: ReplicaInfo[] } } | { refused: string }> {
    const [master, replicasReply, sentinelsReply] = await Promise.all([
      this.askMaster(client),
      client.ask('replicas', this.name).catch(() => []),
      this.options.updateSentinels ? client.ask('sentinels', this.name).catch(() => []) : Promise.resolve([]),
    ]);
    if ('refused' in master) return master;
    for (const peer of parseSentinels(sentinelsReply)) {
      const address = this.admit(peer, client.label);
      if (address) this.sentinels.add(address);
    }
    return { value: { ...master.value, replicas: this.admitReplicas(parseReplicas(replicasReply), client) } };
  }

  /** Translates an announced address and checks it against allowedHosts; reports a refusal. */
  private admit(announced: Address, via: string): Address | undefined {
    return admitAddress(announced, via, this.settings, this.reportPolicyError);
  }

  private admitReplicas(replicas: ReplicaInfo[], client: SentinelClient): ReplicaInfo[] {
    const out: ReplicaInfo[] = [];
    for (const replica of replicas) {
      const address = this.admit(replica, client.label);
      if (address) out.push({ ...replica, host: address.host, port: address.port });
    }
    return out;
  }

  /** A full refresh right away (after a sentinel reconnected: events may have been missed). */
  refreshSoon(): void {
    if (this.state.isClosed) return;
    this.scheduleRefresh(0);
  }

  private scheduleRefresh(delay = this.options.refreshInterval): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.discover()
        .catch((error: Error) => this.report(error))
        .finally(() => {
          if (!this.state.isClosed) this.scheduleRefresh();
        });
    }, delay);
    // The refresh is a safety net: it must not keep a process alive on its own.
    this.refreshTimer.unref();
  }

  /** A natMap or allowedHosts function that threw or returned junk: reported, never thrown. */
  private readonly reportPolicyError = (error: Error): void => this.report(error);

  private report(error: Error): void {
    log('%s: %s', this.name, error.message);
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Stops every timer; idempotent. */
  close(): void {
    this.dispatch({ kind: 'closed' });
    clearTimeout(this.refreshTimer);
    clearTimeout(this.recheckTimer);
    this.removeAllListeners();
  }
}
