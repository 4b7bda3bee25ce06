/**
 * Steady-state cost (a child of bench/run.ts): GET/SET through `masterFor()` against a plain
 * ioredis client connected straight to the master, and GET through `replicaFor()` against a
 * plain ioredis client on the replica, at several concurrency levels, in interleaved rounds on
 * the parent's topology.
 *
 *   node --import tsx bench/steady-state.ts <json-config>
 */
import { Redis } from 'ioredis';
import { Sentinel } from '../src/index.js';
import { configFromArgv, startChild, tell } from './lib/child-side.js';
import type { Endpoint } from './lib/peer-clients.js';
import { percentile, round } from './lib/stats.js';

export interface SteadyStateConfig {
  sentinels: Endpoint[];
  masterName: string;
  master: Endpoint;
  replica: Endpoint;
  roundMs: number;
  rounds: number;
  concurrency: number[];
  maxOpsPerRound: number;
}

/** One client's figures at one concurrency. */
export interface SteadySummary {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerOp: number;
  /** The slowest and fastest round: how noisy the machine was. */
  roundOpsPerSec: { min: number; max: number };
}

export interface SteadyResult {
  /** client name → `c<concurrency>` → summary */
  results: Record<string, Record<string, SteadySummary>>;
  /** Which plain client each client is compared with. */
  baselines: Record<string, string>;
}

interface Client {
  get(key: string): Promise<unknown>;
  /** Replica pools have no write methods. */
  set?(key: string, value: string): Promise<unknown>;
}

interface Sample {
  ops: number;
  ms: number;
  cpuMicros: number;
  latencies: number[];
}

async function round1(client: Client, concurrency: number, writes: boolean, config: SteadyStateConfig) {
  const latencies: number[] = [];
  let ops = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + config.roundMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const key = `steady:${worker}`;
      while (performance.now() < until && ops < config.maxOpsPerRound) {
        const t = performance.now();
        if (writes && ops % 2 === 0) await client.set?.(key, 'value');
        else await client.get(key);
        latencies.push(performance.now() - t);
        ops += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ops,
    ms: performance.now() - started,
    cpuMicros: cpu.user + cpu.system,
    latencies,
  } satisfies Sample;
}

function summarize(samples: Sample[]): SteadySummary {
  const ops = samples.reduce((s, x) => s + x.ops, 0);
  const ms = samples.reduce((s, x) => s + x.ms, 0);
  const cpu = samples.reduce((s, x) => s + x.cpuMicros, 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    opsPerSec: Math.round((ops / ms) * 1000),
    p50Ms: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
    cpuMicrosPerOp: round(cpu / ops, 2),
    roundOpsPerSec: {
      min: Math.round(Math.min(...samples.map((s) => (s.ops / s.ms) * 1000))),
      max: Math.round(Math.max(...samples.map((s) => (s.ops / s.ms) * 1000))),
    },
  };
}

startChild();
const config = configFromArgv<SteadyStateConfig>();
const sentinel = new Sentinel(config.sentinels);
sentinel.on('error', () => undefined);
const plainMaster = new Redis({ ...config.master });
const plainReplica = new Redis({ ...config.replica });
// name → [client, writes?]: the master side alternates SET and GET, the replica side only reads.
const clients: Record<string, [Client, boolean]> = {
  'ioredis → master (plain)': [plainMaster, true],
  'masterFor()': [sentinel.masterFor(config.masterName), true],
  'masterFor({ coalesceWrites: true })': [
    sentinel.masterFor(config.masterName, { coalesceWrites: true }),
    true,
  ],
  'ioredis → replica (plain)': [plainReplica, false],
  'replicaFor()': [sentinel.replicaFor(config.masterName), false],
};
const baselines = {
  'ioredis → master (plain)': 'ioredis → master (plain)',
  'masterFor()': 'ioredis → master (plain)',
  'masterFor({ coalesceWrites: true })': 'ioredis → master (plain)',
  'ioredis → replica (plain)': 'ioredis → replica (plain)',
  'replicaFor()': 'ioredis → replica (plain)',
};
for (let w = 0; w < Math.max(...config.concurrency); w++) await plainMaster.set(`steady:${w}`, 'value');
await plainMaster.wait(1, 1000);
for (const [client] of Object.values(clients)) await client.get('steady:0');
const results: SteadyResult['results'] = {};
for (const concurrency of config.concurrency) {
  const samples: Record<string, Sample[]> = {};
  for (let r = 0; r < config.rounds; r++) {
    for (const [name, [client, writes]] of Object.entries(clients)) {
      await tell({ type: 'progress', text: `c=${concurrency}, round ${r + 1}/${config.rounds}, ${name}` });
      const sample = await round1(client, concurrency, writes, config);
      samples[name] = [...(samples[name] ?? []), sample];
    }
  }
  for (const [name, list] of Object.entries(samples)) {
    results[name] = { ...results[name], [`c${concurrency}`]: summarize(list) };
  }
}
await tell({ type: 'result', results, baselines } satisfies SteadyResult & { type: string });
await Promise.all([plainMaster.quit(), plainReplica.quit(), sentinel.quit()]);
process.exit(0);
