/**
 * The parent's side of the steady-state and memory sections: each starts its own LocalTopology,
 * hands its addresses to children, serves the children's requests (failovers), and stops
 * everything it started whatever happens. The steady-state one is bench/lib/steady-runner.ts.
 */
import { join } from 'node:path';
import { LocalTopology } from '../../src/testing/index.js';
import type { MemoryConfig, Snapshot } from '../memory.js';
import { BenchChild } from './bench-child.js';
import { runSteady } from './steady-runner.js';
import type { SteadyResult, SteadySettings } from './steady-types.js';

export type { SteadySettings } from './steady-types.js';

const BENCH_DIR = join(import.meta.dirname, '..');

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

export function runSteadyStateSection(
  settings: SteadySettings,
  progress: (line: string) => void,
): Promise<SteadyResult> {
  return runSteady(settings, progress);
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
