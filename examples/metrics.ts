// OpenTelemetry metrics of a failover, printed by the SDK's console exporter: starts 1 master,
// 2 replicas and 3 sentinels on 127.0.0.1 (needs redis-server on PATH), writes and reads while
// the master fails over, then prints every metric once. Run: npx tsx examples/metrics.ts
import { metrics } from '@opentelemetry/api';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Sentinel } from 'redis-sentinel-pool';
import { LocalTopology } from 'redis-sentinel-pool/testing';

// Register the SDK before the first pool: the library attaches its instruments then.
const reader = new PeriodicExportingMetricReader({
  exporter: new ConsoleMetricExporter(),
  exportIntervalMillis: 60_000, // exported once, at the end (forceFlush)
});
const provider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(provider);

const topology = await LocalTopology.start();
const sentinel = new Sentinel(topology.sentinelAddresses());
try {
  const master = sentinel.masterFor(topology.masterName);
  const replica = sentinel.replicaFor(topology.masterName);
  const session = sentinel.session(topology.masterName);

  // Steady writes and reads while the master fails over (bounded: 30 s at most).
  let running = true;
  const until = Date.now() + 30_000;
  const load = (async () => {
    for (let i = 0; running && Date.now() < until; i++) {
      await master.set(`metrics:${i % 100}`, String(i));
      await replica.get(`metrics:${i % 100}`);
      await session.master.set('metrics:session', String(i));
      await session.replica.get('metrics:session');
    }
  })();

  const { from, to } = await topology.failover(); // SENTINEL FAILOVER, waits for every sentinel
  console.log(`failed over ${from.port} -> ${to.port}`);
  await master.set('metrics:after', 'written on the new master');
  running = false;
  await load;

  // db.client.operation.duration, db.client.connection.*, redis_sentinel_pool.failover.* …
  await provider.forceFlush();
} finally {
  await sentinel.quit();
  await topology.stop();
  // Not provider.shutdown(): it would export everything a second time. The reader's timer does
  // not keep the process alive.
  metrics.disable();
}
