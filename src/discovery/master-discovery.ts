/**
 * What the client knows about one master group, kept current: the master, the healthy replicas.
 * Sources, fastest first: Sentinel's published events (all sentinels, first announcement wins),
 * a fast parallel poll of every sentinel while a failover is suspected, and a periodic refresh
 * that repairs anything missed. Only discovery decides what the master is; pools ask it.
 */
import { EventEmitter } from 'node:events';
import { type Address, formatAddress, sameAddress } from '../address.js';
import { isAllowedAddress, translateAddress } from '../address-policy.js';
import { debugFor } from '../debug.js';
import { AddressNotAllowedError, MasterNotFoundError, type SentinelAttempt } from '../errors.js';
import type { DiscoveryEventMap } from '../events.js';
import type { NormalizedSentinelOptions } from '../options.js';
import { TIMINGS } from '../options.js';
import { hasDownFlag, type ReplicaInfo, type Topology } from '../topology.js';
import type { SentinelClient } from './sentinel-client.js';
import {
  describeEvent,
  parseMasterAddress,
  parseMasterState,
  parseReplicas,
  parseSentinels,
  type SentinelEvent,
} from './sentinel-replies.js';
import type { SentinelAnswer, SentinelSet } from './sentinel-set.js';
import { diffReplicas, healthyReplicas, isNewerMaster, type MasterAnswer } from './topology-diff.js';

const log = debugFor('discovery');

/** Replica rechecks after a replica event, while Sentinel still reports it unhealthy. */
const REPLICA_RECHECKS = 20;
const REPLICA_RECHECK_DELAY = 500;

