/**
 * Read-your-writes and durable writes, one topology (1 master, 2 replicas, 1 sentinel):
 *
 * - Reads right after a write: through a session (`session.master` then `session.replica`, a new
 *   session per operation as per request), through plain `masterFor` then `replicaFor`, and
 *   through `masterFor` for both; with and without a background load of large writes that makes
 *   the replicas lag. Read latency p50/p99, write+read pairs per second, stale reads, and where
 *   session reads went (master GETs, replica ROLEs, counted on the servers).
 * - Durable writes at the same concurrency: `masterFor({ waitForReplicas })` (one WAIT per
 *   connection and tick: group commit) against a plain ioredis client doing SET then `WAIT 1 100`
 *   for each write, and a plain `masterFor` for scale. WAITs per write counted on the master.
 *
 *   node --import tsx bench/read-your-writes.ts [--quick]
 *
 * Rounds are interleaved; every loop is bounded in time and count; the topology is stopped on
 * exit, error or signal. Writes bench/results/read-your-writes.json and .md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { Sentinel } from '../src/index.js';
import { LocalTopology, type NodeAddress } from '../src/testing/index.js';
import {
  BackgroundWriter,
  closePlain,
  commandCalls,
  openPlain,
  percentile,
} from '../test/helpers/replication.js';

const quick = process.argv.includes('--quick');
const ROUND_MS = quick ? 800 : 2000;
const ROUNDS = quick ? 2 : 4;
const READ_CONCURRENCY = [1, 50];
const DURABLE_CONCURRENCY = [1, 50];
const MAX_OPS_PER_ROUND = 2_000_000;
const BACKGROUND = { valueBytes: 256 * 1024, writers: 1 };

/** One write then one read of the same key; returns what the read gave. */
type Pair = (worker: number, value: string) => Promise<{ read: unknown; readMs: number }>;
/** One durable write. */
type Write = (worker: number, value: string) => Promise<unknown>;

interface Sample {
  ops: number;
  ms: number;
  stale: number;
  latencies: number[];
  /** Calls counted on the servers during the round. */
  masterGets: number;
  masterWaits: number;
  replicaRoles: number;
}

interface Probe {
  master: NodeAddress;
  replicas: NodeAddress[];
}

async function serverCounts(probe: Probe) {
  const master = await commandCalls(probe.master, 'get', 'wait');
  const replicas = await Promise.all(probe.replicas.map((r) => commandCalls(r, 'role')));
  return {
    gets: master.get!,
    waits: master.wait!,
    roles: replicas.reduce((sum, calls) => sum + calls.role!, 0),
  };
}

/** Runs `op` from `concurrency` workers for ROUND_MS (or MAX_OPS_PER_ROUND ops). */
async function round(
  probe: Probe,
  concurrency: number,
  op: (worker: number, value: string) => Promise<{ ms: number; isStale: boolean }>,
): Promise<Sample> {
  const before = await serverCounts(probe);
  const latencies: number[] = [];
  let ops = 0;
  let stale = 0;
  const started = performance.now();
  const until = started + ROUND_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < until && ops < MAX_OPS_PER_ROUND; i++) {
        const { ms, isStale } = await op(worker, `${worker}:${i}:${started}`);
        latencies.push(ms);
        if (isStale) stale += 1;
        ops += 1;
      }
    }),
  );
  const ms = performance.now() - started;
  const after = await serverCounts(probe);
  return {
    ops,
    ms,
    stale,
    latencies,
    masterGets: after.gets - before.gets,
    masterWaits: after.waits - before.waits,
    replicaRoles: after.roles - before.roles,
  };
}

function pairOp(pair: Pair) {
  return async (worker: number, value: string) => {
    const { read, readMs } = await pair(worker, value);
    return { ms: readMs, isStale: read !== value };
  };
}

function writeOp(write: Write) {
  return async (worker: number, value: string) => {
    const t = performance.now();
    await write(worker, value);
    return { ms: performance.now() - t, isStale: false };
  };
}

