/**
 * The analysis of `status` (pure): from what the sentinels and the master said, the report and
 * its warnings, i.e. the risks the classic Sentinel recipe warns about. Exit codes: 0 healthy,
 * 1 warnings, 2 nothing to report on (no sentinel answered, or none knows the group).
 */

import { leaseWarning } from '../lease/lease-state.js';
import { hasDownFlag } from '../topology.js';
import { flagsOf } from './sentinel-messages.js';
import type { MasterProbe, SentinelView } from './status-gather.js';
import {
  type Finding,
  masterAddressOf,
  numberOr,
  type ReplicaReport,
  referenceView,
  replicaReports,
  type SentinelReport,
  type StatusReport,
  sentinelReports,
} from './status-report.js';

/** A replica lagging more than this many bytes behind the master is reported. */
export const LAG_WARNING_BYTES = 1024 * 1024;

type Warn = (code: string, message: string, hint?: string) => void;

/** What the library (or status) goes without when a sentinel refuses a subcommand (docs/sentinel-acl.md). */
const WITHOUT: Readonly<Record<string, string>> = {
  'sentinel|get-master-addr-by-name': 'the client cannot discover the master through it (required)',
  'sentinel|master':
    'the client believes its answers without the down-flag, epoch and minOtherSentinels checks (status needs it to report on the group)',
  'sentinel|replicas': 'the client learns no replica from it',
  'sentinel|sentinels': 'the client learns no other sentinel from it',
  'sentinel|ckquorum': 'status cannot check the quorum (the client does not send it)',
};

/** One warning per sentinel that refused subcommands: which, and what the client goes without. */
export function deniedFinding(address: string, denied: readonly string[]): Finding | undefined {
  if (denied.length === 0) return undefined;
  const consequences = denied.map((command) => `${command}: ${WITHOUT[command] ?? 'refused'}`);
  return {
    code: 'sentinel-denied',
    message: `sentinel ${address} refuses ${denied.join(', ')} to this user (NOPERM): ${consequences.join('; ')}`,
    hint: 'grant them to the user (docs/sentinel-acl.md has the exact ACL), or use the user the application runs with',
  };
}

function checkSentinels(views: readonly SentinelView[], warn: Warn): void {
  for (const { address, diagnosis, denied } of views) {
    if (diagnosis)
      warn(`sentinel-${diagnosis.problem}`, `sentinel ${address} ${diagnosis.message}`, diagnosis.hint);
    const finding = deniedFinding(address, denied);
    if (finding) warn(finding.code, finding.message, finding.hint);
  }
  const knowing = views.filter((v) => v.master);
  if (new Set(knowing.map(masterAddressOf)).size > 1) {
    const claims = knowing.map((v) => `${v.address} says ${masterAddressOf(v)}`);
    warn('sentinels-disagree', `sentinels disagree about the master: ${claims.join('; ')}`);
  }
}

function checkMaster(
  reference: SentinelView,
  probe: MasterProbe | undefined,
  warn: Warn,
  notes: Finding[],
): void {
  const address = masterAddressOf(reference)!;
  const flags = flagsOf(reference.master?.flags);
  if (hasDownFlag(flags)) {
    warn(
      'master-down',
      `master ${address} is down for sentinel ${reference.address} (flags ${flags.join(',')})`,
    );
  }
  if (probe?.error !== undefined)
    warn('master-unreachable', `master ${address} did not answer: ${probe.error}`);
  else if (probe && probe.role !== 'master')
    warn('not-a-master', `${address} says ROLE ${probe.role}, not master`);
  if (probe?.minReplicasToWrite === 0) {
    warn(
      'no-min-replicas-to-write',
      `master ${address} has min-replicas-to-write 0 (Redis's default): in a split brain, an isolated master keeps accepting writes that the failover then discards`,
      "advice for production: set min-replicas-to-write 1 on every data node. Harmless on a test topology (the testing kit's default is 0); this warning alone makes the exit code 1",
    );
  } else if (probe?.minReplicasToWrite === undefined) {
    const why = probe?.configError ?? 'no master';
    notes.push({
      code: 'min-replicas-unchecked',
      message: `min-replicas-to-write could not be checked: ${why}`,
    });
  }
}

function checkReplicas(
  name: string,
  replicas: readonly ReplicaReport[],
  probe: MasterProbe | undefined,
  warn: Warn,
) {
  if (replicas.length === 0)
    warn('no-replicas', `"${name}" has no replica: a failover has nothing to promote`);
  for (const replica of replicas) {
    if (hasDownFlag(replica.flags)) {
      warn('replica-down', `replica ${replica.address} is down (flags ${replica.flags.join(',')})`);
    } else if (replica.masterLinkStatus !== undefined && replica.masterLinkStatus !== 'ok') {
      warn(
        'replica-down',
        `replica ${replica.address} has its link to the master ${replica.masterLinkStatus}`,
      );
    } else if (probe?.role === 'master' && replica.offset === undefined) {
      warn(
        'replica-down',
        `replica ${replica.address} is not connected to the master (missing from its ROLE)`,
      );
    } else if (replica.lagBytes !== undefined && replica.lagBytes > LAG_WARNING_BYTES) {
      warn('replica-lagging', `replica ${replica.address} lags ${replica.lagBytes} bytes behind the master`);
    }
  }
}

