/**
 * The fixture of an integration file: one LocalTopology for the whole file, the Sentinels a test
 * opens quit after it, then its undo steps, then the topology restored (stopped nodes get
 * SIGCONT, killed ones are restarted), and the topology stopped after the last test.
 */
import { after, afterEach, before } from 'node:test';
import { Sentinel } from '../../src/index.js';
import { LocalTopology, type LocalTopologyOptions } from '../../src/testing/index.js';

/** What a test file uses of its topology. */
export interface TopologyFixture {
  /** The file's topology (set once `before` ran). */
  readonly topology: LocalTopology;
  /** A Sentinel on the topology's sentinels (or `sentinels`), quit after the test. */
  open(
    options?: ConstructorParameters<typeof Sentinel>[1],
    sentinels?: ConstructorParameters<typeof Sentinel>[0],
  ): Sentinel;
  /** A step to run after the test, before the topology is restored (debug capture off, …). */
  undo(step: () => unknown): void;
}

/** Registers the file's before/afterEach/after hooks and returns the fixture. */
export function useTopology(options?: LocalTopologyOptions): TopologyFixture {
  let topology: LocalTopology | undefined;
  const clients: Sentinel[] = [];
  const steps: Array<() => unknown> = [];
  before(async () => {
    topology = await LocalTopology.start(options);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.quit()));
    for (const step of steps.splice(0).reverse()) await Promise.resolve(step()).catch(() => {});
    await topology?.restore();
  });
  after(async () => {
    await topology?.stop();
  });
  const fixture: TopologyFixture = {
    get topology() {
      if (!topology) throw new Error('the topology is used before it started');
      return topology;
    },
    open(sentinelOptions, sentinels) {
      const sentinel = new Sentinel(sentinels ?? fixture.topology.sentinelAddresses(), sentinelOptions);
      clients.push(sentinel);
      return sentinel;
    },
    undo(step) {
      steps.push(step);
    },
  };
  return fixture;
}
