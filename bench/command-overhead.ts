/**
 * Per-command cost of a masterFor() pool against a plain ioredis client on the same master,
 * with and without write coalescing (cork/uncork per tick). Interleaved rounds, one topology.
 *
 *   node --import tsx bench/command-overhead.ts [--quick]
 *
 * Writes bench/results/command-overhead.json and .md. Every loop is bounded in time and count.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Sentinel } from '../src/index.js';
import { LocalTopology } from '../src/testing/index.js';

const quick = process.argv.includes('--quick');
const ROUND_MS = quick ? 700 : 2000;
const ROUNDS = quick ? 2 : 4;
const CONCURRENCY = [1, 10, 50];
const MAX_OPS_PER_ROUND = 5_000_000;

interface Client {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
}

interface Sample {
  ops: number;
  ms: number;
  cpuMicros: number;
  latencies: number[];
}

async function round(client: Client, concurrency: number): Promise<Sample> {
  const latencies: number[] = [];
  let ops = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + ROUND_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const key = `bench:${worker}`;
      while (performance.now() < until && ops < MAX_OPS_PER_ROUND) {
        const t = performance.now();
        if (ops % 2 === 0) await client.set(key, 'value');
        else await client.get(key);
        latencies.push(performance.now() - t);
        ops += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { ops, ms: performance.now() - started, cpuMicros: cpu.user + cpu.system, latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summarize(samples: Sample[]) {
  const ops = samples.reduce((s, x) => s + x.ops, 0);
  const ms = samples.reduce((s, x) => s + x.ms, 0);
  const cpu = samples.reduce((s, x) => s + x.cpuMicros, 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    opsPerSec: Math.round((ops / ms) * 1000),
    p50Ms: Number(percentile(latencies, 50).toFixed(3)),
    p99Ms: Number(percentile(latencies, 99).toFixed(3)),
    cpuMicrosPerOp: Number((cpu / ops).toFixed(2)),
  };
}

async function main(): Promise<void> {
  const topology = await LocalTopology.start({ replicas: 1, sentinels: 1, quorum: 1 });
  const sentinel = new Sentinel(topology.sentinelAddresses());
  try {
    const master = topology.masterAddress();
    const plain = new Redis({ host: master.host, port: master.port });
    const clients: Record<string, Client> = {
      'ioredis (plain, direct)': plain,
      'masterFor (coalesceWrites: true)': sentinel.masterFor(topology.masterName),
      'masterFor (coalesceWrites: false)': sentinel.masterFor(topology.masterName, { coalesceWrites: false }),
    };
    for (const client of Object.values(clients)) await client.set('warmup', '1');
    const results: Record<string, Record<string, ReturnType<typeof summarize>>> = {};
    for (const concurrency of CONCURRENCY) {
      const samples: Record<string, Sample[]> = {};
      for (let r = 0; r < ROUNDS; r++) {
        for (const [name, client] of Object.entries(clients)) {
          process.stderr.write(`\rconcurrency ${concurrency}, round ${r + 1}/${ROUNDS}: ${name}          `);
          const sample = await round(client, concurrency);
          samples[name] = [...(samples[name] ?? []), sample];
        }
      }
      for (const [name, list] of Object.entries(samples)) {
        results[name] = { ...results[name], [`c${concurrency}`]: summarize(list) };
      }
    }
    process.stderr.write('\n');
    await plain.quit();
    const meta = {
      date: new Date().toISOString(),
      command: `node --import tsx bench/command-overhead.ts${quick ? ' --quick' : ''}`,
      node: process.version,
      redis: (await topologyVersion(master.port)) ?? 'unknown',
      cpu: `${cpus()[0]?.model ?? 'unknown'} × ${availableParallelism()}`,
      roundMs: ROUND_MS,
      rounds: ROUNDS,
    };
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'command-overhead.json'), `${JSON.stringify({ meta, results }, null, 2)}\n`);
    const base = results['ioredis (plain, direct)']!;
    const lines = [
      `Command overhead: GET/SET alternating, ${meta.rounds} interleaved rounds of ${meta.roundMs} ms per client and concurrency.`,
      `${meta.date}, Node ${meta.node}, Redis ${meta.redis}, ${meta.cpu}. Command: \`${meta.command}\``,
      '',
      '| client | concurrency | ops/s | vs plain | p50 ms | p99 ms | CPU µs/op |',
      '|---|---|---|---|---|---|---|',
    ];
    for (const [name, byConcurrency] of Object.entries(results)) {
      for (const [c, s] of Object.entries(byConcurrency)) {
        const ratio = (s.opsPerSec / base[c]!.opsPerSec).toFixed(2);
        lines.push(
          `| ${name} | ${c.slice(1)} | ${s.opsPerSec} | ${ratio}× | ${s.p50Ms} | ${s.p99Ms} | ${s.cpuMicrosPerOp} |`,
        );
      }
    }
    writeFileSync(join(dir, 'command-overhead.md'), `${lines.join('\n')}\n`);
    console.log(lines.join('\n'));
  } finally {
    await sentinel.quit();
    await topology.stop();
  }
}

async function topologyVersion(port: number): Promise<string | undefined> {
  const client = new Redis({ host: '127.0.0.1', port });
  try {
    const info = String(await client.info('server'));
    return /redis_version:(\S+)/.exec(info)?.[1];
  } finally {
    client.disconnect();
  }
}

await main();
