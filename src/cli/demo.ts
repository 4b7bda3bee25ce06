/**
 * `sentinel-pool demo`: the library on a real local topology (1 master, 2 replicas, 3
 * sentinels on 127.0.0.1, started with the testing kit): read-your-writes, stale reads, and two
 * failovers under load with a timeline. Everything it starts, it stops: at the end, on error
 * and on Ctrl-C (`--keep` leaves the topology running until Ctrl-C).
 */
import { formatAddress } from '../address.js';
import { Sentinel } from '../index.js';
import { LocalTopology, type NodeAddress } from '../testing/index.js';
import { type CommandSpec, parseArgs } from './args.js';
import { runConsistency } from './demo-consistency.js';
import { type FailoverOutcome, runFailover } from './demo-failover.js';
import {
  type DemoSummary,
  renderConsistency,
  renderFailover,
  renderFailoverHeading,
  renderSummary,
  renderTopology,
  summarize,
  type TopologyFacts,
} from './demo-report.js';
import { FailoverWitness } from './demo-timeline.js';
import { INTERRUPTED_EXIT_CODE, type Interrupt, waitForInterrupt } from './interrupt.js';
import { describeError, type Io, type Painter, painterFor, writeJson, writeLine } from './output.js';
import { Progress } from './progress.js';

const OPTIONS = {
  json: { type: 'boolean', description: 'Print one JSON summary object (progress still goes to stderr)' },
  keep: {
    type: 'boolean',
    description: 'Leave the topology running afterwards and print its addresses, until Ctrl-C',
  },
} as const;

export const DEMO_SPEC = {
  name: 'demo',
  summary: 'Run the library on a local 1 master + 2 replicas + 3 sentinels topology, with failovers',
  details: [
    'Needs redis-server on PATH; starts every node on 127.0.0.1 at free ports and stops them at the end (also on Ctrl-C). Takes about 15 s.',
  ],
  options: OPTIONS,
  examples: ['demo', 'demo --json | jq .failovers[].reactionMs', 'demo --keep'],
} satisfies CommandSpec;

/** Options of the demo's topology: the split-brain guard on, so `status` finds it healthy. */
const TOPOLOGY_OPTIONS = { replicas: 2, sentinels: 3, minReplicasToWrite: 1 } as const;

class Interrupted extends Error {}

/** Resolves as `promise`, or rejects with Interrupted at Ctrl-C. */
function unlessInterrupted<T>(promise: Promise<T>, interrupt: Interrupt): Promise<T> {
  return Promise.race([
    promise,
    interrupt.promise.then(() => {
      throw new Interrupted();
    }),
  ]);
}

function factsOf(topology: LocalTopology, startMs: number): TopologyFacts {
  const list = (addresses: NodeAddress[]) => addresses.map(formatAddress);
  return {
    masterName: topology.masterName,
    master: formatAddress(topology.masterAddress()),
    replicas: list(topology.replicaAddresses()),
    sentinels: list(topology.sentinelAddresses()),
    quorum: topology.options.quorum,
    downAfterMilliseconds: topology.options.downAfterMilliseconds,
    minReplicasToWrite: topology.options.minReplicasToWrite,
    startMs: Math.round(startMs),
  };
}

/** Starts the topology; on Ctrl-C waits for the start to settle and stops what it started. */
async function startTopology(progress: Progress, interrupt: Interrupt): Promise<LocalTopology> {
  progress.start('starting 1 master, 2 replicas and 3 sentinels on 127.0.0.1');
  const starting = LocalTopology.start(TOPOLOGY_OPTIONS);
  try {
    const topology = await unlessInterrupted(starting, interrupt);
    progress.done();
    return topology;
  } catch (error) {
    progress.fail();
    if (error instanceof Interrupted) await (await starting.catch(() => undefined))?.stop();
    throw error;
  }
}

/** With --keep: prints where the topology is and waits for Ctrl-C. */
async function keepRunning(topology: LocalTopology, io: Io, progress: Progress, interrupt: Interrupt) {
  progress.start('restoring the killed node as a replica');
  await unlessInterrupted(topology.restore(), interrupt);
  progress.done();
  const sentinels = topology.sentinelAddresses().map(formatAddress).join(',');
  const name = topology.masterName;
  const lines = [
    '',
    `The topology keeps running (master ${formatAddress(topology.masterAddress())}). Try, in another terminal:`,
    `  ${io.program} status --sentinels ${sentinels} --name ${name}`,
    `  ${io.program} watch --sentinels ${sentinels} --name ${name}`,
    '  redis-cli -p <port> ... (e.g. DEBUG SLEEP 5 on the master, or SENTINEL FAILOVER on a sentinel)',
    'Press Ctrl-C to stop it.',
  ];
  for (const line of lines) writeLine(io.stderr, line);
  await interrupt.promise;
}

