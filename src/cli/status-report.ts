/**
 * What `status` reports (pure): the report's types, and the master, replicas and sentinels as
 * the sentinels' answers and the master's ROLE describe them. The warnings are status-checks'.
 */
import type { Diagnosis } from './sentinel-diagnosis.js';
import { flagsOf } from './sentinel-messages.js';
import type { MasterProbe, SentinelView } from './status-gather.js';

/** One finding: a stable code for scripts, a sentence for people, and what to check, if known. */
export interface Finding {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

/** One replica, as the reference sentinel and the master's ROLE describe it. */
export interface ReplicaReport {
  readonly address: string;
  readonly flags: string[];
  readonly masterLinkStatus: string | undefined;
  /** The offset the replica acknowledged to the master (ROLE), if connected. */
  readonly offset: number | undefined;
  /** Master offset minus replica offset, in bytes; undefined when not connected. */
  readonly lagBytes: number | undefined;
  readonly priority: number | undefined;
}

/** One sentinel: named by the user (asked) or only listed by another sentinel. */
export interface SentinelReport {
  readonly address: string;
  readonly isNamed: boolean;
  /** Whether another sentinel lists it (SENTINEL SENTINELS). */
  isListed: boolean;
  /** Whether it answered; undefined for a sentinel we did not ask. */
  readonly isReachable: boolean | undefined;
  /** The master it names, as `host:port`. */
  readonly master: string | undefined;
  readonly flags: string[];
  readonly error: string | undefined;
  /** What is wrong with a named sentinel that could not tell about the group. */
  readonly diagnosis: Diagnosis | undefined;
  readonly quorumCheck: string | undefined;
  /** The Sentinel subcommands it refused to the user (NOPERM); empty for one not asked. */
  readonly denied: readonly string[];
}

/** Everything `status` prints. */
export interface StatusReport {
  readonly name: string;
  readonly master:
    | {
        readonly address: string;
        readonly flags: string[];
        readonly configEpoch: number | undefined;
        readonly role: string | undefined;
        readonly offset: number | undefined;
        readonly isReachable: boolean;
        readonly minReplicasToWrite: number | undefined;
        readonly minReplicasMaxLag: number | undefined;
      }
    | undefined;
  readonly replicas: ReplicaReport[];
  readonly sentinels: SentinelReport[];
  readonly quorum:
    | {
        readonly quorum: number;
        readonly sentinelCount: number;
        readonly majority: number;
        readonly isReachable: boolean;
      }
    | undefined;
  readonly warnings: Finding[];
  readonly notes: Finding[];
  readonly exitCode: 0 | 1 | 2;
}

const addressOf = (fields: Record<string, string>) =>
  fields.ip?.includes(':') ? `[${fields.ip}]:${fields.port}` : `${fields.ip}:${fields.port}`;

export const numberOr = (value: string | undefined): number | undefined =>
  value === undefined || value === '' || !Number.isFinite(Number(value)) ? undefined : Number(value);

/** The view to trust: the highest config epoch among the sentinels that know the group. */
export function referenceView(views: readonly SentinelView[]): SentinelView | undefined {
  let best: SentinelView | undefined;
  for (const view of views) {
    if (!view.master) continue;
    if (!best || Number(view.master['config-epoch'] ?? 0) > Number(best.master?.['config-epoch'] ?? 0))
      best = view;
  }
  return best;
}

/** The master address a view names. */
export function masterAddressOf(view: SentinelView): string | undefined {
  return view.master ? addressOf(view.master) : undefined;
}

export function sentinelReports(
  views: readonly SentinelView[],
  reference: SentinelView | undefined,
): SentinelReport[] {
  const reports: SentinelReport[] = views.map((view) => ({
    address: view.address,
    isNamed: true,
    isListed: false,
    isReachable: view.error === undefined,
    master: masterAddressOf(view),
    flags: [],
    error: view.error ?? view.masterError,
    diagnosis: view.diagnosis,
    quorumCheck: view.quorumCheck?.message,
    denied: view.denied,
  }));
  const listed = [...(reference?.sentinels ?? []), ...views.flatMap((v) => v.sentinels)];
  for (const fields of listed) {
    const address = addressOf(fields);
    const named = reports.find((r) => r.address === address);
    if (named) {
      named.isListed = true;
      if (named.flags.length === 0) named.flags.push(...flagsOf(fields.flags));
      continue;
    }
    reports.push({
      address,
      isNamed: false,
      isListed: true,
      isReachable: undefined,
      master: undefined,
      flags: flagsOf(fields.flags),
      error: undefined,
      diagnosis: undefined,
      quorumCheck: undefined,
      denied: [],
    });
  }
  return reports;
}

export function replicaReports(reference: SentinelView, probe: MasterProbe | undefined): ReplicaReport[] {
  return reference.replicas.map((fields) => {
    const address = addressOf(fields);
    const offset = probe?.replicaOffsets.get(address);
    const lag =
      offset !== undefined && probe?.offset !== undefined ? Math.max(0, probe.offset - offset) : undefined;
    return {
      address,
      flags: flagsOf(fields.flags),
      masterLinkStatus: fields['master-link-status'],
      offset,
      lagBytes: lag,
      priority: numberOr(fields['slave-priority'] ?? fields['replica-priority']),
    };
  });
}
