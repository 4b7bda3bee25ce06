/**
 * The steady-state bench's summaries (bench/lib/steady-analysis.ts): ratios taken round by round
 * against the best peer of the same round, and the targets read from them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { steadyTargetChecks, summarizeSteady } from '../../bench/lib/steady-analysis.js';
import { rotated } from '../../bench/lib/steady-runner.js';
import type { ClientKind, SteadySample, SteadySettings, Workload } from '../../bench/lib/steady-types.js';

const settings: SteadySettings = {
  roundMs: 1000,
  rounds: 2,
  concurrency: [1],
  maxOpsPerRound: 1000,
  warmupMs: 0,
  workloads: ['master', 'replica', 'session-known'],
  clients: ['ours', 'ioredis', 'ioredis-autopipelining', 'node-redis'],
};

function sample(
  round: number,
  workload: Workload,
  client: ClientKind,
  ops: number,
  extra: Partial<SteadySample> = {},
): SteadySample {
  return {
    round,
    workload,
    concurrency: 1,
    client,
    ops,
    ms: 1000,
    cpuMicros: ops * 10,
    p50Ms: 1,
    p99Ms: 2,
    errors: 0,
    ...extra,
  };
}

describe('steady-state analysis', () => {
  it('divides ours by the best peer of the same round, not by the best over all rounds', () => {
    const samples = [
      // Round 0: the machine is fast, autopipelining best. Round 1: slow, node-redis best.
      sample(0, 'master', 'ours', 900),
      sample(0, 'master', 'ioredis', 800),
      sample(0, 'master', 'ioredis-autopipelining', 1000),
      sample(0, 'master', 'node-redis', 500),
      sample(1, 'master', 'ours', 450),
      sample(1, 'master', 'ioredis', 300),
      sample(1, 'master', 'ioredis-autopipelining', 200),
      sample(1, 'master', 'node-redis', 500),
    ];
    const [cell] = summarizeSteady(samples, settings);
    assert.deepEqual(cell?.vsBestPeer, { median: 0.9, min: 0.9, max: 0.9, count: 2, missing: 0 });
    assert.equal(cell?.clients.ours?.opsPerSec.median, 675);
    assert.equal(cell?.clients.ours?.cpuMicrosPerOp, 10);
  });

  it('compares session reads with plain ioredis replica GETs of the same round and concurrency', () => {
    const samples = [
      sample(0, 'replica', 'ioredis', 100, { p50Ms: 0.2 }),
      sample(0, 'session-known', 'ours', 100, { p50Ms: 0.3 }),
      sample(1, 'replica', 'ioredis', 100, { p50Ms: 0.4 }),
      sample(1, 'session-known', 'ours', 100, { p50Ms: 0.44 }),
    ];
    const cells = summarizeSteady(samples, settings);
    const session = cells.find((c) => c.workload === 'session-known');
    assert.deepEqual(session?.p50VsPlainReplica, { median: 1.3, min: 1.1, max: 1.5, count: 2, missing: 0 });
    const check = steadyTargetChecks(cells).find((t) => t.target.startsWith('session read'));
    assert.deepEqual(check && { measured: check.measured, met: check.met }, {
      measured: '1: 1.3×',
      met: false,
    });
  });

  it('leaves out the targets of a pool whose peers did not run', () => {
    const checks = steadyTargetChecks(summarizeSteady([sample(0, 'master', 'ours', 10)], settings));
    assert.deepEqual(checks, []);
  });

  it('rotates the client order by one each round', () => {
    assert.deepEqual(rotated(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
    assert.deepEqual(rotated(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
    assert.deepEqual(rotated(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
    assert.deepEqual(rotated([], 3), []);
  });
});
