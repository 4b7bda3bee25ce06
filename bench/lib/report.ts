/**
 * The result file's shape and its markdown rendering (pure). bench/results/bench.md is generated
 * from bench/results/bench.json by this module, never typed by hand.
 */
import type { FailoverSettings, RunRecord, Trigger } from '../failover.js';
import { TRIGGER_LABELS } from '../failover.js';
import type { CellSummary } from './failover-summary.js';
import { CLIENT_LABELS } from './peer-clients.js';
import type { MemoryResult, MemorySettings } from './sections.js';
import type { Spread } from './stats.js';
import { round } from './stats.js';
import { renderSteadyMarkdown } from './steady-report.js';
import type { SteadyResult } from './steady-types.js';
import type { TargetCheck } from './targets.js';

export interface BenchMeta {
  date: string;
  command: string;
  mode: 'quick' | 'full';
  /** The commit measured (short hash), noting uncommitted changes in src/. */
  commit: string;
  durationSec: number;
  node: string;
  redis: string;
  ioredis: string;
  nodeRedis: string;
  cpu: string;
  memoryGB: number;
  os: string;
  /** os.loadavg() (1, 5, 15 min) when the run started and ended: other work on the machine. */
  loadAverage: { start: number[]; end: number[] };
}

export interface BenchResults {
  meta: BenchMeta;
  targets: TargetCheck[];
  failover?: { settings: FailoverSettings; cells: CellSummary[]; runs: RunRecord[] };
  steadyState?: SteadyResult;
  memory?: MemoryResult & { settings: MemorySettings };
}

function fmt(s: Spread, unit = ''): string {
  if (s.median === null) return s.missing > 0 ? `none in ${s.missing} runs` : '—';
  const range = s.min === s.max ? '' : ` (${s.min}–${s.max})`;
  const missing = s.missing > 0 ? `; ${s.missing} runs never` : '';
  return `${s.median}${unit}${range}${missing}`;
}

function counts(c: Record<string, number>): string {
  const entries = Object.entries(c).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '0' : entries.map(([k, n]) => `${n}× ${k.replace(/\|/g, '\\|')}`).join('; ');
}

function targetsSection(targets: readonly TargetCheck[]): string[] {
  if (targets.length === 0) return [];
  const mark = (m: boolean | null) => (m === null ? 'n/a' : m ? 'met' : '**not met**');
  return [
    '## Targets (issues 6 and 16; shown, not asserted)',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${mark(t.met)} |`),
    '',
  ];
}

function failoverSection(failover: NonNullable<BenchResults['failover']>): string[] {
  const { settings, cells } = failover;
  const load = settings.child.load;
  const lines = [
    '## Failover',
    '',
    `Each run: a fresh LocalTopology (1 master, 2 replicas, 3 sentinels, quorum 2, down-after 1500 ms), one client in a child process, ` +
      `${load.writers} writers (RPUSH of a unique sequence number, one in flight each, ${load.writeIntervalMs} ms pause) and ` +
      `${load.readers} replica readers (GET, ${load.readIntervalMs} ms pause). The parent subscribes (RESP2) to every sentinel and fires the trigger. ` +
      `${settings.runsPerCell} measured run(s) per cell, median (min–max); runs where Sentinel switched twice are excluded and rerun.`,
    '',
    "- **reaction**: first `+switch-master` from any sentinel → first write acknowledged after it that is in the new master's list " +
      "(among writes issued after the promotion started: the leader's `+failover-state-send-slaveof-noone`).",
    '- **outage**: longest gap between acknowledged writes that survived (are on the new master), from the trigger to the end of the window.',
    '- **lost**: acknowledged writes missing on the new master afterwards. **dup**: extra copies in the list (writes applied twice).',
    '- **errors**: rejections the application saw (writes / reads), totals over the runs.',
    '- **resolution**: before the trigger, the mean wait from a random moment to the next acknowledged write: reactions below it are not resolved.',
    `- Window: up to ${settings.observeMs / 1000} s from the trigger, then ${settings.settleMs} ms once the client writes on the new master.`,
    '',
  ];
  for (const trigger of settings.triggers) {
    lines.push(
      `### ${TRIGGER_LABELS[trigger as Trigger]}`,
      '',
      '| client | runs | Sentinel: trigger → switch ms | reaction ms | outage ms | lost acked writes | dup | write errors | read errors | read outage ms | resolution ms |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const c of cells.filter((x) => x.trigger === trigger)) {
      const excluded = c.excluded.length > 0 ? ` (+${c.excluded.length} excluded)` : '';
      lines.push(
        `| ${c.client} | ${c.runs}${excluded} | ${fmt(c.switchAfterTriggerMs)} | ${fmt(c.reactionMs)} | ${fmt(c.outageMs)} | ` +
          `${fmt(c.lostAcked)} | ${fmt(c.duplicates)} | ${counts(c.writeErrors)} | ${counts(c.readErrors)} | ${fmt(c.readOutageMs)} | ${c.ackWaitMs.median ?? '—'} |`,
      );
    }
    lines.push('');
  }
  const timed = cells.flatMap((c) =>
    Object.entries(c.writeErrorTimesMs).map(
      ([kind, t]) => `- ${TRIGGER_LABELS[c.trigger]}, ${c.client}: ${kind}, from ${t.first} to ${t.last} ms`,
    ),
  );
  if (timed.length > 0) {
    lines.push(
      'When the write errors came, in ms from the first `+switch-master` (negative: before it):',
      '',
      ...timed,
      '',
    );
  }
  const excluded = cells.flatMap((c) => c.excluded.map((why) => `${c.trigger}, ${c.client}: ${why}`));
  if (excluded.length > 0) lines.push('Excluded runs:', '', ...excluded.map((e) => `- ${e}`), '');
  lines.push('Clients:', '', ...Object.entries(CLIENT_LABELS).map(([k, v]) => `- \`${k}\`: ${v}`), '');
  return lines;
}

