/**
 * The vocabulary of discovery's decisions: its state, the events that change it and the effects
 * its shell performs. Types only, and the state before the first discovery.
 */
import type { Address } from '../address.js';
import type { AllowedHosts, NatMap } from '../address-policy.js';
import type { DiscoveryEventMap } from '../events.js';
import type { ReplicaInfo } from '../topology.js';
import type { SentinelEvent } from './sentinel-replies.js';
import type { SentinelAnswer } from './sentinel-set.js';
import type { MasterAnswer } from './topology-diff.js';

/** What discovery knows and which of its timers should be running. */
export interface DiscoveryState {
  master: Address | undefined;
  /** Highest configuration epoch seen for the current master or an earlier one. */
  epoch: number;
  replicas: ReplicaInfo[];
  /** A fast poll of every sentinel is under way (its timer or its round of questions). */
  isPolling: boolean;
  /** When the fast poll gives up (ms since the epoch). */
  pollDeadline: number;
  isRecheckPending: boolean;
  rechecksLeft: number;
  /** When the current failover started (0: none; a leader that died mid-way times out). */
  failoverStartedAt: number;
  isClosed: boolean;
}

/** What the decisions depend on besides the state: the group and a few options. */
export interface DiscoverySettings {
  name: string;
  failoverTimeout: number;
  updateSentinels: boolean;
  natMap: NatMap | undefined;
  allowedHosts: AllowedHosts | undefined;
}

/** A whole-topology answer of one sentinel, already translated and checked against allowedHosts. */
/**
 * A discovery round's answer. `replicas` is undefined when the sentinel did not say (its
 * `SENTINEL REPLICAS` failed or timed out): the replicas known stay, rather than all "leave".
 */
export type TopologyAnswer = SentinelAnswer<MasterAnswer & { replicas: ReplicaInfo[] | undefined }>;

/** A message a sentinel published about this group: what it said, who said it, when it arrived. */
export interface PublishedEvent {
  kind: 'sentinelEvent';
  event: SentinelEvent;
  sentinel: Address;
  now: number;
}

/** What happened; `now` is the time it happened (ms since the epoch). */
export type DiscoveryEvent =
  | PublishedEvent
  /** A round of questions to the sentinels in order gave a usable answer. */
  | { kind: 'topologyAnswered'; answer: TopologyAnswer; now: number }
  /** A fast-poll round ended: an answer naming a newer master, or none. */
  | { kind: 'pollAnswered'; answer: SentinelAnswer<MasterAnswer> | undefined; now: number }
  /** The master connection was lost, or a server said it is not the master. */
  | { kind: 'masterSuspected'; reason: string; now: number }
  /** A connection verified the master (ROLE master after a reconnect). */
  | { kind: 'masterConfirmed'; address: Address }
  /** The replica recheck timer fired. */
  | { kind: 'recheckDue' }
  | { kind: 'closed' };

/** The events discovery announces to pools; errors go through `report`. */
export type AnnouncedEvent = Exclude<keyof DiscoveryEventMap, 'error'>;

/**
 * Emit one event, its payload tied to its name. `reason` says what told (for the diagnostics
 * channel): the sentinel channel (`+switch-master`), `answer` or `refresh`.
 */
export type EmitEffect = {
  [E in AnnouncedEvent]: { kind: 'emit'; event: E; payload: DiscoveryEventMap[E][0]; reason?: string };
}[AnnouncedEvent];

/** What to do, in order. */
export type DiscoveryEffect =
  | EmitEffect
  /** Log the error and emit it if someone listens; never thrown. */
  | { kind: 'report'; error: Error }
  /** Start a timer that asks every sentinel for a newer master (answer: `pollAnswered`). */
  | { kind: 'schedulePoll' }
  | { kind: 'stopPoll' }
  /** Start the replica recheck timer (it fires `recheckDue`). */
  | { kind: 'scheduleRecheck' }
  /** Ask the sentinels for the whole topology again. */
  | { kind: 'rediscover' }
  | { kind: 'addSentinel'; address: Address }
  | { kind: 'log'; line: string };

/** The next state and the effects to perform. */
export interface DiscoveryStep {
  state: DiscoveryState;
  effects: DiscoveryEffect[];
}

/** The state before the first discovery. */
export function initialDiscoveryState(): DiscoveryState {
  return {
    master: undefined,
    epoch: -1,
    replicas: [],
    isPolling: false,
    pollDeadline: 0,
    isRecheckPending: false,
    rechecksLeft: 0,
    failoverStartedAt: 0,
    isClosed: false,
  };
}
