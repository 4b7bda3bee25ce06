/** What the sessions of one master group share, built from the group's pools and discovery. */
import type { Redis } from 'ioredis';
import { type Address, formatAddress } from '../address.js';
import { type NatMap, translateAddress } from '../address-policy.js';
import type { DeadlineQueue } from '../deadline-queue.js';
import type { MasterPool } from '../pool/master-pool.js';
import type { ReplicaPool } from '../pool/replica-pool.js';
import { FollowUp } from './follow-up.js';
import type { KnownReplica } from './position.js';
import type { PendingRead } from './session-reads.js';

/** What every session of one master group shares. */
export interface SessionContext {
  master: MasterPool;
  replica: ReplicaPool;
  /** The ROLE sent after each tick's writes on a master connection. */
  role: FollowUp;
  /** The furthest each replica connection was seen to be. */
  replicaRoles: WeakMap<Redis, KnownReplica>;
  /** The deadlines of session reads waiting for a caught-up replica, by `timeoutMs`. */
  readDeadlines: Map<number, DeadlineQueue<PendingRead>>;
  /** The master as discovery knows it now, `host:port`. */
  currentMaster(): string | undefined;
  /** The master, discovered now if not known yet, `host:port`. */
  resolveMaster(): Promise<string>;
  /** An address as the client reaches it (natMap applied), `host:port`. */
  translate(host: string, port: number): string;
}

/** Settings of one session. */
export interface SessionSettings {
  /** How long a read waits for a caught-up replica before the master (or an error). */
  timeoutMs: number;
  /** Whether a read may go to the master when no replica is caught up in time. */
  fallbackToMaster: boolean;
}

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
