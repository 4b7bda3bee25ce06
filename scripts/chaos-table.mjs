// Prints the chaos scenarios' rows (JSON lines written by test/chaos/support/report.ts) as one
// Markdown table. Used by scripts/run-tests.mjs at the end of a run; also runnable by hand:
// node scripts/chaos-table.mjs <rows.jsonl>
import { existsSync, readFileSync } from 'node:fs';

const counts = (record) => {
  const entries = Object.entries(record ?? {});
  return entries.length === 0 ? '-' : entries.map(([key, n]) => `${n}× ${key}`).join('; ');
};

/** The rows of `file` as a Markdown table, or undefined when there are none. */
export function chaosTable(file) {
  if (!existsSync(file)) return undefined;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .sort((a, b) => a.scenario.localeCompare(b.scenario));
  if (rows.length === 0) return undefined;
  const header = [
    'scenario',
    'ms',
    'ok ops',
    'plain acked writes lost',
    'durable acked writes lost',
    'applied twice',
    'stale session reads',
    'wrong replica reads',
    'errors the application saw',
    'error events',
    'pending past deadline',
    'unhandled',
    'handles after quit',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = [
      r.scenario,
      r.ms,
      r.ok,
      `${r.plainLost} of ${r.plainAcked}`,
      `${r.durableLost} of ${r.durableAcked}`,
      r.appliedTwice,
      r.staleSessionReads,
      r.wrongReplicaReads,
      counts(r.errorsByLane),
      counts(r.eventErrors),
      r.pastDeadline,
      r.unhandled,
      r.handlesLeft,
    ];
    lines.push(`| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const table = chaosTable(process.argv[2] ?? '');
  console.log(table ?? 'no chaos rows');
}
