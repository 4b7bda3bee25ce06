/**
 * One client of the steady-state comparison, alone in its process (so that its GC and CPU do not
 * bleed into another client's figures): builds the client, warms it up, then runs the rounds the
 * parent (bench/steady-state.ts) orders, one at a time, and answers each with its figures.
 *
 *   (a child of bench/steady-state.ts) node --import tsx bench/steady-client.ts <json-config>
 */
import { configFromArgv, heard, startChild, tell } from './lib/child-side.js';
import { createSteadyClient } from './lib/steady-clients.js';
import { measureRound } from './lib/steady-measure.js';
import type { RoundOrder, SteadyClientConfig } from './lib/steady-types.js';

/** The parent runs every other client between two of our rounds: a whole run at most. */
const ORDER_TIMEOUT_MS = 3 * 60 * 60 * 1000;

startChild();
const config = configFromArgv<SteadyClientConfig>();
const client = await createSteadyClient(config);
const latencies = new Float64Array(config.maxOpsPerRound);
// Warm-up: connections open, JIT warm, before anything is measured.
for (const workload of config.workloads) {
  await measureRound(
    client.prepare(workload, config.warmupConcurrency),
    config.warmupConcurrency,
    config.warmupMs,
    latencies,
  );
}
await tell({ type: 'ready' });
for (let round = 0; round < 100_000; round++) {
  const order = (await heard('order', ORDER_TIMEOUT_MS)) as unknown as RoundOrder;
  if (order.action === 'stop') break;
  const { workload, concurrency, ms } = order;
  if (workload === undefined || concurrency === undefined || ms === undefined) {
    throw new Error(`incomplete order ${JSON.stringify(order)}`);
  }
  const figures = await measureRound(client.prepare(workload, concurrency), concurrency, ms, latencies);
  await tell({ type: 'sample', ...figures });
}
await client.close(3000);
await tell({ type: 'stopped' });
process.exit(0);