/**
 * Before the next failover, waits until the previous master is a replica in sync again.
 * Sentinel turns a demoted master back into a replica only after it reported that role for 8 s
 * (often ~20 s); a SIGKILL before that meets one replica and a stray master, which must then do
 * a full resync from the new master before min-replicas-to-write 1 and durable writes let
 * anything through: 0 writes/s for a second or two, and a reaction time anywhere from 20 ms to
 * over 800 ms (see docs/cli.md). The testing kit's restore() does what Sentinel would, sooner.
 */
async function rejoin(topology: LocalTopology, progress: Progress): Promise<void> {
  progress.start('waiting for the previous master to rejoin as a replica (both replicas in sync)');
  try {
    await topology.restore();
    progress.done();
  } catch (error) {
    progress.fail();
    throw error;
  }
}

/** What the demo started, for the cleanup. */
interface Started {
  topology?: LocalTopology;
  sentinel?: Sentinel;
  witness?: FailoverWitness;
}

/** Plays every step, printing each as it ends (unless `print` ignores it); returns the summary. */
async function play(
  started: Started,
  progress: Progress,
  interrupt: Interrupt,
  print: (lines: string[]) => void,
  paint: Painter,
): Promise<DemoSummary> {
  const startedAt = performance.now();
  const topology = await startTopology(progress, interrupt);
  started.topology = topology;
  const facts = factsOf(topology, performance.now() - startedAt);
  print(renderTopology(facts, paint));
  const sentinel = new Sentinel(topology.sentinelAddresses());
  started.sentinel = sentinel;
  sentinel.on('error', () => {
    // Background errors (a refresh while the master is down) are what failovers look like.
  });
  const witness = await unlessInterrupted(
    FailoverWitness.start(topology.sentinelAddresses(), topology.masterName, sentinel),
    interrupt,
  );
  started.witness = witness;
  const consistency = await unlessInterrupted(runConsistency(sentinel, topology.masterName), interrupt);
  print(renderConsistency(consistency, paint));
  const ctx = { topology, sentinel, witness, progress, signal: interrupt.signal };
  const failovers: FailoverOutcome[] = [];
  for (const kind of ['graceful', 'sigkill'] as const) {
    print(renderFailoverHeading(failovers.length + 3, kind, paint));
    if (failovers.length > 0) await unlessInterrupted(rejoin(topology, progress), interrupt);
    const outcome = await unlessInterrupted(runFailover(kind, ctx), interrupt);
    failovers.push(outcome);
    print(renderFailover(outcome, facts.sentinels.length, paint));
  }
  return summarize(facts, consistency, failovers, performance.now() - startedAt);
}

/** Stops everything `play` started: clients first, then every process. */
async function stopAll(started: Started, progress: Progress): Promise<void> {
  started.witness?.close();
  await started.sentinel?.disconnect();
  if (started.topology) {
    progress.start('stopping every process the demo started');
    await started.topology.stop();
    progress.done();
  }
}

/** Runs the demo; resolves with the exit code. */
export async function runDemo(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs(args, DEMO_SPEC);
  const paint = painterFor(io.stdout, io.env);
  const print = (lines: string[]) => {
    if (!values.json) for (const line of lines) writeLine(io.stdout, line);
  };
  const progress = new Progress(io.stderr, io.env);
  const interrupt = waitForInterrupt();
  const started: Started = {};
  try {
    const summary = await play(started, progress, interrupt, print, paint);
    if (values.json) writeJson(io.stdout, summary);
    else print(renderSummary(summary, paint));
    if (values.keep && started.topology) {
      started.witness?.close();
      await started.sentinel?.quit();
      await keepRunning(started.topology, io, progress, interrupt);
    }
    return 0;
  } catch (error) {
    progress.fail();
    if (error instanceof Interrupted || interrupt.isInterrupted()) {
      writeLine(io.stderr, 'interrupted');
      return INTERRUPTED_EXIT_CODE;
    }
    writeLine(io.stderr, `${io.program} demo failed: ${describeError(error)}`);
    return 1;
  } finally {
    await stopAll(started, progress);
    interrupt.dispose();
  }
}