/** The live view of one master group. */
export class MasterDiscovery extends EventEmitter<DiscoveryEventMap> {
  private master: Address | undefined;
  /** Highest configuration epoch seen for the current master or an earlier one. */
  private epoch = -1;
  private replicas: ReplicaInfo[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private rechecksLeft = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollDeadline = 0;
  private closed = false;
  private discovering: Promise<Topology> | undefined;
  /** When the current failover started (0: none; a leader that died mid-way times out). */
  private failoverStartedAt = 0;

  constructor(
    readonly name: string,
    private readonly sentinels: SentinelSet,
    private readonly options: NormalizedSentinelOptions,
  ) {
    super();
    this.scheduleRefresh();
  }

  /** The master as last known, or undefined before the first discovery. */
  get currentMaster(): Address | undefined {
    return this.master && { ...this.master };
  }

  /** The healthy replicas as last known. */
  get currentReplicas(): ReplicaInfo[] {
    return this.replicas.map((r) => ({ ...r, flags: [...r.flags] }));
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
    this.applyTopology(answer);
    return {
      name: this.name,
      master: { ...answer.value.master },
      replicas: this.currentReplicas,
      sentinels: this.sentinels.addresses(),
    };
  }

  /** The master: the known one, or discovered now. */
  async resolveMaster(): Promise<Address> {
    if (this.master) return { ...this.master };
    return (await this.discover()).master;
  }

  /**
   * The master connection was lost, or a server said it is not the master: ask every sentinel
   * repeatedly (bounded by `failoverTimeout`) until one names another master, instead of
   * waiting for events or the next refresh. Ends early on any master change or {@link confirmMaster}.
   */
  suspectMaster(reason: string): void {
    if (this.closed) return;
    this.pollDeadline = Date.now() + this.options.failoverTimeout;
    if (this.pollTimer) return;
    log('%s: asking every sentinel for the master (%s)', this.name, reason);
    this.poll();
  }

  /** The master was verified (ROLE master after a reconnect): stop a fast poll. */
  confirmMaster(address: Address): void {
    if (sameAddress(address, this.master)) this.stopPolling();
  }

  private poll(): void {
    this.pollTimer = setTimeout(() => {
      const attempts: SentinelAttempt[] = [];
      void this.sentinels
        .askAll(
          (client) => this.askMaster(client, (a) => isNewerMaster(this.master, this.epoch, a)),
          attempts,
        )
        .then((answer) => {
          if (this.closed || this.pollTimer === undefined) return;
          if (answer) this.applyMaster(answer.value.master, answer.sentinel, 'answer', answer.value.epoch);
          else if (Date.now() < this.pollDeadline) return this.poll();
          else log('%s: no sentinel named a new master within failoverTimeout', this.name);
          this.stopPolling();
        });
    }, TIMINGS.fastPollInterval);
  }

  private stopPolling(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
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
    const address = translateAddress(announced, this.options.natMap, this.reportPolicyError);
    if (isAllowedAddress(address, this.options.allowedHosts, this.reportPolicyError)) return address;
    this.report(new AddressNotAllowedError(this.name, formatAddress(address), via));
    return undefined;
  }

  private admitReplicas(replicas: ReplicaInfo[], client: SentinelClient): ReplicaInfo[] {
    const out: ReplicaInfo[] = [];
    for (const replica of replicas) {
      const address = this.admit(replica, client.label);
      if (address) out.push({ ...replica, host: address.host, port: address.port });
    }
    return out;
  }

  private applyTopology(answer: SentinelAnswer<MasterAnswer & { replicas: ReplicaInfo[] }>): void {
    const { replicas: reported } = answer.value;
    if (sameAddress(answer.value.master, this.master)) this.raiseEpoch(answer.value.epoch);
    else if (isNewerMaster(this.master, this.epoch, answer.value)) {
      this.applyMaster(answer.value.master, answer.sentinel, 'refresh', answer.value.epoch);
    } else {
      // A lagging sentinel: keep the master we know, and let the others settle it.
      log(
        '%s: %s still names %s; keeping %s',
        this.name,
        formatAddress(answer.sentinel),
        formatAddress(answer.value.master),
        this.master && formatAddress(this.master),
      );
      this.suspectMaster('sentinels disagree');
      return;
    }
    const master = this.master ?? answer.value.master;
    const healthy = healthyReplicas(reported, master);
    for (const change of diffReplicas(this.replicas, healthy, master)) {
      this.emit(change.kind, { name: this.name, replica: change.replica, sentinel: undefined });
    }
    this.replicas = healthy;
    // Sentinel reads a replica's INFO about once a second while its link is down: look again
    // soon while one it knows is not healthy yet, instead of waiting for the next refresh.
    if (
      reported.some((r) => !hasDownFlag(r.flags) && r.masterLinkStatus !== 'ok' && !sameAddress(r, master))
    ) {
      this.scheduleReplicaRecheck(false);
    }
  }

  private raiseEpoch(epoch: number | undefined): void {
    if (epoch !== undefined && epoch > this.epoch) this.epoch = epoch;
  }

  private applyMaster(to: Address, sentinel: Address, via: string, epoch?: number): void {
    if (sameAddress(to, this.master)) return;
    this.raiseEpoch(epoch);
    const from = this.master;
    this.master = { ...to };
    this.replicas = this.replicas.filter((r) => !sameAddress(r, to));
    this.stopPolling();
    log(
      '%s: master changed %s -> %s via %s from %s',
      this.name,
      from ? formatAddress(from) : '(none)',
      formatAddress(to),
      via,
      formatAddress(sentinel),
    );
    this.emit('masterChanged', { name: this.name, from, to: { ...to }, sentinel: { ...sentinel } });
    // Replicas are reconfigured over the next seconds; follow them.
    this.scheduleReplicaRecheck(true);
  }

  /** Handles one event published by a sentinel about this master group. */
  handleEvent(event: SentinelEvent, sentinel: Address): void {
    if (this.closed) return;
    log('%s from %s', describeEvent(event), formatAddress(sentinel));
    const instance = translateAddress(event.instance, this.options.natMap, this.reportPolicyError);
    switch (event.channel) {
      case '+switch-master':
      case '+promoted-slave': {
        const old = event.channel === '+switch-master' ? event.previous : event.master;
        if (sameAddress(instance, this.master)) return; // the same switch, announced again
        if (!isAllowedAddress(instance, this.options.allowedHosts, this.reportPolicyError)) {
          this.report(
            new AddressNotAllowedError(this.name, formatAddress(instance), formatAddress(sentinel)),
          );
          return;
        }
        // Apply at once only when the announcement continues from the master we know; a late
        // or out-of-order one is checked by asking the sentinels instead.
        const from = old && translateAddress(old, this.options.natMap, this.reportPolicyError);
        if (this.master === undefined || sameAddress(from, this.master))
          this.applyMaster(instance, sentinel, event.channel);
        else this.suspectMaster(`${event.channel} from an unexpected master`);
        return;
      }
      case '+selected-slave':
      case '+failover-state-send-slaveof-noone': {
        // A failover of a master we have already left (the event came late, after a poll had
        // found the new master, or another sentinel tries one of its own) must not hold
        // commands: no masterChanged would come to end the hold.
        const failing =
          event.master && translateAddress(event.master, this.options.natMap, this.reportPolicyError);
        if (this.master !== undefined && failing !== undefined && !sameAddress(failing, this.master)) {
          this.suspectMaster(`${event.channel} for a master we already left`);
          return;
        }
        // The leader publishes both, ~0 ms apart: one failoverStarted per failover.
        if (Date.now() - this.failoverStartedAt > this.options.failoverTimeout) {
          this.failoverStartedAt = Date.now();
          this.emit('failoverStarted', { name: this.name, candidate: instance, sentinel: { ...sentinel } });
        }
        this.suspectMaster(event.channel);
        return;
      }
      case '+failover-end':
      case '-failover-abort-not-elected':
      case '-failover-abort-no-good-slave':
      case '-failover-abort-slave-timeout':
        this.failoverStartedAt = 0;
        this.emit('failoverEnded', { name: this.name, aborted: event.channel !== '+failover-end', sentinel });
        return;
      case '+sentinel': {
        if (!this.options.updateSentinels) return;
        const address = this.admit(event.instance, formatAddress(sentinel));
        if (address) this.sentinels.add(address);
        return;
      }
      case '+odown':
        if (event.instanceType === 'master' && sameAddress(instance, this.master))
          this.suspectMaster('+odown');
        return;
      case '+sdown':
        if (event.instanceType === 'slave') this.dropReplica(instance, sentinel);
        return;
      case '-sdown':
      case '+slave':
      case '+convert-to-slave':
        if (event.instanceType === 'slave') this.scheduleReplicaRecheck(true);
        return;
      default:
        return;
    }
  }

  private dropReplica(address: Address, sentinel: Address): void {
    const replica = this.replicas.find((r) => sameAddress(r, address));
    if (!replica) return;
    this.replicas = this.replicas.filter((r) => r !== replica);
    this.emit('replicaDown', { name: this.name, replica: { ...replica }, sentinel: { ...sentinel } });
  }

  /** Refreshes the topology soon, and a bounded number of times after that. */
  private scheduleReplicaRecheck(reset: boolean): void {
    if (this.closed) return;
    if (reset) this.rechecksLeft = REPLICA_RECHECKS;
    if (this.recheckTimer || this.rechecksLeft <= 0) return;
    this.rechecksLeft -= 1;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      this.discover().catch((error: Error) =>
        log('%s: replica recheck failed: %s', this.name, error.message),
      );
    }, REPLICA_RECHECK_DELAY);
  }

  /** A full refresh right away (after a sentinel reconnected: events may have been missed). */
  refreshSoon(): void {
    if (this.closed) return;
    this.scheduleRefresh(0);
  }

  private scheduleRefresh(delay = this.options.refreshInterval): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.discover()
        .catch((error: Error) => this.report(error))
        .finally(() => {
          if (!this.closed) this.scheduleRefresh();
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
    this.closed = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.recheckTimer);
    this.stopPolling();
    this.removeAllListeners();
  }
}
