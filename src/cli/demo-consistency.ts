/**
 * The read-your-writes part of the demo: a write through `masterFor`, read back through a
 * session without any sleep; then how often a plain replica read right after a write misses it
 * (replication is asynchronous), against the same with sessions (never).
 */
import type { Sentinel } from '../index.js';

/** What the demo measured (also the JSON of the summary). */
export interface ConsistencyOutcome {
  readonly firstWrite: {
    readonly key: string;
    readonly value: string;
    readonly readBack: string | null;
    readonly writeMs: number;
    readonly readMs: number;
  };
  readonly callers: number;
  readonly iterations: number;
  readonly samples: number;
  readonly stalePlainReads: number;
  readonly staleSessionReads: number;
  readonly plainMs: number;
  readonly sessionMs: number;
}

/** Concurrent callers, each writing then reading its own key `ITERATIONS` times. */
export const CALLERS = 50;
export const ITERATIONS = 100;

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Runs `iterations` rounds of `step` in each of `callers` concurrent loops; returns stale count and time. */
async function measure(
  callers: number,
  iterations: number,
  step: (caller: number, value: string) => Promise<string | null>,
): Promise<{ stale: number; ms: number }> {
  let stale = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; i < iterations; i++) {
        const value = `${caller}:${i}:${startedAt}`;
        if ((await step(caller, value)) !== value) stale++;
      }
    }),
  );
  return { stale, ms: performance.now() - startedAt };
}

/** Runs the read-your-writes demonstrations against `name`. */
export async function runConsistency(sentinel: Sentinel, name: string): Promise<ConsistencyOutcome> {
  const master = sentinel.masterFor(name);
  const replica = sentinel.replicaFor(name);
  await Promise.all([master.ping(), replica.ping()]); // connect both pools before timing anything

  const key = 'demo:greeting';
  const value = `hello ${Date.now()}`;
  const session = sentinel.session(name);
  const writeStart = performance.now();
  await session.master.set(key, value);
  const readStart = performance.now();
  const readBack = await session.replica.get(key);
  const readEnd = performance.now();

  const plain = await measure(CALLERS, ITERATIONS, async (caller, v) => {
    await master.set(`demo:stale:plain:${caller}`, v);
    return replica.get(`demo:stale:plain:${caller}`);
  });
  const consistent = await measure(CALLERS, ITERATIONS, async (caller, v) => {
    const perRequest = sentinel.session(name);
    await perRequest.master.set(`demo:stale:session:${caller}`, v);
    return perRequest.replica.get(`demo:stale:session:${caller}`);
  });
  return {
    firstWrite: {
      key,
      value,
      readBack,
      writeMs: round(readStart - writeStart),
      readMs: round(readEnd - readStart),
    },
    callers: CALLERS,
    iterations: ITERATIONS,
    samples: CALLERS * ITERATIONS,
    stalePlainReads: plain.stale,
    staleSessionReads: consistent.stale,
    plainMs: round(plain.ms),
    sessionMs: round(consistent.ms),
  };
}