/** Generated by bench/lib/steady-report.ts, as in bench/results/steady-state.md. */
function steadySection(steady: NonNullable<BenchResults['steadyState']>): string[] {
  return renderSteadyMarkdown(steady, 2);
}

function memorySection(memory: NonNullable<BenchResults['memory']>): string[] {
  const { settings } = memory;
  const row = (s: MemoryResult['baseline']) =>
    `| ${s.label} | ${s.heapMB} | ${s.rssMB} | ${s.activeResources} | ${s.dataConnections} | ${s.sentinelConnections} |`;
  const header = [
    '| point | heap MB (after GC) | RSS MB | active handles | client conns on data nodes | on sentinels |',
    '|---|---|---|---|---|---|',
  ];
  const churn = memory.churn;
  const end = churn.at(-1);
  const mid = churn.find((s) => (s.pools ?? 0) >= Math.floor(settings.pools / 2));
  const perPool =
    mid?.pools !== undefined && end?.pools !== undefined && end.pools > mid.pools
      ? round(((end.heapMB - mid.heapMB) * 1024) / (end.pools - mid.pools), 2)
      : null;
  const fo = memory.failovers;
  const first = fo.snapshots[0];
  const last = fo.snapshots.at(-2);
  return [
    '## Memory and hygiene',
    '',
    `Create a Sentinel, run SET on masterFor() and GET on replicaFor(), quit(); ${settings.pools} times after ${settings.warmupPools} warm-up ones (process with --expose-gc).`,
    '',
    ...header,
    row(memory.baseline),
    ...churn.map(row),
    '',
    perPool === null
      ? ''
      : `Heap growth from ${mid?.pools} to ${end?.pools} Sentinels: ${perPool} KB per Sentinel created and quit (the first ones warm up JIT and caches).`,
    '',
    `One Sentinel with both pools under light load (a SET and a GET every ${settings.loadIntervalMs} ms), ${settings.failovers} graceful failovers:`,
    '',
    ...header,
    ...fo.snapshots.map(row),
    '',
    first && last
      ? `Heap ${first.heapMB} → ${last.heapMB} MB, RSS ${first.rssMB} → ${last.rssMB} MB across ${settings.failovers} failovers; ` +
        `${fo.ops} commands answered, errors: ${counts(fo.errors)}` +
        (fo.failoversWithExtraSwitches.length > 0
          ? `; failovers with more than one switch: ${fo.failoversWithExtraSwitches.join(', ')}`
          : '') +
        '.'
      : '',
    '',
  ];
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.meta;
  const lines = [
    '# redis-sentinel-pool benchmarks',
    '',
    `${m.date}, ${m.mode} mode, ${Math.round(m.durationSec)} s. Node ${m.node}, Redis ${m.redis}, ioredis ${m.ioredis}, ` +
      `node-redis ${m.nodeRedis}. ${m.cpu}, ${m.memoryGB} GB, ${m.os}. Everything on 127.0.0.1. ` +
      `Load average ${m.loadAverage.start.join(' ')} at the start, ${m.loadAverage.end.join(' ')} at the end.`,
    '',
    `Command: \`${m.command}\` at commit ${m.commit} (generated by bench/run.ts; do not edit by hand)`,
    '',
    ...targetsSection(results.targets),
    ...(results.failover ? failoverSection(results.failover) : []),
    ...(results.steadyState ? steadySection(results.steadyState) : []),
    ...(results.memory ? memorySection(results.memory) : []),
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
