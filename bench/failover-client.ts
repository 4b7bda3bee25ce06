/**
 * One client under failover, in a process of its own (a child of bench/run.ts):
 *
 *   node --import tsx bench/failover-client.ts <client> <trigger> <json-config>
 *
 * It connects the client to the parent's topology, runs the sequenced load, says `ready`, and
 * on `stop` sends its write and read log and exits. It never starts or signals a Redis process:
 * the parent owns the topology, triggers the failover and times Sentinel.
 */
import { configFromArgv, heard, startChild, tell } from './lib/child-side.js';
import { sleep } from './lib/clock.js';
import { type ClientName, createPeerClient, type Endpoint, isClientName } from './lib/peer-clients.js';
import { type LoadSettings, SequencedLoad } from './lib/sequenced-load.js';

export interface FailoverClientConfig {
  sentinels: Endpoint[];
  masterName: string;
  load: LoadSettings;
  /** Load before `ready`, so the trigger meets a client in its steady state. */
  warmupMs: number;
  connectTimeoutMs: number;
  /** After `stop`, how long writes in flight may take to settle. */
  stopGraceMs: number;
  closeTimeoutMs: number;
}

const STOP_WAIT_MS = 120_000;

startChild();
const [name, trigger] = process.argv.slice(2);
if (!isClientName(name)) throw new Error(`unknown client ${name}`);
const config = configFromArgv<FailoverClientConfig>();
const client = await createPeerClient(name as ClientName, config.sentinels, config.masterName);
const load = new SequencedLoad(client, config.load);
load.start();
await load.untilFlowing(config.connectTimeoutMs);
await sleep(config.warmupMs);
await tell({ type: 'ready', client: name, trigger });
// The parent stops every run within its observation window; this bound is for a parent gone astray.
await heard('stop', STOP_WAIT_MS);
const log = await load.stop(config.stopGraceMs);
await tell({ type: 'result', log, events: client.events, errorEvents: client.errorEvents });
await client.close(config.closeTimeoutMs);
process.exit(0);
