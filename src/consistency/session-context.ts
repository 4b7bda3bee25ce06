/** What the sessions of one master group share, built from the group's pools and discovery. */
import { type Address, formatAddress } from '../address.js';
import { type NatMap, translateAddress } from '../address-policy.js';
import type { MasterPool } from '../pool/master-pool.js';
import type { ReplicaPool } from '../pool/replica-pool.js';
import { FollowUp } from './follow-up.js';
import type { SessionContext } from './session.js';

/** What sessions need to know of the master (a group's discovery provides it). */
export interface MasterSource {
  /** The master as known now, `host:port`, if any. */
  readonly currentMasterText: string | undefined;
  /** The master, discovered now if not known yet. */
  resolveMaster(): Promise<Address>;
}

/** The context every session of one group (and durability setting) shares. */
export function sessionContextFor(
  master: MasterPool,
  replica: ReplicaPool,
  source: MasterSource,
  natMap: NatMap | undefined,
): SessionContext {
  return {
    master,
    replica,
    role: new FollowUp(['ROLE']),
    replicaRoles: new WeakMap(),
    readDeadlines: new Map(),
    currentMaster: () => source.currentMasterText,
    resolveMaster: async () => formatAddress(await source.resolveMaster()),
    translate: (host, port) => formatAddress(translateAddress({ host, port }, natMap)),
  };
}
