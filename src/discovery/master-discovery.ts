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
import { type Address, formatAddress } from '../address.js';
import { debugFor } from '../debug.js';
import { MasterNotFoundError, type SentinelAttempt } from '../errors.js';
import type { DiscoveryEventMap } from '../events.js';
import { publishMasterChanged, traceDiscover } from '../observability/channels.js';
import type { NormalizedSentinelOptions } from '../options.js';
import { TIMINGS } from '../options.js';
import type { ReplicaInfo, Topology } from '../topology.js';
import { isNewerThanKnown, reduceDiscovery } from './discovery-reducer.js';
import {
  type DiscoveryEffect,
  type DiscoveryEvent,
  type DiscoverySettings,
  type EmitEffect,
  initialDiscoveryState,
} from './discovery-state.js';
import { admitAddress } from './discovery-transitions.js';
import { MasterQuestions } from './master-questions.js';
import type { SentinelEvent } from './sentinel-replies.js';
import type { SentinelSet } from './sentinel-set.js';

const log = debugFor('discovery');

/** Delay of a replica recheck: Sentinel reads a replica's INFO about once a second. */
const REPLICA_RECHECK_DELAY = 500;

/** The live view of one master group. */
export class MasterDiscovery extends EventEmitter<DiscoveryEventMap> {
  private state = initialDiscoveryState();
  private readonly settings: DiscoverySettings;
  private readonly questions: MasterQuestions;
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
    this.questions = new MasterQuestions(
      name,
      options,
      (announced, via) => admitAddress(announced, via, this.settings, this.reportPolicyError),
      (answeredBy, listed) => this.sentinels.learn(name, answeredBy, listed),
      (error) => this.report(error),
    );
    this.scheduleRefresh();
  }

  /** The master as last known, or undefined before the first discovery. */
  get currentMaster(): Address | undefined {
    return this.state.master && { ...this.state.master };
  }

  /**
   * The master as last known, `host:port`, or undefined: formatted once per master (sessions and
   * the write lease ask it on every command).
   */
  get currentMasterText(): string | undefined {
    const master = this.state.master;
    if (master !== this.formattedMaster) {
      this.formattedMaster = master;
      this.formattedMasterText = master && formatAddress(master);
    }
    return this.formattedMasterText;
  }

  private formattedMaster: Address | undefined;
  private formattedMasterText: string | undefined;

  /** The healthy replicas as last known. */
  get currentReplicas(): ReplicaInfo[] {
    return this.state.replicas.map((r) => ({ ...r, flags: [...r.flags] }));
  }

  /**
   * Asks the sentinels in order for the whole topology and applies what changed. Concurrent
   * callers (every connection of a starting pool) share one round of questions.
   */
  discover(): Promise<Topology> {
    this.discovering ??= traceDiscover(this.name, 'discover', () => this.discoverNow()).finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async discoverNow(): Promise<Topology> {
    const attempts: SentinelAttempt[] = [];
    const answer = await this.sentinels.askInOrder((client) => this.questions.askTopology(client), attempts);
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
   * a listener that calls back in (a pool's masterChanged handler) sees the decision made. A
   * listener that throws must not leave the state saying a timer runs that was never started,
   * so every effect is performed and the first error is rethrown afterwards.
   */
  private dispatch(event: DiscoveryEvent): void {
    const { state, effects } = reduceDiscovery(this.state, event, this.settings);
    this.state = state;
    let failure: { error: unknown } | undefined;
    for (const effect of effects) {
      try {
        this.perform(effect);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
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
        this.sentinels.add(effect.address, this.name);
        return;
    }
  }

  /** One case per event: TypeScript ties each payload to its event only once narrowed. */
  private emitEffect(effect: EmitEffect): void {
    switch (effect.event) {
      case 'masterChanged':
        publishMasterChanged(
          this.name,
          effect.payload.from,
          effect.payload.to,
          effect.payload.sentinel,
          effect.reason ?? '',
        );
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
    const answer = await traceDiscover(this.name, 'poll', () =>
      this.sentinels.askAll(
        (client) => this.questions.askMaster(client, (a) => isNewerThanKnown(this.state, a)),
        attempts,
      ),
    );
    this.dispatch({ kind: 'pollAnswered', answer, now: Date.now() });
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
