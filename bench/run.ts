/**
 * The benchmark: failover reaction against ioredis and node-redis, steady-state cost, memory and
 * hygiene. Every Redis process it starts belongs to this process (LocalTopology) and every client
 * under test runs in a child of it; all of them are stopped on exit, error and Ctrl-C.
 *
 *   node --import tsx bench/run.ts [--quick] [--only=failover,steady,memory]
 *                                  [--clients=a,b] [--triggers=graceful,sigkill,sigstop] [--runs=N]
 *
 * Writes bench/results/bench.json and bench.md (bench-partial.* when a filter is given).
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { type FailoverSettings, runFailoverSection, TRIGGERS, type Trigger } from './failover.js';
import { runBenchMain } from './lib/bench-main.js';
import { summarizeCell } from './lib/failover-summary.js';
import { CLIENT_NAMES, type ClientName } from './lib/peer-clients.js';
import { Progress } from './lib/progress.js';
import { type BenchMeta, type BenchResults, renderMarkdown } from './lib/report.js';
import { type MemorySettings, runMemorySection, runSteadyStateSection } from './lib/sections.js';
import { round } from './lib/stats.js';
import { steadySettings } from './lib/steady-runner.js';
import { checkTargets } from './lib/targets.js';

const SECTIONS = ['failover', 'steady', 'memory'] as const;
type Section = (typeof SECTIONS)[number];
const ROOT = join(import.meta.dirname, '..');
const USAGE =
  'usage: node --import tsx bench/run.ts [--quick] [--only=failover,steady,memory] [--clients=…] [--triggers=…] [--runs=N]';

interface Args {
  quick: boolean;
  sections: Section[];
  clients: ClientName[];
  triggers: Trigger[];
  runs: number | undefined;
  isFiltered: boolean;
}

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').filter((x) => x !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new Error(`unknown ${what} "${item}" (${allowed.join(', ')})\n${USAGE}`);
  }
  return items as T[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    sections: [...SECTIONS],
    clients: [...CLIENT_NAMES],
    triggers: [...TRIGGERS],
    runs: undefined,
    isFiltered: false,
  };
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?];
    if (key === '--quick') args.quick = true;
    else if (key === '--only') args.sections = list(value, SECTIONS, 'section');
    else if (key === '--clients') args.clients = list(value, CLIENT_NAMES, 'client');
    else if (key === '--triggers') args.triggers = list(value, TRIGGERS, 'trigger');
    else if (key === '--runs' && /^[1-9]\d?$/.test(value)) args.runs = Number(value);
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    if (key !== '--quick') args.isFiltered = true;
  }
  return args;
}

function failoverSettings(args: Args): FailoverSettings {
  return {
    clients: args.clients,
    triggers: args.triggers,
    runsPerCell: args.runs ?? (args.quick ? 1 : 5),
    maxRetriesPerRun: args.quick ? 2 : 3,
    observeMs: 30_000,
    settleMs: args.quick ? 1000 : 1500,
    child: {
      load: {
        listKey: 'bench:seq',
        readKey: 'bench:read',
        writers: 4,
        writeIntervalMs: 1,
        readers: 2,
        readIntervalMs: 2,
        maxWrites: 1_000_000,
      },
      warmupMs: args.quick ? 300 : 500,
      connectTimeoutMs: 15_000,
      stopGraceMs: 2000,
      closeTimeoutMs: 3000,
    },
  };
}

const memorySettings = (quick: boolean): MemorySettings => ({
  pools: quick ? 100 : 400,
  warmupPools: quick ? 20 : 50,
  failovers: quick ? 3 : 10,
  loadIntervalMs: 5,
});

function packageVersion(name: string): string {
  const json = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
    version?: string;
  };
  return json.version ?? 'unknown';
}

const loadAtStart = loadavg().map((x) => round(x, 2));

/** The commit measured, and whether src/ had uncommitted changes (the run measures the work tree). */
function gitState(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown (not a git work tree)';
  }
}

const commitAtStart = gitState();

function meta(args: Args, durationSec: number): BenchMeta {
  const redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];
  return {
    date: new Date().toISOString(),
    command: `node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    mode: args.quick ? 'quick' : 'full',
    // Children load src/ when they start: a commit landing mid-run means a mixed measurement.
    commit:
      gitState() === commitAtStart
        ? commitAtStart
        : `${commitAtStart} at the start, ${gitState()} at the end`,
    durationSec: round(durationSec, 1),
    node: process.version,
    redis: redis ?? 'unknown',
    ioredis: packageVersion('ioredis'),
    nodeRedis: packageVersion('redis'),
    cpu: `${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()}`,
    memoryGB: round(totalmem() / 2 ** 30, 1),
    os: `${type()} ${release()}`,
    loadAverage: { start: loadAtStart, end: loadavg().map((x) => round(x, 2)) },
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const progress = new Progress();
  const partial: Omit<BenchResults, 'meta' | 'targets'> = {};
  try {
    if (args.sections.includes('steady')) {
      const settings = steadySettings(args.quick);
      partial.steadyState = await runSteadyStateSection(settings, progress.update);
    }
    if (args.sections.includes('failover')) {
      const settings = failoverSettings(args);
      const runs = await runFailoverSection(settings, progress.update);
      const cells = settings.triggers.flatMap((t) => settings.clients.map((c) => summarizeCell(t, c, runs)));
      partial.failover = { settings, cells, runs };
    }
    if (args.sections.includes('memory')) {
      const settings = memorySettings(args.quick);
      partial.memory = { ...(await runMemorySection(settings, progress.update)), settings };
    }
  } finally {
    progress.done();
  }
  const results: BenchResults = {
    meta: meta(args, progress.elapsedSec()),
    targets: checkTargets(partial.failover?.cells, args.triggers, partial.steadyState),
    ...partial,
  };
  const dir = join(import.meta.dirname, 'results');
  const base = args.isFiltered ? 'bench-partial' : 'bench';
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(results, null, 1)}\n`);
  const markdown = renderMarkdown(results);
  writeFileSync(join(dir, `${base}.md`), markdown);
  process.stdout.write(markdown);
  process.stderr.write(
    `wrote bench/results/${base}.json and ${base}.md in ${Math.round(progress.elapsedSec())} s\n`,
  );
}

runBenchMain(main);
