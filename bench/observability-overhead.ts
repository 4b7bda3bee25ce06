/**
 * What the diagnostics channels and the OpenTelemetry metrics cost on the command path: GET/SET
 * through masterFor() in three builds side by side, each in its own process, in interleaved
 * rounds (the order rotates every round) on one topology:
 *
 * - `baseline`: this library as it was before the channels (src/ of `--baseline <rev>`, by
 *   default the parent of the commit that added src/observability/channels.ts);
 * - `channels, no subscriber`: this tree, nobody subscribed, no SDK (what most users run);
 * - `SDK registered`: this tree with an OpenTelemetry MeterProvider registered first, so every
 *   command is timed into db.client.operation.duration.
 *
 *   node --import tsx bench/observability-overhead.ts [--quick] [--baseline <rev>]
 *
 * Writes bench/results/observability-overhead.json and .md. Every loop is bounded.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { LocalTopology } from '../src/testing/index.js';
import { BenchChild, killAllChildren } from './lib/bench-child.js';
import { median, round } from './lib/stats.js';
import type { ObservabilityChildConfig, RoundSample } from './observability-child.js';

const quick = process.argv.includes('--quick');
const baselineArg = process.argv.indexOf('--baseline');
const ROUND_MS = quick ? 500 : 1500;
const ROUNDS = quick ? 3 : 9;
const CONCURRENCY = [1, 50];
const root = join(import.meta.dirname, '..');

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

/** The baseline's src/, extracted once into .scratch/ (ignored by git). */
function baselineSource(): { rev: string; entry: string } {
  const rev =
    baselineArg > 0
      ? git('rev-parse', process.argv[baselineArg + 1]!)
      : git(
          'rev-parse',
          `${git('log', '--diff-filter=A', '--format=%H', '--', 'src/observability/channels.ts').split('\n').at(-1)}^`,
        );
  const dir = join(root, '.scratch', `bench-baseline-${rev.slice(0, 10)}`);
  if (!existsSync(join(dir, 'src', 'index.ts'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${rev} src | tar -x -C '${dir}'`], { cwd: root });
  }
  return { rev, entry: join(dir, 'src', 'index.ts') };
}

interface Variant {
  name: string;
  libPath: string;
  sdk: boolean;
}

async function main(): Promise<void> {
  const baseline = baselineSource();
  const variants: Variant[] = [
    { name: 'baseline (no channels)', libPath: baseline.entry, sdk: false },
    { name: 'channels, no subscriber', libPath: join(root, 'src', 'index.ts'), sdk: false },
    { name: 'SDK registered', libPath: join(root, 'src', 'index.ts'), sdk: true },
  ];
  const topology = await LocalTopology.start({ replicas: 1, sentinels: 1, quorum: 1 });
  const children: BenchChild[] = [];
  try {
    for (const variant of variants) {
      const config: ObservabilityChildConfig = {
        libPath: variant.libPath,
        sdk: variant.sdk,
        sentinels: topology.sentinelAddresses(),
        masterName: topology.masterName,
        maxOpsPerRound: 5_000_000,
      };
      const child = new BenchChild(join(import.meta.dirname, 'observability-child.ts'), [
        JSON.stringify(config),
      ]);
      children.push(child);
      await child.next('ready', 30_000);
    }
    const samples = new Map<string, RoundSample[]>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const concurrency of CONCURRENCY) {
        for (let i = 0; i < variants.length; i++) {
          const index = (i + r) % variants.length;
          const key = `${variants[index]!.name}|${concurrency}`;
          process.stderr.write(
            `\rround ${r + 1}/${ROUNDS}, c=${concurrency}: ${variants[index]!.name}          `,
          );
          children[index]!.send({ type: 'round', concurrency, roundMs: ROUND_MS });
          const { sample } = (await children[index]!.next('sample', ROUND_MS + 30_000)) as unknown as {
            sample: RoundSample;
          };
          samples.set(key, [...(samples.get(key) ?? []), sample]);
        }
      }
    }
    process.stderr.write('\n');
    const metricCounts: number[] = [];
    for (const child of children) {
      child.send({ type: 'round', stop: true });
      metricCounts.push(Number((await child.next('done', 30_000)).metricCount));
      await child.close(5000);
    }
    report(variants, samples, baseline.rev, metricCounts);
  } finally {
    killAllChildren();
    await topology.stop();
  }
}

function report(
  variants: Variant[],
  samples: Map<string, RoundSample[]>,
  rev: string,
  metricCounts: number[],
) {
  const meta = {
    date: new Date().toISOString(),
    command: `node --import tsx bench/observability-overhead.ts${quick ? ' --quick' : ''}`,
    baseline: rev,
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${availableParallelism()}`,
    roundMs: ROUND_MS,
    rounds: ROUNDS,
    metricsExported: metricCounts[2],
  };
  const results: Record<string, Record<string, unknown>> = {};
  const lines = [
    `Observability overhead: masterFor() GET/SET, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per build and concurrency, each build in its own process.`,
    `${meta.date}, Node ${meta.node}, ${meta.cpu}, baseline ${rev.slice(0, 10)}. Command: \`${meta.command}\``,
    '',
    '| build | concurrency | ops/s median | min–max of rounds | vs baseline (medians) | per-round ratio median (min–max) | CPU µs/op median |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const concurrency of CONCURRENCY) {
    const base = samples.get(`${variants[0]!.name}|${concurrency}`)!;
    const rate = (s: RoundSample) => (s.ops / s.ms) * 1000;
    for (const variant of variants) {
      const list = samples.get(`${variant.name}|${concurrency}`)!;
      const rates = list.map(rate);
      // Round r of every build ran back to back: its ratio cancels slow drifts of the machine.
      const ratios = list.map((s, r) => rate(s) / rate(base[r]!));
      const summary = {
        opsPerSec: Math.round(median(rates)),
        min: Math.round(Math.min(...rates)),
        max: Math.round(Math.max(...rates)),
        vsBaseline: round(median(rates) / median(base.map(rate)), 3),
        roundRatio: {
          median: round(median(ratios), 3),
          min: round(Math.min(...ratios), 3),
          max: round(Math.max(...ratios), 3),
        },
        cpuMicrosPerOp: round(median(list.map((s) => s.cpuMicros / s.ops)), 2),
      };
      results[variant.name] = { ...results[variant.name], [`c${concurrency}`]: summary };
      lines.push(
        `| ${variant.name} | ${concurrency} | ${summary.opsPerSec} | ${summary.min}–${summary.max} | ${summary.vsBaseline.toFixed(3)}× | ${summary.roundRatio.median.toFixed(3)} (${summary.roundRatio.min.toFixed(3)}–${summary.roundRatio.max.toFixed(3)}) | ${summary.cpuMicrosPerOp} |`,
      );
    }
  }
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'observability-overhead.json'), `${JSON.stringify({ meta, results }, null, 2)}\n`);
  writeFileSync(join(dir, 'observability-overhead.md'), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
}

await main();
