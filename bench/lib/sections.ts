/**
 * The parent's side of the steady-state and memory sections: each starts its own LocalTopology,
 * hands its addresses to a child, serves the child's requests (failovers), and stops everything
 * it started whatever happens.
 */
import { join } from 'node:path';
import { LocalTopology } from '../../src/testing/index.js';
import type { MemoryConfig, Snapshot } from '../memory.js';
import type { SteadyResult, SteadyStateConfig } from '../steady-state.js';
import { BenchChild } from './bench-child.js';

const BENCH_DIR = join(import.meta.dirname, '..');

export interface SteadySettings {
  roundMs: number;
  rounds: number;
  concurrency: number[];
  maxOpsPerRound: number;
}

export interface MemorySettings {
  pools: number;
  warmupPools: number;
  failovers: number;
  loadIntervalMs: number;
}

export interface MemoryResult {
  baseline: Snapshot;
  churn: Snapshot[];
  failovers: {
    snapshots: Snapshot[];
    errors: Record<string, number>;
    ops: number;
    failoversWithExtraSwitches: number[];
  };
}

export async function runSteadyStateSection(
  settings: SteadySettings,
  progress: (line: string) => void,
): Promise<SteadyResult> {
  const topology = await LocalTopology.start({ replicas: 1, sentinels: 1, quorum: 1 });
  const child = (() => {
    const config: SteadyStateConfig = {
      ...settings,
      sentinels: topology.sentinelAddresses(),
      masterName: topology.masterName,
      master: topology.masterAddress(),
      replica: topology.replicaAddresses()[0]!,
    };
    return new BenchChild(join(BENCH_DIR, 'steady-state.ts'), [JSON.stringify(config)]);
  })();
  try {
    const budgetMs = settings.roundMs * settings.rounds * settings.concurrency.length * 6 + 60_000;
    const deadline = Date.now() + budgetMs;
    for (;;) {
      const message = await child.next(['progress', 'result'], Math.max(1, deadline - Date.now()));
      if (message.type === 'result') return message as unknown as SteadyResult;
      progress(`steady state: ${String(message.text)}`);
    }
  } finally {
    await child.close(5000);
    await topology.stop();
  }
}

export async function runMemorySection(
  settings: MemorySettings,
  progress: (line: string) => void,
): Promise<MemoryResult> {
  const topology = await LocalTopology.start();
  const config: MemoryConfig = {
    ...settings,
    sentinels: topology.sentinelAddresses(),
    dataNodes: topology.dataAddresses(),
    masterName: topology.masterName,
  };
  const child = new BenchChild(join(BENCH_DIR, 'memory.ts'), [JSON.stringify(config)], ['--expose-gc']);
  try {
    const deadline = Date.now() + settings.pools * 500 + settings.failovers * 40_000 + 60_000;
    for (;;) {
      const message = await child.next(
        ['progress', 'failover', 'result'],
        Math.max(1, deadline - Date.now()),
      );
      if (message.type === 'result') return message as unknown as MemoryResult;
      if (message.type === 'progress') {
        progress(String(message.text));
        continue;
      }
      progress(`memory: graceful failover ${String(message.n)}/${settings.failovers} under light load`);
      const result = await topology.failover();
      child.send({ type: 'failover-done', switches: result.switches.length });
    }
  } finally {
    await child.close(5000);
    await topology.stop();
  }
}
