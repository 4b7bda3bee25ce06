/**
 * The checks every downstream test makes, in one place: the run itself (printed for the record),
 * the load went on after the failover, there was one failover, and what was lost is what the
 * failover may take (nothing after a graceful one; after a SIGKILL, only writes the dead master
 * acknowledged shortly before it died and had not replicated).
 */
import assert from 'node:assert/strict';
import type { LocalTopology } from '../../../src/testing/index.js';
import type { Disruption } from './disruption.js';
import { type AcrossFailover, acrossFailover, type Workload } from './workload.js';

/** Runs {@link acrossFailover}, prints the count as `# <label>, <disruption>: {...}`, and checks the run. */
export async function checkedAcrossFailover<R>(
  topology: LocalTopology,
  disruption: Disruption,
  workload: Workload<R>,
  label: string,
): Promise<AcrossFailover<R>> {
  const run = await acrossFailover(topology, disruption, workload);
  console.log(`# ${label}, ${disruption}: ${JSON.stringify(run.result)}`);
  assert.ok(run.progressed, 'the load went on after the failover');
  assert.equal(topology.masterAddress().port, run.sw.to.port, 'no second failover');
  return run;
}

/** Lost acknowledged operations (their ages at the kill, in ms) are within what the failover may take. */
export function assertLossAllowed(count: { lostAges: number[]; lossAllowance: number }, what: string): void {
  assert.ok(count.lostAges.length <= count.lossAllowance, `${what} lost: ${count.lostAges}`);
  assert.ok(
    count.lostAges.every((age) => age >= 0),
    `${what} acknowledged after the kill lost`,
  );
}