function summarize(samples: Sample[]) {
  const ops = samples.reduce((s, x) => s + x.ops, 0);
  const ms = samples.reduce((s, x) => s + x.ms, 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const sum = (f: (s: Sample) => number) => samples.reduce((total, s) => total + f(s), 0);
  return {
    ops,
    opsPerSec: Math.round((ops / ms) * 1000),
    p50Ms: Number(percentile(latencies, 50).toFixed(3)),
    p99Ms: Number(percentile(latencies, 99).toFixed(3)),
    stale: sum((s) => s.stale),
    stalePct: Number(((100 * sum((s) => s.stale)) / Math.max(1, ops)).toFixed(2)),
    masterGetsPerOp: Number((sum((s) => s.masterGets) / Math.max(1, ops)).toFixed(3)),
    waitsPerOp: Number((sum((s) => s.masterWaits) / Math.max(1, ops)).toFixed(3)),
    replicaRolesPerOp: Number((sum((s) => s.replicaRoles) / Math.max(1, ops)).toFixed(3)),
  };
}

type Summary = ReturnType<typeof summarize>;

async function redisVersion(address: NodeAddress): Promise<string> {
  const client = openPlain(address);
  try {
    return /redis_version:(\S+)/.exec(String(await client.info('server')))?.[1] ?? 'unknown';
  } finally {
    await closePlain(client);
  }
}

async function main(topology: LocalTopology): Promise<void> {
  const sentinel = new Sentinel(topology.sentinelAddresses());
  const name = topology.masterName;
  const probe: Probe = { master: topology.masterAddress(), replicas: topology.replicaAddresses() };
  const waitClient: Redis = openPlain(probe.master);
  try {
    const master = sentinel.masterFor(name);
    const replica = sentinel.replicaFor(name);
    const durable = sentinel.masterFor(name, { waitForReplicas: { replicas: 1, timeoutMs: 100 } });
    const timed = async (read: () => Promise<unknown>) => {
      const t = performance.now();
      const value = await read();
      return { read: value, readMs: performance.now() - t };
    };
    const pairs: Record<string, Pair> = {
      'session (session.master → session.replica)': async (worker, value) => {
        const session = sentinel.session(name);
        const key = `bench:ryw:s:${worker}`;
        await session.master.set(key, value);
        return timed(() => session.replica.get(key));
      },
      'plain (masterFor → replicaFor)': async (worker, value) => {
        const key = `bench:ryw:p:${worker}`;
        await master.set(key, value);
        return timed(() => replica.get(key));
      },
      'master (masterFor → masterFor)': async (worker, value) => {
        const key = `bench:ryw:m:${worker}`;
        await master.set(key, value);
        return timed(() => master.get(key));
      },
    };
    const writes: Record<string, Write> = {
      'masterFor waitForReplicas 1 (group commit)': (worker, value) =>
        durable.set(`bench:dw:g:${worker}`, value),
      'ioredis SET + WAIT 1 100 per write': async (worker, value) => {
        await waitClient.set(`bench:dw:w:${worker}`, value);
        const confirmed = Number(await waitClient.call('WAIT', '1', '100'));
        if (confirmed < 1) throw new Error('WAIT: no replica confirmed');
      },
      'masterFor (not durable)': (worker, value) => master.set(`bench:dw:n:${worker}`, value),
    };
    // Warm up every pool and client.
    for (const pair of Object.values(pairs)) await pair(0, 'warmup');
    for (const write of Object.values(writes)) await write(0, 'warmup');

    const readSamples = new Map<string, Sample[]>();
    const add = (map: Map<string, Sample[]>, key: string, sample: Sample) =>
      map.set(key, [...(map.get(key) ?? []), sample]);
    for (let r = 0; r < ROUNDS; r++) {
      for (const load of ['none', 'background'] as const) {
        const background =
          load === 'background' ? BackgroundWriter.start(probe.master, BACKGROUND) : undefined;
        try {
          for (const concurrency of READ_CONCURRENCY) {
            for (const [kind, pair] of Object.entries(pairs)) {
              process.stderr.write(
                `\rround ${r + 1}/${ROUNDS}, load ${load}, c${concurrency}: ${kind}            `,
              );
              add(
                readSamples,
                JSON.stringify([kind, load, concurrency]),
                await round(probe, concurrency, pairOp(pair)),
              );
            }
          }
        } finally {
          await background?.stop();
        }
      }
    }
    const writeSamples = new Map<string, Sample[]>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const concurrency of DURABLE_CONCURRENCY) {
        for (const [kind, write] of Object.entries(writes)) {
          process.stderr.write(`\rdurable round ${r + 1}/${ROUNDS}, c${concurrency}: ${kind}            `);
          add(
            writeSamples,
            JSON.stringify([kind, concurrency]),
            await round(probe, concurrency, writeOp(write)),
          );
        }
      }
    }
    process.stderr.write('\n');

    const reads: Array<{ kind: string; load: string; concurrency: number } & Summary> = [];
    for (const [key, samples] of readSamples) {
      const [kind, load, concurrency] = JSON.parse(key) as [string, string, number];
      reads.push({ kind, load, concurrency, ...summarize(samples) });
    }
    const durables: Array<{ kind: string; concurrency: number } & Summary> = [];
    for (const [key, samples] of writeSamples) {
      const [kind, concurrency] = JSON.parse(key) as [string, number];
      durables.push({ kind, concurrency, ...summarize(samples) });
    }
    const meta = {
      date: new Date().toISOString(),
      command: `node --import tsx bench/read-your-writes.ts${quick ? ' --quick' : ''}`,
      node: process.version,
      redis: await redisVersion(probe.master),
      cpu: `${cpus()[0]?.model ?? 'unknown'} × ${availableParallelism()}`,
      topology: '1 master, 2 replicas, 1 sentinel on 127.0.0.1',
      roundMs: ROUND_MS,
      rounds: ROUNDS,
      background: `${BACKGROUND.writers} loop of SET with ${BACKGROUND.valueBytes / 1024} KiB values`,
    };
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'read-your-writes.json'),
      `${JSON.stringify({ meta, reads, durables }, null, 2)}\n`,
    );
    const lines = [
      `Read-your-writes: a write then a read of the same key, timing the read. ${meta.rounds} interleaved rounds of ${meta.roundMs} ms per row; ${meta.topology}; background load: ${meta.background}.`,
      `${meta.date}, Node ${meta.node}, Redis ${meta.redis}, ${meta.cpu}. Command: \`${meta.command}\``,
      '',
      '| reads | background load | concurrency | pairs/s | read p50 ms | read p99 ms | stale reads | master GET/read | replica ROLE/read |',
      '|---|---|---|---|---|---|---|---|---|',
    ];
    for (const s of reads) {
      lines.push(
        `| ${s.kind} | ${s.load} | ${s.concurrency} | ${s.opsPerSec} | ${s.p50Ms} | ${s.p99Ms} | ${s.stale}/${s.ops} (${s.stalePct} %) | ${s.masterGetsPerOp} | ${s.replicaRolesPerOp} |`,
      );
    }
    lines.push(
      '',
      'Durable writes: SET of a per-worker key, each resolved once a replica has it (WAIT), same concurrency.',
      '',
      '| writes | concurrency | writes/s | p50 ms | p99 ms | WAIT/write on the master |',
      '|---|---|---|---|---|---|',
    );
    for (const s of durables) {
      lines.push(
        `| ${s.kind} | ${s.concurrency} | ${s.opsPerSec} | ${s.p50Ms} | ${s.p99Ms} | ${s.waitsPerOp} |`,
      );
    }
    writeFileSync(join(dir, 'read-your-writes.md'), `${lines.join('\n')}\n`);
    console.log(lines.join('\n'));
  } finally {
    await closePlain(waitClient);
    await sentinel.quit();
  }
}

const topology = await LocalTopology.start({ replicas: 2, sentinels: 1, quorum: 1 });
const onSignal = (signal: NodeJS.Signals) => {
  process.stderr.write(`\n${signal}: stopping the topology\n`);
  void topology.stop().finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  await main(topology);
} finally {
  await topology.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
