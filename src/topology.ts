/**
 * The vocabulary of what Sentinel tells about a master group: the topology a client sees, the
 * replicas as Sentinel reports them, and which of Sentinel's flags mean "down". Pure; shared by
 * discovery, pools, events and the command line.
 */
import type { Address } from './address.js';

/** A replica as Sentinel reports it. */
export interface ReplicaInfo extends Address {
  /** Sentinel's flags for it, e.g. `['slave']` or `['s_down', 'slave', 'disconnected']`. */
  flags: string[];
  /** `ok` or `err`: whether the replica's link to its master is up, as Sentinel last saw it. */
  masterLinkStatus: string;
  /** The replication offset Sentinel last read from the replica, when reported. */
  replicationOffset?: number;
  /** Replica priority (0 = never promoted), when reported. */
  priority?: number;
}

/** What `sentinel.discover(name)` returns. */
export interface Topology {
  /** The master group name. */
  name: string;
  /** The current master. */
  master: Address;
  /** Healthy replicas: no `s_down`/`o_down`/`disconnected` flag and `master-link-status` ok. */
  replicas: ReplicaInfo[];
  /** Every sentinel the client knows, in the order it asks them. */
  sentinels: Address[];
}

/** Flags that make an instance unusable. */
/** Sentinel's flags that mean an instance is down or unreachable. */
export const DOWN_FLAGS: readonly string[] = ['s_down', 'o_down', 'disconnected'];

/** Whether Sentinel's flags say the instance is down or unreachable. */
export function hasDownFlag(flags: readonly string[]): boolean {
  return flags.some((f) => DOWN_FLAGS.includes(f));
}

/** Whether a replica may serve reads: no down flag and its link to the master up. */
export function isHealthyReplica(replica: ReplicaInfo): boolean {
  return !hasDownFlag(replica.flags) && replica.masterLinkStatus === 'ok';
}

/**
 * One sentinel's answer to the write lease's question (discovery asks, the lease counts it):
 * which master it names, at which configuration epoch, and whether it flags it down.
 */
export interface LeaseAnswer {
  readonly runId: string;
  /** `host:port` of the master it names. */
  readonly master: string;
  readonly epoch: number;
  readonly isMasterDown: boolean;
  /** Its `down-after-milliseconds` for the group. */
  readonly downAfterMs: number | undefined;
  /** How long the question took (ms). */
  readonly roundTripMs: number;
}
