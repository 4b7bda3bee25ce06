/**
 * The parent's side of the steady-state comparison: starts the topologies, one child process per
 * client (bench/steady-client.ts), and orders their rounds one at a time, interleaved, with the
 * client order rotated every round. Makes replicas lag for the lag workloads with
 * `CLIENT PAUSE <ms> WRITE` on them (a paused replica stops applying the replication stream but
 * still serves reads; the pause has a deadline of its own and is lifted right after the round).
 * Stops everything it started, whatever happens.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LocalTopology } from '../../src/testing/index.js';
import { BenchChild } from './bench-child.js';
import { assertBuiltLibrary } from './built-library.js';
import { round } from './stats.js';
import {
  CLIENT_KINDS,
  type ClientKind,
  clientsFor,
  type RoundFigures,
  type SteadyClientConfig,
  type SteadyHost,
  type SteadyResult,
  type SteadySample,
  type SteadySettings,
  type TopologyEndpoints,
  topologyOf,
  WORKLOADS,
  type Workload,
} from './steady-types.js';

const BENCH_DIR = join(import.meta.dirname, '..');
const ROOT = join(BENCH_DIR, '..');
const READY_TIMEOUT_MS = 120_000;
/** A round's answer may come late on a loaded machine (setup, percentiles): this much past its time. */
const ROUND_GRACE_MS = 60_000;
/** Longer than a round: a pause that outlives a crashed parent ends on its own anyway. */
const PAUSE_MARGIN_MS = 10_000;

