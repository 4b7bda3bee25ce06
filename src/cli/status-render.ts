/**
 * `status` as text: the master, its replicas, the sentinels, the quorum, then the warnings.
 * Colour is decoration only; the words say everything.
 */

import { hasDownFlag } from '../topology.js';
import { formatBytes, type Painter } from './output.js';
import type { ReplicaReport, SentinelReport, StatusReport } from './status-report.js';

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, visible(cell).length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes to measure width
const ANSI = /\u001b\[\d+m/g;
const visible = (text: string) => text.replace(ANSI, '');
const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - visible(text).length));

function replicaRow(replica: ReplicaReport, paint: Painter): string[] {
  const isDown = hasDownFlag(replica.flags) || (replica.masterLinkStatus ?? 'ok') !== 'ok';
  const link = replica.masterLinkStatus ?? '?';
  return [
    replica.address,
    isDown ? paint.red('down') : paint.green('up'),
    `link ${link === 'ok' ? link : paint.red(link)}`,
    `lag ${replica.lagBytes === undefined ? '?' : formatBytes(replica.lagBytes)}`,
    `priority ${replica.priority ?? '?'}`,
    paint.dim(`flags ${replica.flags.join(',') || '-'}`),
  ];
}

function sentinelRow(sentinel: SentinelReport, paint: Painter): string[] {
  if (!sentinel.isNamed) {
    const isDown = hasDownFlag(sentinel.flags);
    return [
      sentinel.address,
      isDown ? paint.red('down') : paint.dim('listed'),
      paint.dim('(not asked: not named with --sentinels)'),
      paint.dim(`flags ${sentinel.flags.join(',') || '-'}`),
    ];
  }
  if (sentinel.master === undefined) {
    const label = sentinel.diagnosis?.label ?? (sentinel.isReachable ? 'answered' : 'no answer');
    const color = sentinel.isReachable ? paint.yellow : paint.red;
    const denied = sentinel.denied.length > 0 ? paint.yellow(`denied ${sentinel.denied.join(',')}`) : '';
    return [sentinel.address, color(label), sentinel.error ?? '', denied];
  }
  const denied = sentinel.denied.length > 0 ? paint.yellow(`denied ${sentinel.denied.join(',')}`) : '';
  return [
    sentinel.address,
    denied ? paint.yellow('answered, some denied') : paint.green('answered'),
    `master ${sentinel.master}`,
    [denied, paint.dim(sentinel.quorumCheck ?? '')].filter((x) => x !== '').join('  '),
  ];
}

/** The report as lines of text. */
export function renderStatus(report: StatusReport, paint: Painter): string[] {
  const lines: string[] = [];
  const { master, quorum } = report;
  if (master) {
    const role = master.isReachable ? `ROLE ${master.role}` : paint.red('unreachable');
    const epoch = master.configEpoch === undefined ? '' : `, config epoch ${master.configEpoch}`;
    lines.push(
      `${paint.bold(report.name)}  master ${paint.bold(master.address)}  ${role}${paint.dim(epoch)}`,
    );
    const guard =
      master.minReplicasToWrite === undefined
        ? paint.yellow('not checked')
        : `${master.minReplicasToWrite === 0 ? paint.red('0') : String(master.minReplicasToWrite)}` +
          (master.minReplicasMaxLag === undefined
            ? ''
            : ` (min-replicas-max-lag ${master.minReplicasMaxLag} s)`);
    lines.push(`  min-replicas-to-write ${guard}`);
    lines.push('', paint.bold(`replicas (${report.replicas.length})`));
    lines.push(...table(report.replicas.map((r) => replicaRow(r, paint))).map((l) => `  ${l}`));
  } else {
    lines.push(`${paint.bold(report.name)}  ${paint.red('no sentinel named a master')}`);
  }
  const header = quorum ? `sentinels (${quorum.sentinelCount}, quorum ${quorum.quorum})` : 'sentinels';
  lines.push('', paint.bold(header));
  lines.push(...table(report.sentinels.map((s) => sentinelRow(s, paint))).map((l) => `  ${l}`));
  if (quorum) {
    const reach = quorum.isReachable ? paint.green('reachable') : paint.red('NOT reachable');
    lines.push(`  quorum and failover authorization: ${reach} (majority is ${quorum.majority})`);
  }
  for (const note of report.notes) lines.push('', `${paint.yellow('note')} ${note.message}`);
  lines.push('');
  if (report.warnings.length === 0 && report.exitCode === 0) {
    lines.push(paint.green('healthy: no warning'));
  } else {
    lines.push(paint.bold(report.exitCode === 2 ? 'problems' : `warnings (${report.warnings.length})`));
    for (const w of report.warnings) {
      lines.push(`  ${paint.yellow('!')} ${w.message} ${paint.dim(`[${w.code}]`)}`);
      if (w.hint) lines.push(`    ${paint.dim(w.hint)}`);
    }
  }
  return lines;
}
