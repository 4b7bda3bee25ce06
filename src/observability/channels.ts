/**
 * The `node:diagnostics_channel` channels this library publishes, with their payloads. Each
 * publish checks `hasSubscribers` first, so that with no subscriber no payload object is built
 * and the only cost is one property read (undici and ioredis 6 publish the same way). Metrics
 * (metrics.ts) and the CLI's `watch --timeline` are subscribers like any other.
 *
 * Subscribe by name, from any copy of this library:
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe('redis-sentinel-pool:reaction', (message) => console.log(message));
 * ```
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { type Address, formatAddress } from '../address.js';

/** Every channel name, one constant each (the documented table lists the same names). */
export const CHANNELS = {
  masterChanged: 'redis-sentinel-pool:master-changed',
  failover: 'redis-sentinel-pool:failover',
  reaction: 'redis-sentinel-pool:reaction',
  sessionRead: 'redis-sentinel-pool:session-read',
  /** A tracing channel: `tracing:redis-sentinel-pool:discover:start` and so on. */
  discover: 'redis-sentinel-pool:discover',
  writeLease: 'redis-sentinel-pool:write-lease',
} as const;

/** Which part of the library: a pool (`masterFor`/`replicaFor`) or the managed clients (`redisFor`). */
export type ObservedKind = 'masterFor' | 'replicaFor' | 'redisFor';

/** `redis-sentinel-pool:master-changed`: discovery adopted a new master for a group. */
export interface MasterChangedMessage {
  /** The master group name. */
  name: string;
  /** The previous master (`host:port`), or undefined before the first discovery. */
  from: string | undefined;
  /** The new master, `host:port`. */
  to: string;
  /** The sentinel that told first, `host:port`. */
  via: string;
  /**
   * What told: the channel a sentinel published on (`+switch-master`), `answer` (a fast poll
   * while a failover was suspected) or `refresh` (a discovery round).
   */
  reason: string;
}

/**
 * `redis-sentinel-pool:failover`: a pool (or a group's managed master clients) started or ended
 * holding commands during a failover. `end` carries how long and how many.
 */
export interface FailoverMessage {
  /** The master group name. */
  name: string;
  /** Which holds: a master pool or the managed master clients. */
  kind: ObservedKind;
  phase: 'start' | 'end';
  /** On `end`: how long commands were held, in ms. */
  heldMs: number | undefined;
  /**
   * On `end`: how many commands waited for the hold to end. Undefined for `redisFor`, whose
   * commands wait in ioredis's own offline queue, where the library does not count them.
   */
  heldCommands: number | undefined;
  /** On `end`: `masterChanged`, `failoverEnded` (aborted or no change), `timeout` or `closed`. */
  endedBy: string | undefined;
}

/**
 * `redis-sentinel-pool:reaction`: the first command answered by a new master, per pool: the time
 * from the first announcement of that master (the `masterChanged` that discovery emitted) to it.
 */
export interface ReactionMessage {
  /** The master group name. */
  name: string;
  kind: ObservedKind;
  /** The new master, `host:port`. */
  master: string;
  /** Milliseconds from the announcement to the first answer from the new master. */
  ms: number;
}

/** `redis-sentinel-pool:session-read`: one read of `session.replica` was served. */
export interface SessionReadMessage {
  /** The master group name. */
  name: string;
  /** Milliseconds from the call until the read was answered. */
  waitedMs: number;
  /** Who served it: a caught-up replica, or the master (fallback, or a position from before a failover). */
  servedBy: 'replica' | 'master';
  /** How many times the read was tried on replicas (0 when it went to the master at once). */
  attempts: number;
}

/**
 * The context of one `redis-sentinel-pool:discover` trace (start, end, asyncStart, asyncEnd,
 * error): one round of questions to the sentinels. Node sets `result` or `error` on it.
 */
export interface DiscoverContext {
  /** The master group name. */
  name: string;
  /** `discover`: the sentinels in order, for the whole topology; `poll`: all at once, for the master. */
  round: 'discover' | 'poll';
  /** Set by Node on the async end: the topology (discover) or undefined (poll). */
  result?: unknown;
  /** Set by Node when the round failed. */
  error?: unknown;
}

const masterChanged = channel(CHANNELS.masterChanged);
const failover = channel(CHANNELS.failover);
const reaction = channel(CHANNELS.reaction);
const sessionRead = channel(CHANNELS.sessionRead);
const writeLease = channel(CHANNELS.writeLease);
const discover = tracingChannel<unknown, DiscoverContext>(CHANNELS.discover);

/**
 * Whether a tracing channel has a subscriber. `TracingChannel.hasSubscribers` exists from
 * Node 20.13 on; before, one of its channels is asked.
 */
function isTraced(): boolean {
  const traced = discover as unknown as { hasSubscribers?: boolean };
  if (traced.hasSubscribers !== undefined) return traced.hasSubscribers;
  return discover.start.hasSubscribers || discover.end.hasSubscribers || discover.error.hasSubscribers;
}

/** Publishes `masterChanged` (nothing built when nobody subscribes). */
export function publishMasterChanged(
  name: string,
  from: Address | undefined,
  to: Address,
  via: Address,
  reason: string,
): void {
  if (!masterChanged.hasSubscribers) return;
  const message: MasterChangedMessage = {
    name,
    from: from && formatAddress(from),
    to: formatAddress(to),
    via: formatAddress(via),
    reason,
  };
  masterChanged.publish(message);
}

/** Publishes a hold's start or end. */
export function publishFailover(message: () => FailoverMessage): void {
  if (failover.hasSubscribers) failover.publish(message());
}

/** Whether anyone listens to reactions (a pool then watches for the new master's first answer). */
export function isReactionObserved(): boolean {
  return reaction.hasSubscribers;
}

/** Publishes a pool's reaction to a new master. */
export function publishReaction(name: string, kind: ObservedKind, master: Address, ms: number): void {
  if (!reaction.hasSubscribers) return;
  const message: ReactionMessage = { name, kind, master: formatAddress(master), ms };
  reaction.publish(message);
}

/** Whether anyone listens to session reads (the session then times its reads). */
export function isSessionReadObserved(): boolean {
  return sessionRead.hasSubscribers;
}

/** Publishes one served session read. */
export function publishSessionRead(message: SessionReadMessage): void {
  if (sessionRead.hasSubscribers) sessionRead.publish(message);
}

/**
 * `redis-sentinel-pool:write-lease` (`writeLeaseMs`): the write lease of a group lapsed (writes to
 * its master are held) or was granted again.
 */
export interface WriteLeaseMessage {
  /** The master group name. */
  name: string;
  state: 'lapsed' | 'renewed';
  /** The master the lease is about (`host:port`), when known. */
  master: string | undefined;
}

/** Publishes a change of a write lease. */
export function publishWriteLease(message: () => WriteLeaseMessage): void {
  if (writeLease.hasSubscribers) writeLease.publish(message());
}

/** Runs one round of sentinel questions inside the `discover` trace, when traced. */
export function traceDiscover<T>(
  name: string,
  round: DiscoverContext['round'],
  fn: () => Promise<T>,
): Promise<T> {
  if (!isTraced()) return fn();
  return discover.tracePromise(fn, { name, round });
}