/** The order of the clients in round `r`: rotated by one each round. */
export function rotated<T>(items: readonly T[], r: number): T[] {
  if (items.length === 0) return [];
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

function packageVersion(name: string): string {
  try {
    const file = join(ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const load = () => loadavg().map((x) => round(x, 2));

interface Side {
  topology: LocalTopology;
  admin: Redis;
  replicas: Redis[];
  endpoints: TopologyEndpoints;
}

async function startSide(replicas: number, keys: number): Promise<Side> {
  const topology = await LocalTopology.start({ replicas, sentinels: 1, quorum: 1 });
  const admin = new Redis({ ...topology.masterAddress(), lazyConnect: true });
  const replicaClients = topology.replicaAddresses().map((a) => new Redis({ ...a, lazyConnect: true }));
  const side = {
    topology,
    admin,
    replicas: replicaClients,
    endpoints: {
      sentinels: topology.sentinelAddresses(),
      masterName: topology.masterName,
      master: topology.masterAddress(),
      replica: topology.replicaAddresses()[0]!,
    },
  };
  try {
    const seed = admin.pipeline();
    for (let k = 0; k < keys; k++) seed.set(`steady:${k}`, 'value');
    await seed.exec();
    await caughtUp(side);
  } catch (error) {
    await stopSide(side);
    throw error;
  }
  return side;
}

/** Every replica has every write so far (bounded: WAIT's own timeout). */
async function caughtUp(side: Side): Promise<void> {
  await side.admin.set('steady:sync', String(Date.now()));
  const acked = await side.admin.wait(side.replicas.length, 5000);
  if (acked < side.replicas.length) {
    throw new Error(`only ${acked}/${side.replicas.length} replicas caught up within 5 s`);
  }
}

async function stopSide(side: Side): Promise<void> {
  for (const c of [side.admin, ...side.replicas]) c.disconnect();
  await side.topology.stop();
}

/** The replicas a lag workload pauses (replication only: CLIENT PAUSE … WRITE). */
function pausedFor(workload: Workload, side: Side): Redis[] {
  if (workload === 'session-rw-lag-one') return side.replicas.slice(0, 1);
  if (workload === 'session-rw-lag-all') return side.replicas;
  return [];
}

async function redisVersion(admin: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(String(await admin.info('server')))?.[1] ?? 'unknown';
}

export async function runSteady(
  settings: SteadySettings,
  progress: (line: string) => void,
): Promise<SteadyResult> {
  // Our client runs the built package (built-library.ts): fail now, not in a child.
  assertBuiltLibrary();
  const loadAtStart = load();
  const keys = Math.max(...settings.concurrency, 10);
  const needsLag = settings.workloads.some((w) => topologyOf(w) === 'lag');
  progress('steady state: starting the topology');
  const main = await startSide(1, keys);
  let lag: Side | undefined;
  const children = new Map<ClientKind, BenchChild>();
  try {
    if (needsLag) {
      progress('steady state: starting the topology with two replicas (lag workloads)');
      lag = await startSide(2, keys);
    }
    for (const kind of settings.clients) {
      const config: SteadyClientConfig = {
        kind,
        main: main.endpoints,
        ...(lag ? { lag: lag.endpoints } : {}),
        warmupConcurrency: 10,
        warmupMs: settings.warmupMs,
        workloads: settings.workloads.filter((w) => clientsFor(w, [kind]).length > 0),
        maxOpsPerRound: settings.maxOpsPerRound,
      };
      children.set(kind, new BenchChild(join(BENCH_DIR, 'steady-client.ts'), [JSON.stringify(config)]));
    }
    progress(`steady state: ${children.size} client processes connecting and warming up`);
    for (const child of children.values()) await child.next('ready', READY_TIMEOUT_MS);
    const samples: SteadySample[] = [];
    for (let r = 0; r < settings.rounds; r++) {
      for (const workload of settings.workloads) {
        const side = topologyOf(workload) === 'lag' ? lag : main;
        if (side === undefined) throw new Error(`no topology for ${workload}`);
        for (const concurrency of settings.concurrency) {
          for (const client of rotated(clientsFor(workload, settings.clients), r)) {
            progress(
              `steady state: round ${r + 1}/${settings.rounds}, ${workload}, ${concurrency} callers, ${client}`,
            );
            const child = children.get(client)!;
            const paused = pausedFor(workload, side);
            for (const replica of paused) {
              await replica.call('CLIENT', 'PAUSE', String(settings.roundMs + PAUSE_MARGIN_MS), 'WRITE');
            }
            try {
              child.send({ type: 'order', action: 'round', workload, concurrency, ms: settings.roundMs });
              const figures = (await child.next(
                'sample',
                settings.roundMs + ROUND_GRACE_MS,
              )) as unknown as RoundFigures;
              samples.push({ ...pick(figures), round: r, workload, concurrency, client });
            } finally {
              for (const replica of paused) await replica.call('CLIENT', 'UNPAUSE');
              if (paused.length > 0) await caughtUp(side);
            }
          }
        }
      }
    }
    for (const child of children.values()) child.send({ type: 'order', action: 'stop' });
    for (const child of children.values()) await child.next('stopped', 10_000).catch(() => undefined);
    const host: SteadyHost = {
      cpu: `${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()}`,
      loadAverage: { start: loadAtStart, end: load() },
      node: process.version,
      redis: await redisVersion(main.admin),
      ioredis: packageVersion('ioredis'),
      nodeRedis: packageVersion('redis'),
    };
    return { settings, host, samples };
  } finally {
    await Promise.all([...children.values()].map((c) => c.close(5000)));
    await stopSide(main);
    if (lag) await stopSide(lag);
  }
}

/** Only the figures (the IPC message also carries its `type`). */
function pick(f: RoundFigures): RoundFigures {
  return {
    ops: f.ops,
    ms: f.ms,
    cpuMicros: f.cpuMicros,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    errors: f.errors,
    ...(f.firstError === undefined ? {} : { firstError: f.firstError }),
  };
}

/**
 * The settings of a full run and of the quick one (CI: checks that the bench still runs, not its
 * numbers: one tiny round at two concurrencies).
 */
export function steadySettings(quick: boolean): SteadySettings {
  return {
    roundMs: quick ? 200 : 1500,
    rounds: quick ? 1 : 5,
    concurrency: quick ? [1, 10] : [1, 10, 50, 200],
    maxOpsPerRound: 1_000_000,
    warmupMs: quick ? 100 : 1000,
    workloads: [...WORKLOADS],
    clients: [...CLIENT_KINDS],
  };
}