function checkQuorum(
  name: string,
  views: readonly SentinelView[],
  reference: SentinelView,
  sentinels: readonly SentinelReport[],
  warn: Warn,
): NonNullable<StatusReport['quorum']> {
  for (const s of sentinels) {
    if (!s.isNamed && hasDownFlag(s.flags)) {
      warn(
        'sentinel-down',
        `sentinel ${s.address} is down for ${reference.address} (flags ${s.flags.join(',')})`,
      );
    }
  }
  // Every sentinel that answered for the group, and every one they list (down ones included:
  // Sentinel keeps them, and they count towards the majority).
  const sentinelCount = new Set([
    ...views.filter((v) => v.master).map((v) => v.address),
    ...sentinels.filter((s) => s.isListed).map((s) => s.address),
  ]).size;
  const quorum = Number(reference.master?.quorum ?? 0);
  const majority = Math.floor(sentinelCount / 2) + 1;
  if (sentinelCount < 3) {
    warn(
      'few-sentinels',
      `only ${sentinelCount} sentinel(s) monitor "${name}": use at least 3, on separate machines`,
    );
  }
  if (quorum > sentinelCount) {
    warn(
      'quorum-too-high',
      `quorum ${quorum} exceeds the ${sentinelCount} sentinels: the master can never be marked down`,
    );
  } else if (quorum < majority) {
    warn(
      'quorum-not-majority',
      `quorum ${quorum} is not a majority of ${sentinelCount} sentinels (${majority}): a minority can mark the master down`,
    );
  }
  const failed = views.filter((v) => v.quorumCheck && !v.quorumCheck.isOk);
  for (const view of failed) warn('no-quorum', `sentinel ${view.address}: ${view.quorumCheck!.message}`);
  return { quorum, sentinelCount, majority, isReachable: failed.length === 0 };
}

/**
 * The one line `status` adds on stderr when it has nothing to report on (exit code 2): why no
 * named sentinel could tell about `name`, and what to check.
 */
export function nothingToReport(name: string, views: readonly SentinelView[]): string {
  const answered = views.filter((v) => v.error === undefined);
  if (answered.length > 0) {
    const guess = answered.map((v) => v.diagnosis?.hint).find((h) => h?.includes('did you mean'));
    return `no sentinel monitors "${name}" (${guess ?? 'check --name'})`;
  }
  const hints = [...new Set(views.map((v) => v.diagnosis?.hint ?? 'check --sentinels'))];
  return `no sentinel could be asked: ${hints.join('; ')}`;
}

/**
 * `--write-lease-ms`: the client's warning (lease/lease-state.ts), with the smallest
 * `down-after-milliseconds` and the slowest `SENTINEL MASTER` the named sentinels gave.
 */
function checkLease(leaseMs: number, views: readonly SentinelView[], warn: Warn): void {
  const answered = views.filter((v) => v.master);
  const downAfter = Math.min(
    ...answered.map((v) => Number(v.master!['down-after-milliseconds'] ?? Number.NaN)),
  );
  if (!Number.isFinite(downAfter)) return;
  const roundTrip = Math.max(0, ...answered.map((v) => v.roundTripMs ?? 0));
  const warning = leaseWarning(leaseMs, roundTrip, downAfter);
  if (warning !== undefined) warn('write-lease', warning);
}

/**
 * Builds the report; `probe` is what the master said (undefined when no master is known);
 * `writeLeaseMs` is the application's, if the user gave it.
 */
export function analyzeStatus(
  name: string,
  views: readonly SentinelView[],
  probe: MasterProbe | undefined,
  writeLeaseMs?: number,
): StatusReport {
  const warnings: Finding[] = [];
  const notes: Finding[] = [];
  const warn: Warn = (code, message, hint) =>
    warnings.push(hint ? { code, message, hint } : { code, message });
  const reference = referenceView(views);
  const sentinels = sentinelReports(views, reference);
  checkSentinels(views, warn);
  if (!reference) {
    return {
      name,
      master: undefined,
      replicas: [],
      sentinels,
      quorum: undefined,
      warnings,
      notes,
      exitCode: 2,
    };
  }
  checkMaster(reference, probe, warn, notes);
  const replicas = replicaReports(reference, probe);
  checkReplicas(name, replicas, probe, warn);
  const quorum = checkQuorum(name, views, reference, sentinels, warn);
  if (writeLeaseMs !== undefined) checkLease(writeLeaseMs, views, warn);
  const fields = reference.master!;
  return {
    name,
    master: {
      address: masterAddressOf(reference)!,
      flags: flagsOf(fields.flags),
      configEpoch: numberOr(fields['config-epoch']),
      role: probe?.role,
      offset: probe?.offset,
      isReachable: probe !== undefined && probe.error === undefined,
      minReplicasToWrite: probe?.minReplicasToWrite,
      minReplicasMaxLag: probe?.minReplicasMaxLag,
    },
    replicas,
    sentinels,
    quorum,
    warnings,
    notes,
    exitCode: warnings.length > 0 ? 1 : 0,
  };
}
