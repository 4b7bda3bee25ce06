/**
 * Split brain (issue 15): acknowledged writes lost when the old master is cut off with the
 * application, for ioredis 6 (defaults and `failoverDetector: true`), node-redis 6 and this
 * library (defaults, `writeLeaseMs`, `waitForReplicas`), side by side: each client writes from its
 * own process on an application host that stays with the old master, in the same partition run.
 * A second run per round sets `min-replicas-to-write 1` / `min-replicas-max-lag 10` on every data
 * node. Two more clients of this library write from the majority side (defaults and
 * `writeLeaseMs`), to show how long writes stay unavailable there.
 *
 *   node --import tsx bench/split-brain.ts [--rounds=N] [--cut-ms=N] [--out=DIR]
 *   npm run bench:split-brain
 *
 * Needs root (network namespaces: see docs/testing.md). Three hosts, each with one Redis and one
 * Sentinel, quorum 2, down-after 1000 ms; four writers per client, one write in flight each,
 * 10 ms apart. Writes <DIR>/split-brain.md and .json (DIR: bench/results) and prints the markdown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTopology } from '../src/testing/index.js';
import { type PartitionClientSpec, type PartitionRunResult, runPartition } from './lib/partition-run.js';

const USAGE = 'usage: node --import tsx bench/split-brain.ts [--rounds=N] [--cut-ms=N] [--out=DIR]';
const LEASE_MS = 500;

const MINORITY: readonly [PartitionClientSpec['variant'], string][] = [
  ['ioredis', 'ioredis 6 (defaults)'],
  ['ioredis-failover-detector', 'ioredis 6, `failoverDetector: true`'],
  ['node-redis', 'node-redis 6 (`createSentinel`)'],
  ['defaults', 'this library, defaults'],
  ['write-lease', `this library, \`writeLeaseMs: ${LEASE_MS}\``],
  ['wait-for-replicas', 'this library, `waitForReplicas: { replicas: 1, timeoutMs: 200 }`'],
];
const MAJORITY: readonly [PartitionClientSpec['variant'], string][] = [
  ['defaults', 'this library, defaults (majority side)'],
  ['write-lease', `this library, \`writeLeaseMs: ${LEASE_MS}\` (majority side)`],
];

interface Args {
  rounds: number;
  cutMs: number;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { rounds: 1, cutMs: 15_000, out: join(import.meta.dirname, 'results') };
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?];
    if (key === '--rounds' && /^[1-9]$/.test(value)) args.rounds = Number(value);
    else if (key === '--cut-ms' && /^[1-9]\d{3,4}$/.test(value)) args.cutMs = Number(value);
    else if (key === '--out' && value !== '') args.out = value;
    else {
      console.error(USAGE);
      process.exit(2);
    }
  }
  return args;
}

function specs(round: number, setting: string): PartitionClientSpec[] {
  return [
    ...MINORITY.map(([variant]) => ({
      label: `${round}-${setting}-${variant}`,
      variant,
      side: 'minority' as const,
    })),
    ...MAJORITY.map(([variant]) => ({
      label: `${round}-${setting}-major-${variant}`,
      variant,
      side: 'majority' as const,
    })),
  ];
}

interface Row {
  label: string;
  side: 'minority' | 'majority';
  variant: string;
  /** Per run: lost / acknowledged, lost after the heal, longest time without an ack from the cut. */
  runs: { minReplicas: boolean; lost: number; acked: number; lostAfterHeal: number; gapMs: number }[];
}

function collect(rows: Row[], run: PartitionRunResult, minReplicas: boolean): void {
  for (const client of run.clients) {
    const names = client.spec.side === 'minority' ? MINORITY : MAJORITY;
    const label = names.find(([v]) => v === client.spec.variant)![1];
    let row = rows.find((r) => r.label === label);
    if (!row) {
      row = { label, side: client.spec.side, variant: client.spec.variant, runs: [] };
      rows.push(row);
    }
    row.runs.push({
      minReplicas,
      lost: client.lost.length,
      acked: client.log.acked.length,
      lostAfterHeal: client.lostAt.filter((t) => t >= run.healAt).length,
      gapMs: Math.round(client.longestGapMs),
    });
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

function cell(runs: Row['runs'], minReplicas: boolean): string {
  const mine = runs.filter((r) => r.minReplicas === minReplicas);
  if (mine.length === 0) return '';
  return mine
    .map(
      (r) =>
        `${fmt(r.lost)} of ${fmt(r.acked)}${r.lostAfterHeal > 0 ? ` (${fmt(r.lostAfterHeal)} after the heal)` : ''}`,
    )
    .join('; ');
}

function render(rows: Row[], args: Args, runs: PartitionRunResult[], command: string): string {
  const lines = [
    `Acknowledged writes lost (lost of acknowledged, per run), link cut for ${args.cutMs / 1000} s, ` +
      `${args.rounds} round(s); \`${command}\`, ${new Date().toISOString().slice(0, 10)}:`,
    '',
    '| client | no min-replicas | min-replicas-to-write 1, max-lag 10 |',
    '|---|---|---|',
    ...rows
      .filter((r) => r.side === 'minority')
      .map((r) => `| ${r.label} | ${cell(r.runs, false)} | ${cell(r.runs, true)} |`),
    '',
    'Writes unavailable (the longest time without an acknowledged write, from the cut on, ms per run):',
    '',
    '| client | no min-replicas | min-replicas-to-write 1, max-lag 10 |',
    '|---|---|---|',
    ...rows
      .filter((r) => r.variant === 'write-lease' || r.side === 'majority')
      .map(
        (r) =>
          `| ${r.label} | ${r.runs
            .filter((x) => !x.minReplicas)
            .map((x) => fmt(x.gapMs))
            .join('; ')} | ${r.runs
            .filter((x) => x.minReplicas)
            .map((x) => fmt(x.gapMs))
            .join('; ')} |`,
      ),
    '',
    `Heal after the cut: ${runs.map((r) => fmt(Math.round(r.healAt - r.cutAt))).join(', ')} ms; old master a replica again ` +
      `${runs.map((r) => fmt(Math.round(r.demotedAt - r.healAt))).join(', ')} ms after the heal.`,
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const command = `npm run bench:split-brain${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const topology = await LocalTopology.start({
    network: 'namespaces',
    replicas: 2,
    sentinels: 3,
    quorum: 2,
    downAfterMilliseconds: 1000,
    applicationHosts: 2,
  });
  const rows: Row[] = [];
  const runs: PartitionRunResult[] = [];
  try {
    for (let round = 0; round < args.rounds; round++) {
      for (const minReplicas of [false, true]) {
        const setting = minReplicas ? 'minrep' : 'plain';
        process.stderr.write(`round ${round + 1}/${args.rounds}, ${setting}: cutting for ${args.cutMs} ms\n`);
        const run = await runPartition(topology, specs(round, setting), {
          cutMs: args.cutMs,
          writers: 4,
          pauseMs: 10,
          writeLeaseMs: LEASE_MS,
          warmupMs: 1000,
          minReplicas,
        });
        runs.push(run);
        collect(rows, run, minReplicas);
        await topology.restore();
      }
    }
  } finally {
    await topology.stop();
  }
  const markdown = render(rows, args, runs, command);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'split-brain.md'), markdown);
  writeFileSync(join(args.out, 'split-brain.json'), `${JSON.stringify({ command, args, rows }, null, 2)}\n`);
  process.stdout.write(markdown);
}

await main();
