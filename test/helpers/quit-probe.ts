/**
 * A child process for "nothing is left after quit()" checks that a leak must not hang the test
 * process itself. Run as `node --import tsx quit-probe.ts '<json>'` with
 * `{ sentinels, masterName }`. Protocol on stdout, one line each:
 *
 * 1. `ready`: pools connected and serving; the parent may now fail the master over.
 * 2. `left <json>`: written right after `quit()` (and one setImmediate tick), once a masterChanged
 *    was seen and a write succeeded on the new master: the active resources that were not there
 *    before the Sentinel was created.
 *
 * Then the process must exit by itself: anything still keeping the event loop alive is a leak.
 */
import { once } from 'node:events';
import { type Address, Sentinel } from '../../src/index.js';

const { sentinels, masterName } = JSON.parse(process.argv[2] ?? '{}') as {
  sentinels: Address[];
  masterName: string;
};

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Active resources by type, with counts, minus those in `baseline`. */
function extra(baseline: string[]): string[] {
  const left = [...baseline];
  const out: string[] = [];
  for (const resource of process.getActiveResourcesInfo()) {
    const index = left.indexOf(resource);
    if (index >= 0) left.splice(index, 1);
    else out.push(resource);
  }
  return out;
}

await tick();
const baseline = process.getActiveResourcesInfo();
const sentinel = new Sentinel(sentinels);
// Background reports during the failover (a refresh that asks while every sentinel still calls
// the old master down) are expected and not what this probe checks: without a listener of its
// own, the 'error' listener that once() adds below would reject on the first one.
sentinel.on('error', () => {});
const master = sentinel.masterFor(masterName);
const replicas = sentinel.replicaFor(masterName);
await master.set('quit-probe', '1');
await replicas.get('quit-probe');
const changed = once(sentinel, 'masterChanged', { signal: AbortSignal.timeout(30_000) });
process.stdout.write('ready\n');
await changed;
await master.set('quit-probe', '2');
await sentinel.quit();
await tick();
process.stdout.write(`left ${JSON.stringify(extra(baseline))}\n`);
