/**
 * Steady state against the peers a user would choose instead: `masterFor()` / `replicaFor()` /
 * `session()` with their defaults beside plain ioredis, ioredis with `enableAutoPipelining` and
 * node-redis 6, each client in its own process, in interleaved rounds on one topology; ratios to
 * the best peer taken round by round (issue 16).
 *
 *   npm run bench:steady [-- --quick]      (builds, then runs the line below)
 *   node --import tsx bench/steady-state.ts [--quick] [--rounds=N] [--round-ms=N] [--out=DIR]
 *     [--workloads=master,replica,…] [--callers=1,10,…]   (a focused run: only those cells)
 *
 * Our client is the built package (dist/esm; see lib/built-library.ts): build first.
 *
 * Writes <DIR>/steady-state.md and .json (DIR: bench/results; `--quick` writes
 * steady-state-quick.* instead, so that a check run never replaces a measurement) and prints the
 * markdown. Also a section of `bench/run.ts --only=steady`.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchMain } from './lib/bench-main.js';
import { Progress } from './lib/progress.js';
import { renderSteadyMarkdown } from './lib/steady-report.js';
import { runSteady, steadySettings } from './lib/steady-runner.js';
import { WORKLOADS, type Workload } from './lib/steady-types.js';

const USAGE =
  'usage: node --import tsx bench/steady-state.ts [--quick] [--rounds=N] [--round-ms=N] [--out=DIR]\n' +
  '         [--workloads=master,replica,…] [--callers=1,10,…]   (a focused run: those cells only)';
const ROOT = join(import.meta.dirname, '..');

interface Args {
  quick: boolean;
  rounds?: number;
  roundMs?: number;
  out: string;
  workloads?: Workload[];
  callers?: number[];
}

/** A comma-separated list, each item parsed, or undefined when any item does not parse. */
function listOf<T extends string | number>(
  value: string,
  parse: (item: string) => T | undefined,
): T[] | undefined {
  const items = value.split(',').map(parse);
  return items.length > 0 && items.every((item) => item !== undefined) ? (items as T[]) : undefined;
}

function malformed(arg: string): never {
  throw new Error(`unknown or malformed argument "${arg}"\n${USAGE}`);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, out: join(import.meta.dirname, 'results') };
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?];
    if (key === '--quick' && value === '') args.quick = true;
    else if (key === '--rounds' && /^[1-9]\d?$/.test(value)) args.rounds = Number(value);
    else if (key === '--round-ms' && /^[1-9]\d{1,5}$/.test(value)) args.roundMs = Number(value);
    else if (key === '--out' && value !== '') args.out = value;
    else if (key === '--workloads') args.workloads = listOf(value, asWorkload) ?? malformed(arg);
    else if (key === '--callers') args.callers = listOf(value, asCallers) ?? malformed(arg);
    else malformed(arg);
  }
  return args;
}

function asWorkload(item: string): Workload | undefined {
  return (WORKLOADS as readonly string[]).includes(item) ? (item as Workload) : undefined;
}

function asCallers(item: string): number | undefined {
  return /^[1-9]\d{0,3}$/.test(item) ? Number(item) : undefined;
}

/** The commit measured, and whether src/ had uncommitted changes. */
function gitState(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown (not a git work tree)';
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const settings = {
    ...steadySettings(args.quick),
    ...(args.rounds ? { rounds: args.rounds } : {}),
    ...(args.roundMs ? { roundMs: args.roundMs } : {}),
    ...(args.workloads ? { workloads: args.workloads } : {}),
    ...(args.callers ? { concurrency: args.callers } : {}),
  };
  const command =
    `npm run build && node --import tsx bench/steady-state.ts ${process.argv.slice(2).join(' ')}`.trim();
  const commit = gitState();
  const progress = new Progress();
  const result = await runSteady(settings, progress.update).finally(() => progress.done());
  const meta = {
    date: new Date().toISOString(),
    command,
    commit,
    durationSec: Math.round(progress.elapsedSec()),
  };
  const markdown = [
    ...renderSteadyMarkdown(result, 1, command),
    `${meta.date}, ${args.quick ? 'quick mode (checks that the bench runs; its numbers mean nothing)' : 'full mode'}, ` +
      `${meta.durationSec} s, commit ${commit}.`,
  ].join('\n');
  const base = args.quick ? 'steady-state-quick' : 'steady-state';
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, `${base}.json`), `${JSON.stringify({ meta, ...result }, null, 1)}\n`);
  writeFileSync(join(args.out, `${base}.md`), `${markdown.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);
  process.stdout.write(`${markdown}\n`);
  process.stderr.write(`wrote ${join(args.out, base)}.json and .md\n`);
}

runBenchMain(main);
