/**
 * The fixture every integration file shares: one real topology for the enclosing `describe`, the
 * Sentinel clients (and loads, spies) its tests open, and their teardown. Call it at the top of
 * the `describe`; it registers node:test hooks there:
 *
 * - `before`: `LocalTopology.start(options)`;
 * - `afterEach`: the test's undo steps (last first, failures ignored), then `stop()` on what it
 *   tracked, `quit()` on the clients it opened, and `topology.restore()` (unless `restore: false`);
 * - `after`: `quit()` on the clients opened outside a test (in a `before` hook), then
 *   `topology.stop()`, which kills every process.
 *
 * Every teardown step runs even when an earlier one failed; the first failure is then thrown.
 * Hooks run in the order they are registered, so a file's own `before` registered after the
 * fixture sees the topology, and its own `after` runs once the topology is stopped.
 *
 * @example
 * ```ts
 * describe('replica reads', () => {
 *   const fixture = topologyFixture();
 *   it('reads', async () => {
 *     const sentinel = fixture.open({ socketTimeout: 500 });
 *     await sentinel.replicaFor(fixture.topology.masterName).get('k');
 *   });
 * });
 * ```
 */
import { after, afterEach, before, beforeEach } from 'node:test';
import { Sentinel, type SentinelAddressInput, type SentinelOptions } from '../../src/index.js';
import { LocalTopology, type LocalTopologyOptions } from '../../src/testing/index.js';

/** Something a test starts and the fixture stops after it: a load, a spy, a proxy. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/** How the fixture treats its topology. */
export interface TopologyFixtureSettings {
  /**
   * `topology.restore()` after every test, so that each starts healthy (SIGCONT, restarts,
   * replicas in sync). Off for files whose tests never break the topology.
   * @default true
   */
  restore?: boolean;
}

/** What {@link topologyFixture} gives a test file. */
export interface TopologyFixture {
  /** The running topology; throws before the fixture's `before` hook ran (or when it failed). */
  readonly topology: LocalTopology;
  /** How long `LocalTopology.start()` took, in ms. */
  readonly startMs: number;
  /** A Sentinel client of the topology's sentinels, quit by the fixture. */
  open(options?: SentinelOptions): Sentinel;
  /** A Sentinel client of other sentinel addresses (a seed, dead ports), quit by the fixture. */
  openWith(sentinels: SentinelAddressInput, options?: SentinelOptions): Sentinel;
  /** Stops `resource` after the test, before its clients quit; returns it. */
  track<T extends Stoppable>(resource: T): T;
  /**
   * Runs `step` after the test, before anything else (steps last first; a failing step is
   * ignored): undoes what the test did to a node that `restore()` would not (a paused replica).
   */
  undo(step: () => Promise<unknown>): void;
}

/** What one scope (the running test, or the file) opened. */
interface Opened {
  undo: Array<() => Promise<unknown>>;
  resources: Stoppable[];
  clients: Sentinel[];
}

const nothingOpened = (): Opened => ({ undo: [], resources: [], clients: [] });

/** Runs every step, each after the previous settled; throws the first failure at the end. */
async function runAll(steps: Array<() => Promise<unknown>>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
}

/** Undo steps, then tracked resources, then clients: what one scope opened, closed in that order. */
function closeAll(opened: Opened): Promise<void> {
  const { undo, resources, clients } = opened;
  return runAll([
    async () => {
      for (const step of undo.splice(0).reverse()) await step().catch(() => {});
    },
    () => Promise.all(resources.splice(0).map((r) => r.stop())),
    () => Promise.all(clients.splice(0).map((c) => c.quit())),
  ]);
}

/**
 * Registers, in the enclosing `describe`, the hooks that start a topology, clean up after each
 * test and stop everything at the end (see the file comment).
 * @param options `LocalTopology.start()` options, or a function that makes them (called in the
 *   `before` hook, after the file's own earlier `before` hooks: certificates, for instance).
 */
export function topologyFixture(
  options: LocalTopologyOptions | (() => LocalTopologyOptions) = {},
  settings: TopologyFixtureSettings = {},
): TopologyFixture {
  let topology: LocalTopology | undefined;
  let startMs = 0;
  const ofFile = nothingOpened();
  const ofTest = nothingOpened();
  /** Clients opened in a `before` hook live until `after`; those opened in a test, until its end. */
  let current = ofFile;

  before(async () => {
    const startedAt = performance.now();
    topology = await LocalTopology.start(typeof options === 'function' ? options() : options);
    startMs = performance.now() - startedAt;
  });
  beforeEach(() => {
    current = ofTest;
  });
  afterEach(async () => {
    current = ofFile;
    await runAll([
      () => closeAll(ofTest),
      async () => {
        if (settings.restore ?? true) await topology?.restore();
      },
    ]);
  });
  after(() => runAll([() => closeAll(ofFile), async () => topology?.stop()]));

  const openWith = (sentinels: SentinelAddressInput, clientOptions?: SentinelOptions) => {
    const sentinel = new Sentinel(sentinels, clientOptions);
    current.clients.push(sentinel);
    return sentinel;
  };
  const started = (): LocalTopology => {
    if (topology === undefined) throw new Error('the topology fixture has not started (or failed to)');
    return topology;
  };
  return {
    get topology() {
      return started();
    },
    get startMs() {
      return startMs;
    },
    open: (clientOptions) => openWith(started().sentinelAddresses(), clientOptions),
    openWith,
    track(resource) {
      current.resources.push(resource);
      return resource;
    },
    undo(step) {
      current.undo.push(step);
    },
  };
}
