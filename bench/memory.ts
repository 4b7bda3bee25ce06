/**
 * Memory and hygiene (a child of bench/run.ts, run with --expose-gc): heap, RSS, live handles and
 * server-side connections (1) after creating and quitting many Sentinels, each with a master and
 * a replica pool that run a command, and (2) across many graceful failovers of one Sentinel
 * under light load (the parent runs each failover when this child asks for it).
 *
 *   node --expose-gc --import tsx bench/memory.ts <json-config>
 */
import { Redis } from 'ioredis';
import { Sentinel } from '../src/index.js';
import { configFromArgv, heard, startChild, tell } from './lib/child-side.js';
import { sleep } from './lib/clock.js';
import { errorType } from './lib/error-type.js';
import type { Endpoint } from './lib/peer-clients.js';
import { round } from './lib/stats.js';

export interface MemoryConfig {
  sentinels: Endpoint[];
  dataNodes: Endpoint[];
  masterName: string;
  pools: number;
  warmupPools: number;
  failovers: number;
  loadIntervalMs: number;
}

export interface Snapshot {
  label: string;
  /** Sentinels created and quit since the warm-up, for the churn snapshots. */
  pools?: number;
  heapMB: number;
  rssMB: number;
  /** process.getActiveResourcesInfo() entries (sockets, timers, …). */
  activeResources: number;
  /** Client connections on the data nodes, apart from replication links, Sentinel's and our probe. */
  dataConnections: number;
  /** Client connections on the sentinels, apart from other sentinels' and our probe. */
  sentinelConnections: number;
}

/** The parent's failover() is bounded by the topology's readyTimeoutMs (30 s). */
const FAILOVER_WAIT_MS = 45_000;
const gc = (globalThis as { gc?: () => void }).gc;

/** Connections a client made (not a sentinel's, the kit's, a replication link or this CLIENT LIST). */
async function countConnections(nodes: Endpoint[]): Promise<number> {
  let count = 0;
  for (const node of nodes) {
    const probe = new Redis({ ...node, protocol: 2, commandTimeout: 1000, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      const list = String(await probe.client('LIST'));
      count += list
        .split('\n')
        .filter((line) => line.includes(' flags='))
        .filter((line) => !/ flags=\w*[SM]/.test(line))
        .filter((line) => !/ name=(sentinel-|local-topology)/.test(line))
        .filter((line) => !/ cmd=client\|list/.test(line)).length;
    } catch {
      // A node that does not answer has nobody's connection to count.
    } finally {
      probe.disconnect();
    }
  }
  return count;
}

async function snapshot(label: string, config: MemoryConfig, pools?: number): Promise<Snapshot> {
  await sleep(200); // let closed sockets reach the servers
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const memory = process.memoryUsage();
  return {
    label,
    ...(pools === undefined ? {} : { pools }),
    heapMB: round(memory.heapUsed / 2 ** 20, 2),
    rssMB: round(memory.rss / 2 ** 20, 1),
    activeResources: process.getActiveResourcesInfo().length,
    dataConnections: await countConnections(config.dataNodes),
    sentinelConnections: await countConnections(config.sentinels),
  };
}

async function onePool(config: MemoryConfig, i: number): Promise<void> {
  const sentinel = new Sentinel(config.sentinels);
  sentinel.on('error', () => undefined);
  await sentinel.masterFor(config.masterName).set(`memory:${i % 16}`, String(i));
  await sentinel.replicaFor(config.masterName).get(`memory:${i % 16}`);
  await sentinel.quit();
}

async function churn(config: MemoryConfig): Promise<Snapshot[]> {
  for (let i = 0; i < config.warmupPools; i++) await onePool(config, i);
  const snapshots = [await snapshot(`after ${config.warmupPools} warm-up Sentinels`, config, 0)];
  // Snapshots at each quarter: the first ones still warm up, a leak keeps growing after.
  const quarter = Math.max(1, Math.floor(config.pools / 4));
  for (let i = 1; i <= config.pools; i++) {
    await onePool(config, i);
    if (i % 20 === 0) {
      await tell({ type: 'progress', text: `memory: ${i}/${config.pools} Sentinels created and quit` });
    }
    if (i % quarter === 0 || i === config.pools) snapshots.push(await snapshot(`after ${i} more`, config, i));
  }
  return snapshots;
}

async function failovers(config: MemoryConfig) {
  const sentinel = new Sentinel(config.sentinels);
  sentinel.on('error', () => undefined);
  const master = sentinel.masterFor(config.masterName);
  const replica = sentinel.replicaFor(config.masterName);
  const errors: Record<string, number> = {};
  let ops = 0;
  let isRunning = true;
  const loop = async (op: () => Promise<unknown>) => {
    while (isRunning && ops < 10_000_000) {
      await op().then(
        () => ops++,
        (error: unknown) => {
          errors[errorType(error)] = (errors[errorType(error)] ?? 0) + 1;
        },
      );
      await sleep(config.loadIntervalMs);
    }
  };
  const loops = [loop(() => master.set('memory:load', String(ops))), loop(() => replica.get('memory:load'))];
  await sleep(1000);
  const snapshots = [await snapshot('under load, before failovers', config)];
  const doubles: number[] = [];
  for (let k = 1; k <= config.failovers; k++) {
    await tell({ type: 'failover', n: k });
    const done = await heard('failover-done', FAILOVER_WAIT_MS);
    if (done.switches !== 1) doubles.push(k);
    await sleep(500);
    snapshots.push(await snapshot(`after failover ${k}`, config));
  }
  isRunning = false;
  await Promise.all(loops);
  await sentinel.quit();
  snapshots.push(await snapshot('after quit()', config));
  return { snapshots, errors, ops, failoversWithExtraSwitches: doubles };
}

startChild();
const config = configFromArgv<MemoryConfig>();
if (gc === undefined) throw new Error('run with --expose-gc');
const baseline = await snapshot('baseline (nothing created)', config);
const churnSnapshots = await churn(config);
const failoverResult = await failovers(config);
await tell({ type: 'result', baseline, churn: churnSnapshots, failovers: failoverResult });
process.exit(0);
