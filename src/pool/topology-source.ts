/**
 * What a pool needs from discovery, as an interface: pools never import discovery (the
 * composition root hands a MasterDiscovery in), so each side can be tested and changed alone.
 */
import type { EventEmitter } from 'node:events';
import type { Address } from '../address.js';
import type { DiscoveryEventMap } from '../events.js';
import type { ReplicaInfo } from '../topology.js';

/** The live view of one master group that pools follow (events: masterChanged, replicaUp, …). */
export interface TopologySource extends Pick<EventEmitter<DiscoveryEventMap>, 'on' | 'off'> {
  readonly name: string;
  /** The master: known, or asked for now. Rejects when no sentinel names one. */
  resolveMaster(): Promise<Address>;
  /** The healthy replicas as last known. */
  readonly currentReplicas: ReplicaInfo[];
  /** The master as last known. */
  readonly currentMaster: Address | undefined;
  /** The same as `host:port`, formatted once per master (asked on the command path). */
  readonly currentMasterText: string | undefined;
  /** A connection says the master is gone or is not a master: look again, fast. */
  suspectMaster(reason: string): void;
  /** A connection verified the master (ROLE master): stop looking. */
  confirmMaster(address: Address): void;
}
