/**
 * `NamespaceNetwork`: the hosts of a namespace-mode topology, built, partitioned, healed and
 * removed. Creation removes what dead runs left behind first; an exit hook removes this run's
 * namespaces (and SIGKILLs whatever still runs in them) if the test process dies before close().
 */
import { debugFor } from '../../debug.js';
import { TopologyError } from '../../errors.js';
import { addExitHook, removeExitHook } from '../exit-hooks.js';
import {
  type HostPlan,
  type NetworkPlan,
  namespacesOf,
  planCreate,
  planHeal,
  planNetwork,
  planPartition,
  resolveGroups,
  runPrefix,
} from './network-plan.js';
import { checkNamespaceSupport, IpShell } from './network-shell.js';

const log = debugFor('testing');

/** Topologies started by this process so far: the second part of every run prefix. */
let sequence = 0;

/** A host as the kit reports it. */
export interface HostInfo {
  /** `node-<i>` (data node i and sentinel i run there) or `app-<j>`. */
  readonly name: string;
  readonly kind: 'node' | 'app';
  /** Its address in the test subnet. */
  readonly address: string;
  /** The network namespace (for `ip netns exec`). */
  readonly namespace: string;
}

/** The namespaces, veth pairs and bridges of one topology. */
export class NamespaceNetwork {
  readonly plan: NetworkPlan;
  readonly #shell: IpShell;
  readonly #exitHook = (): void => {
    for (const ns of namespacesOf(this.plan)) this.#shell.removeSync(ns);
  };
  #groups: string[][] | undefined;
  #closing: Promise<void> | undefined;

  private constructor(plan: NetworkPlan, shell: IpShell) {
    this.plan = plan;
    this.#shell = shell;
  }

  /**
   * Checks support (typed error if missing), removes namespaces of dead runs, then builds
   * `nodeHosts` + `appHosts` hosts joined by one switch. On failure removes what it made.
   * @throws NetworkNamespacesUnavailableError without Linux, root or `ip`
   */
  static async create(nodeHosts: number, appHosts: number): Promise<NamespaceNetwork> {
    const shell = new IpShell(await checkNamespaceSupport());
    await shell.removeStale();
    const network = new NamespaceNetwork(
      planNetwork(runPrefix(process.pid, sequence++), nodeHosts, appHosts),
      shell,
    );
    addExitHook(network.#exitHook);
    const startedAt = Date.now();
    try {
      await shell.runAll(planCreate(network.plan));
    } catch (error) {
      await network.close();
      throw error;
    }
    log(
      'network %s: %d hosts in %d ms',
      network.plan.prefix,
      network.plan.hosts.length,
      Date.now() - startedAt,
    );
    return network;
  }

  /** Every host: the node hosts, then the application hosts. */
  hosts(): HostInfo[] {
    return this.plan.hosts.map(({ name, kind, address, namespace }) => ({ name, kind, address, namespace }));
  }

  /** The host named `name`; throws {@link TopologyError} naming the hosts there are. */
  host(name: string): HostPlan {
    const host = this.plan.hosts.find((h) => h.name === name);
    if (host === undefined) {
      throw new TopologyError(`no host "${name}" (hosts: ${this.plan.hosts.map((h) => h.name).join(', ')})`);
    }
    return host;
  }

  /** The host of data node / sentinel number `index`. */
  nodeHost(index: number): HostPlan {
    return this.host(`node-${index}`);
  }

  /** The command and leading arguments that run a program on `host`. */
  execPrefix(host: HostPlan): [string, string[]] {
    return this.#shell.execPrefix(host.namespace);
  }

  /** The groups of the partition in force, or undefined while the network is whole. */
  get groups(): string[][] | undefined {
    return this.#groups?.map((g) => [...g]);
  }

  /**
   * Cuts the network into `groups` of host names (hosts in no group form one more group): hosts
   * in one group reach each other, and nothing crosses between groups. Replaces any partition in
   * force. Throws {@link TopologyError} for an unknown host or one named twice.
   */
  async partition(groups: readonly (readonly string[])[]): Promise<void> {
    this.#assertOpen();
    let resolved: string[][];
    try {
      resolved = resolveGroups(this.plan, groups);
    } catch (error) {
      throw new TopologyError(`partition(): ${error instanceof Error ? error.message : String(error)}`);
    }
    await this.#shell.batch(this.plan.switchNamespace, planPartition(this.plan, groups));
    this.#groups = resolved;
    log('partition %s', resolved.map((g) => `[${g.join(' ')}]`).join(' | '));
  }

  /** Joins every host again. A no-op while the network is whole. */
  async heal(): Promise<void> {
    this.#assertOpen();
    if (this.#groups === undefined) return;
    await this.#shell.batch(this.plan.switchNamespace, planHeal(this.plan));
    this.#groups = undefined;
    log('healed');
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new TopologyError(`network ${this.plan.prefix} was removed`);
  }

  /**
   * SIGKILLs whatever still runs in the namespaces, deletes them (their veth pairs and bridges go
   * with them) and removes the exit hook. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const ns of namespacesOf(this.plan)) await this.#shell.remove(ns);
      removeExitHook(this.#exitHook);
      log('network %s removed', this.plan.prefix);
    })();
    return this.#closing;
  }
}
