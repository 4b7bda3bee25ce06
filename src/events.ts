/**
 * The events of a `Sentinel`, with their payloads. Events are facts, named in the past tense or
 * as states; debug output is written from the same places that emit them.
 */
import { EventEmitter } from 'node:events';
import type { Address } from './address.js';
import type { ReplicaInfo } from './topology.js';

/** The master of a group moved. */
export interface MasterChangedEvent {
  /** The master group name. */
  name: string;
  /** The previous master, if one was known. */
  from: Address | undefined;
  /** The new master. */
  to: Address;
  /** The sentinel whose announcement or answer told us first. */
  sentinel: Address;
}

/** A replica left or joined the set of healthy replicas. */
export interface ReplicaEvent {
  /** The master group name. */
  name: string;
  /** The replica (address, and Sentinel's flags when known). */
  replica: ReplicaInfo;
  /** The sentinel that reported it, when the change came from an announcement. */
  sentinel: Address | undefined;
}

/** A sentinel joined the list of sentinels the client asks. */
export interface SentinelAddedEvent {
  /** The sentinel's address. */
  sentinel: Address;
}

/**
 * A sentinel learned from another left the list: the sentinels that answer stopped listing it
 * while it was unreachable. Seeds (the addresses you passed in) never leave.
 */
export interface SentinelRemovedEvent {
  /** The sentinel's address. */
  sentinel: Address;
}

/**
 * A failover leader started to promote a replica (`+selected-slave` or
 * `+failover-state-send-slaveof-noone`): the old master may still accept writes that will be
 * lost, so pools hold new writes until the new master is known.
 */
export interface FailoverStartedEvent {
  /** The master group name. */
  name: string;
  /** The replica being promoted. */
  candidate: Address;
  /** The failover leader. */
  sentinel: Address;
}

/** A failover ended (`+failover-end`) or was aborted (`-failover-abort-*`). */
export interface FailoverEndedEvent {
  /** The master group name. */
  name: string;
  /** True when the failover was aborted and the old master stays. */
  aborted: boolean;
  /** The sentinel that announced it. */
  sentinel: Address;
}

/**
 * The event map of `Sentinel`. `error` fires for problems that do not belong to a call (a
 * sentinel named an address outside `allowedHosts`, a background refresh failed); without a
 * listener such errors go to the debug log only and never crash the process.
 */
export interface SentinelEventMap {
  masterChanged: [MasterChangedEvent];
  replicaUp: [ReplicaEvent];
  replicaDown: [ReplicaEvent];
  sentinelAdded: [SentinelAddedEvent];
  sentinelRemoved: [SentinelRemovedEvent];
  failoverStarted: [FailoverStartedEvent];
  failoverEnded: [FailoverEndedEvent];
  error: [Error];
}

/** The events a master group's discovery emits (what pools listen to), a subset of the above. */
export type DiscoveryEventMap = Pick<
  SentinelEventMap,
  'masterChanged' | 'replicaUp' | 'replicaDown' | 'failoverStarted' | 'failoverEnded' | 'error'
>;

/** An event map: each event name with the arguments of its listeners. */
type EventMap<M> = Record<keyof M, unknown[]>;

/** A listener of event `E` of map `M`. */
type Listener<M extends EventMap<M>, E extends keyof M> = (...args: M[E]) => void;

/** The methods {@link TypedEventEmitter} declares anew, with the event names of its map. */
type EventMethods =
  | 'on'
  | 'once'
  | 'off'
  | 'addListener'
  | 'removeListener'
  | 'prependListener'
  | 'prependOnceListener'
  | 'emit'
  | 'listenerCount'
  | 'removeAllListeners'
  | 'setMaxListeners';

/**
 * Node's EventEmitter, whose methods take only the event names of `M`: a misspelt event is a
 * type error that names it ("Argument of type '"masterChange"' is not assignable to parameter of
 * type 'keyof SentinelEventMap'"), where `EventEmitter<M>` of @types/node accepts any name and
 * types the listener `never`.
 */
export interface TypedEventEmitter<M extends EventMap<M>> extends Omit<EventEmitter<M>, EventMethods> {
  /** Calls `listener` on every `event`. */
  on<E extends keyof M>(event: E, listener: Listener<M, E>): this;
  /** Calls `listener` on the next `event` only. */
  once<E extends keyof M>(event: E, listener: Listener<M, E>): this;
  /** Removes a listener (same as {@link removeListener}). */
  off<E extends keyof M>(event: E, listener: Listener<M, E>): this;
  /** Same as {@link on}. */
  addListener<E extends keyof M>(event: E, listener: Listener<M, E>): this;
  /** Removes a listener. */
  removeListener<E extends keyof M>(event: E, listener: Listener<M, E>): this;
  /** As {@link on}, called before the listeners added earlier. */
  prependListener<E extends keyof M>(event: E, listener: Listener<M, E>): this;
  /** As {@link once}, called before the listeners added earlier. */
  prependOnceListener<E extends keyof M>(event: E, listener: Listener<M, E>): this;
  /** Calls the listeners of `event` with `args`; true if there were any. */
  emit<E extends keyof M>(event: E, ...args: M[E]): boolean;
  /** How many listeners `event` has (of them, how many are `listener`). */
  listenerCount<E extends keyof M>(event: E, listener?: Listener<M, E>): number;
  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof M): this;
  /** See Node's `emitter.setMaxListeners()`. */
  setMaxListeners(n: number): this;
}

/** Node's EventEmitter, as a {@link TypedEventEmitter} base class. */
export const TypedEventEmitter = EventEmitter as new <M extends EventMap<M>>() => TypedEventEmitter<M>;
