/**
 * The topology of one master group as the client knows it, and the pure diff between two
 * snapshots that tells what changed. Observing (I/O) and applying live elsewhere.
 */
import { type Address, formatAddress, sameAddress } from '../address.js';
import { isHealthyReplica, type ReplicaInfo } from '../topology.js';

/** A replica that joined or left the healthy set. */
export interface ReplicaChange {
  kind: 'replicaUp' | 'replicaDown';
  replica: ReplicaInfo;
}

/** The healthy replicas among those Sentinel reported, never the master itself. */
export function healthyReplicas(reported: readonly ReplicaInfo[], master: Address): ReplicaInfo[] {
  return reported.filter((r) => isHealthyReplica(r) && !sameAddress(r, master));
}

/**
 * Which replicas joined or left the healthy set. A replica that became the master leaves it
 * without a replicaDown: the masterChanged event says more.
 */
export function diffReplicas(
  previous: readonly ReplicaInfo[],
  next: readonly ReplicaInfo[],
  master: Address,
): ReplicaChange[] {
  const changes: ReplicaChange[] = [];
  const before = new Set(previous.map(formatAddress));
  const after = new Set(next.map(formatAddress));
  for (const replica of next) {
    if (!before.has(formatAddress(replica))) changes.push({ kind: 'replicaUp', replica });
  }
  for (const replica of previous) {
    if (!after.has(formatAddress(replica)) && !sameAddress(replica, master)) {
      changes.push({ kind: 'replicaDown', replica });
    }
  }
  return changes;
}

/** A sentinel's answer for the master: the address and the configuration epoch it comes with. */
export interface MasterAnswer {
  master: Address;
  /** Sentinel's `config-epoch` for the group, when it reported one. */
  epoch: number | undefined;
}

/**
 * Whether an answer should replace the master we know. Sentinels do not change their minds at
 * the same moment: during and after a failover a lagging sentinel still names the old master.
 * Every failover raises the configuration epoch (the leader raises it when it promotes, which
 * is also when it starts naming the new master), so only an answer with a higher epoch than
 * the one we know may move us; `knownEpoch` is the highest epoch seen for the current master
 * or an earlier one.
 */
export function isNewerMaster(
  current: Address | undefined,
  knownEpoch: number,
  answer: MasterAnswer,
): boolean {
  if (current === undefined) return true;
  if (sameAddress(current, answer.master)) return false;
  return answer.epoch === undefined || answer.epoch > knownEpoch;
}
