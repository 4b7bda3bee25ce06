/**
 * `MasterTracker`: which node the kit believes is the master, and every wait that checks it with
 * the nodes themselves (every sentinel agrees, the node says ROLE master, the topology is
 * healthy), including a whole `SENTINEL FAILOVER`. LocalTopology owns one and delegates its
 * waits to it; the tracker never starts or kills a process.
 */
import { debugFor } from '../debug.js';
import { eventually } from './eventually.js';
import { LOCALHOST } from './kit-client.js';
import type { NodeSet } from './node-set.js';
import type { NodeAddress } from './redis-process.js';
import type { SwitchRecord, SwitchWatcher } from './switch-watcher.js';
import { askMasterAddress, assertAgreedMaster, assertHealthy, type HealthAssist } from './topology-probe.js';

const log = debugFor('testing');

/** How long `failover()` waits for every sentinel to announce the switch before it gives up (soft). */
const ANNOUNCEMENTS_WAIT_MS = 3000;

/** What `failover()` did. */
export interface FailoverResult {
  /** The master before. */
  from: NodeAddress;
  /** The master every sentinel reports now. */
  to: NodeAddress;
  /** The distinct `+switch-master` seen since the failover was asked for: more than one is a double failover. */
  switches: SwitchRecord[];
}

export function sameAddress(a: NodeAddress, b: NodeAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/** Milliseconds left until `deadline` (a `Date.now()` time), at least 1. */
export function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

/** The master as last verified, and the waits that verify it. Every wait ends when `signal` aborts. */
export class MasterTracker {
  #master: NodeAddress = { host: LOCALHOST, port: 0 };
  readonly #nodes: NodeSet;
  readonly #watcher: SwitchWatcher;
  readonly #signal: AbortSignal;

  constructor(nodes: NodeSet, watcher: SwitchWatcher, signal: AbortSignal) {
    this.#nodes = nodes;
    this.#watcher = watcher;
    this.#signal = signal;
  }

  /** The master as last verified (or as started, before the first check). */
  get master(): NodeAddress {
    return { ...this.#master };
  }

  /** Sets the master the kit started: the first data node, before anything checked it. */
  started(master: NodeAddress): void {
    this.#master = { ...master };
  }

  /** One check of the master (see assertAgreedMaster); remembers it. */
  async agreed(predicate?: (master: NodeAddress) => boolean): Promise<NodeAddress> {
    const master = await assertAgreedMaster(this.#nodes, predicate);
    this.#master = { ...master };
    return master;
  }

  /** Resolves once every running sentinel reports a master that satisfies `predicate`, and it says ROLE master. */
  waitForMaster(predicate: (master: NodeAddress) => boolean, timeoutMs: number): Promise<NodeAddress> {
    return eventually(() => this.agreed(predicate), {
      timeoutMs,
      message: `every sentinel of ${this.#nodes.masterName} reports the expected master`,
      signal: this.#signal,
    });
  }

  /** Resolves once the topology is healthy (see assertHealthy), remembering its master. */
  async waitHealthy(timeoutMs: number, message: string, assist?: HealthAssist): Promise<void> {
    let lastReason = '';
    const check = async (): Promise<true> => {
      try {
        this.#master = await assertHealthy(this.#nodes, assist);
        return true;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (reason !== lastReason) log('%s: not yet: %s', message, reason);
        lastReason = reason;
        throw error;
      }
    };
    await eventually(check, { timeoutMs, intervalMs: 100, message, signal: this.#signal });
  }

  /** `SENTINEL FAILOVER` by `deadline`; see LocalTopology.failover(). */
  async failover(deadline: number): Promise<FailoverResult> {
    const from = await this.waitForMaster(() => true, remaining(deadline));
    const before = this.#watcher.records.length;
    this.#watcher.markTrigger(`SENTINEL FAILOVER of master ${from.port}`);
    await this.#askFailover(from, deadline);
    const to = await this.waitForMaster((master) => !sameAddress(master, from), remaining(deadline));
    // The leader announces last, ~1 s after the others: a failover asked of it before then is refused.
    const everySentinel = this.#nodes.runningSentinels().map((s) => `${LOCALHOST}:${s.port}`);
    const waitMs = Math.min(ANNOUNCEMENTS_WAIT_MS, remaining(deadline));
    if (!(await this.#watcher.waitUntilAnnounced({ from, to }, everySentinel, before, waitMs))) {
      log('not every sentinel announced %d -> %d within %d ms', from.port, to.port, waitMs);
    }
    const switches = this.#watcher.records.slice(before);
    if (switches.length > 1) log('failover %d -> %d caused %d switches', from.port, to.port, switches.length);
    return { from, to, switches };
  }

  /** Asks the running sentinels in turn until one accepts (Sentinel says INPROG or NOGOODSLAVE meanwhile). */
  async #askFailover(from: NodeAddress, deadline: number): Promise<void> {
    const { masterName } = this.#nodes;
    let attempt = 0;
    await eventually(
      async () => {
        const sentinels = this.#nodes.runningSentinels();
        const sentinel = sentinels[attempt++ % Math.max(1, sentinels.length)];
        if (sentinel === undefined) throw new Error('no sentinel is running');
        // An earlier attempt may have been accepted although its reply was lost.
        const current = attempt > 1 ? await askMasterAddress(sentinel, masterName) : undefined;
        if (current !== undefined && !sameAddress(current, from)) return true;
        await sentinel.ask((client) => client.call('SENTINEL', ['FAILOVER', masterName]));
        return true;
      },
      {
        timeoutMs: remaining(deadline),
        intervalMs: 100,
        message: 'a sentinel accepts SENTINEL FAILOVER',
        signal: this.#signal,
      },
    );
  }
}
