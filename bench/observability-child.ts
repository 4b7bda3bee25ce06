/**
 * One variant of bench/observability-overhead.ts, in a process of its own: a masterFor() pool of
 * the library found at `libPath` (this tree's src/, or the baseline's), with an OpenTelemetry SDK
 * registered first when `sdk` is set. It runs one round of GET/SET per `round` message from the
 * parent, which interleaves the variants so that they never share the CPU.
 *
 *   (started by bench/observability-overhead.ts)
 */
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { configFromArgv, heard, startChild, tell } from './lib/child-side.js';
import type { Endpoint } from './lib/peer-clients.js';

export interface ObservabilityChildConfig {
  libPath: string;
  sdk: boolean;
  sentinels: Endpoint[];
  masterName: string;
  maxOpsPerRound: number;
}

/** The sample of one round. */
export interface RoundSample {
  ops: number;
  ms: number;
  cpuMicros: number;
}

/** Collected only at the end: the SDK aggregates every command, as it would in production. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface Pool {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
}

startChild();
const config = configFromArgv<ObservabilityChildConfig>();
const reader = new ManualReader();
if (config.sdk) metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const lib = (await import(config.libPath)) as {
  Sentinel: new (
    s: Endpoint[],
  ) => { masterFor(name: string): Pool; quit(): Promise<void>; on(e: 'error', l: () => void): void };
};
const sentinel = new lib.Sentinel(config.sentinels);
sentinel.on('error', () => undefined);
const pool = sentinel.masterFor(config.masterName);
await pool.set('obs-bench:warmup', '1');
// The library loads @opentelemetry/api asynchronously: let it attach before measuring.
await new Promise((resolve) => setTimeout(resolve, 100));
await tell({ type: 'ready' });

async function runRound(concurrency: number, roundMs: number): Promise<RoundSample> {
  let ops = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + roundMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const key = `obs-bench:${worker}`;
      while (performance.now() < until && ops < config.maxOpsPerRound) {
        if (ops % 2 === 0) await pool.set(key, 'value');
        else await pool.get(key);
        ops += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { ops, ms: performance.now() - started, cpuMicros: cpu.user + cpu.system };
}

for (let i = 0; i < 10_000; i++) {
  const message = await heard('round', 600_000).catch(() => undefined);
  if (!message || message.stop === true) break;
  const sample = await runRound(Number(message.concurrency), Number(message.roundMs));
  await tell({ type: 'sample', sample });
}
let metricCount = 0;
if (config.sdk) {
  const { resourceMetrics } = await reader.collect();
  metricCount = resourceMetrics.scopeMetrics.reduce((n, s) => n + s.metrics.length, 0);
}
await tell({ type: 'done', metricCount });
await sentinel.quit();
process.exit(0);
