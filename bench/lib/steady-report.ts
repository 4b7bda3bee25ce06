/**
 * The steady-state comparison as markdown (pure): generated from the result JSON, never typed by
 * hand. Used alone (bench/results/steady-state.md) and as a section of bench/results/bench.md.
 */

import type { Spread } from './stats.js';
import {
  type CellSummary,
  type ClientFigures,
  steadyTargetChecks,
  summarizeSteady,
} from './steady-analysis.js';
import {
  CLIENT_KIND_LABELS,
  CLIENT_KIND_SHORT,
  type ClientKind,
  PEER_KINDS,
  type SteadyResult,
  WORKLOAD_LABELS,
  type Workload,
} from './steady-types.js';

const n = (x: number | null | undefined) => (x == null ? '—' : x.toLocaleString('en-US'));
const ratio = (s: Spread | null) => {
  if (s?.median == null) return '—';
  return s.min === s.max ? `${s.median.toFixed(2)}` : `${s.median.toFixed(2)} (${s.min}–${s.max})`;
};

function poolTable(cells: readonly CellSummary[], workload: Workload, ours: string): string[] {
  const rows = cells.filter((c) => c.workload === workload);
  if (rows.length === 0) return [];
  const peers = PEER_KINDS.filter((k) => rows.some((c) => c.clients[k] !== undefined));
  const fig = (c: CellSummary, k: ClientKind): ClientFigures | undefined => c.clients[k];
  const lines = [
    `| callers | ${ours} ops/s | ${peers.map((k) => CLIENT_KIND_SHORT[k]).join(' | ')} | ours ÷ best peer | best peer | p50 ms: ours / plain | p99 ms: ours / plain | CPU µs/op: ours / plain / best peer |`,
    `|---|---|${peers.map(() => '---|').join('')}---|---|---|---|---|`,
  ];
  for (const c of rows) {
    const mine = fig(c, 'ours');
    const plain = fig(c, 'ioredis');
    const best = c.bestPeer ? fig(c, c.bestPeer) : undefined;
    lines.push(
      `| ${c.concurrency} | ${n(mine?.opsPerSec.median)} | ${peers.map((k) => n(fig(c, k)?.opsPerSec.median)).join(' | ')} | ` +
        `${ratio(c.vsBestPeer)} | ${c.bestPeer ? CLIENT_KIND_SHORT[c.bestPeer] : '—'} | ` +
        `${mine?.p50Ms ?? '—'} / ${plain?.p50Ms ?? '—'} | ${mine?.p99Ms ?? '—'} / ${plain?.p99Ms ?? '—'} | ` +
        `${mine?.cpuMicrosPerOp ?? '—'} / ${plain?.cpuMicrosPerOp ?? '—'} / ${best?.cpuMicrosPerOp ?? '—'} |`,
    );
  }
  return [...lines, ''];
}

/** A heading and its table, or nothing when the run has no rows for it. */
function section(heading: string, table: string[]): string[] {
  return table.length === 0 ? [] : [heading, '', ...table];
}

function sessionTable(cells: readonly CellSummary[]): string[] {
  const rows = cells.filter((c) => c.workload.startsWith('session'));
  if (rows.length === 0) return [];
  const lines = [
    '| workload | callers | reads/s | p50 ms | p99 ms | p50 ÷ plain ioredis replica GET p50 | CPU µs/read |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of rows) {
    const f = c.clients.ours;
    lines.push(
      `| ${c.workload} | ${c.concurrency} | ${n(f?.opsPerSec.median)} | ${f?.p50Ms ?? '—'} | ${f?.p99Ms ?? '—'} | ` +
        `${ratio(c.p50VsPlainReplica)} | ${f?.cpuMicrosPerOp ?? '—'} |`,
    );
  }
  const used = [...new Set(rows.map((c) => c.workload))];
  return [...lines, '', ...used.map((w) => `- \`${w}\`: ${WORKLOAD_LABELS[w]}`), ''];
}

function errorLines(cells: readonly CellSummary[]): string[] {
  const lines = cells.flatMap((c) =>
    Object.entries(c.clients).flatMap(([k, f]) =>
      f && f.errors > 0
        ? [
            `- ${c.workload}, ${c.concurrency} callers, ${k}: ${f.errors} errors (first: ${f.firstError ?? '?'})`,
          ]
        : [],
    ),
  );
  return lines.length === 0
    ? []
    : ['Errors (operations that rejected; not counted as operations):', '', ...lines, ''];
}

/**
 * The comparison as markdown; `level` is the heading level of its title: 1 alone, 2 in bench.md
 * (which lists the targets at its top, so they are left out here).
 */
export function renderSteadyMarkdown(result: SteadyResult, level = 1, command?: string): string[] {
  const h = (extra: number) => '#'.repeat(level + extra);
  const { settings, host } = result;
  const cells = summarizeSteady(result.samples, settings);
  const targets = steadyTargetChecks(cells);
  const mark = (m: boolean | null) => (m === null ? 'n/a' : m ? 'met' : '**not met**');
  return [
    `${h(0)} Steady state: redis-sentinel-pool against plain ioredis, ioredis with auto-pipelining and node-redis 6`,
    '',
    `${host.cpu}; load average ${host.loadAverage.start.join(' ')} at the start, ${host.loadAverage.end.join(' ')} at the end. ` +
      `Node ${host.node}, Redis ${host.redis}, ioredis ${host.ioredis}, node-redis ${host.nodeRedis}. Everything on 127.0.0.1.`,
    '',
    ...(command ? [`Command: \`${command}\` (generated; do not edit by hand)`, ''] : []),
    `Each client in its own process, connected once and warmed up (${settings.warmupMs} ms per workload). ` +
      `${settings.rounds} round(s); in each, every client runs each workload and number of callers for ${settings.roundMs} ms in turn ` +
      '(client order rotated every round). Each caller awaits one operation at a time. Ratios are taken within a round, ' +
      'then shown as median (min–max) over the rounds; ops/s, p50, p99 and CPU are medians over the rounds. ' +
      "CPU is the client process's user + system time per operation. Plain clients connect straight to the node; " +
      'ours go through one sentinel (1 master, 1 replica; the lag workloads: a second topology with 2 replicas).',
    '',
    // A focused run (--workloads) has no section for the workloads it left out.
    ...section(`${h(1)} Master: ${WORKLOAD_LABELS.master}`, poolTable(cells, 'master', 'masterFor()')),
    ...section(`${h(1)} Replica: ${WORKLOAD_LABELS.replica}`, poolTable(cells, 'replica', 'replicaFor()')),
    ...section(`${h(1)} Session reads`, sessionTable(cells)),
    ...errorLines(cells),
    ...(level === 1
      ? [
          `${h(1)} Targets (issue 16; shown, not asserted)`,
          '',
          '| target | measured | |',
          '|---|---|---|',
          ...targets.map((t) => `| ${t.target} | ${t.measured} | ${mark(t.met)} |`),
          '',
        ]
      : []),
    'Clients:',
    '',
    ...settings.clients.map((k) => `- ${CLIENT_KIND_SHORT[k]}: ${CLIENT_KIND_LABELS[k]}`),
    '',
  ];
}
