/**
 * `TopologyHosts`: what namespace mode adds to a `LocalTopology`: its network, where each node
 * runs, and the application processes started on hosts. LocalTopology delegates its `hosts()`,
 * `hostOf()`, `partition()`, `heal()` and `runOnHost()` here; in loopback mode it has none and
 * those throw a {@link TopologyError} saying so.
 */
import { TopologyError } from '../../errors.js';
import { addExitHook, removeExitHook } from '../exit-hooks.js';
import type { NodePlacement } from '../node-set.js';
import { assertScript, HostProcess, type RunOnHostOptions } from './host-process.js';
import { type HostInfo, NamespaceNetwork } from './namespace-network.js';

/** The network and host processes of one namespace-mode topology. */
export class TopologyHosts {
  readonly network: NamespaceNetwork;
  readonly #processes = new Set<HostProcess>();
  readonly #exitHook = (): void => {
    for (const p of this.#processes) p.killSync();
  };

  private constructor(network: NamespaceNetwork) {
    this.network = network;
  }

  /**
   * Builds the network: one host per data node / sentinel pair (`max(data nodes, sentinels)`),
   * plus `appHosts`.
   * @throws NetworkNamespacesUnavailableError without Linux, root or `ip`
   */
  static async create(dataNodes: number, sentinels: number, appHosts: number): Promise<TopologyHosts> {
    const network = await NamespaceNetwork.create(Math.max(dataNodes, sentinels), appHosts);
    const hosts = new TopologyHosts(network);
    addExitHook(hosts.#exitHook);
    return hosts;
  }

  /** Data node i and sentinel i run on host `node-<i>`. */
  readonly placement: NodePlacement = (index) => {
    const host = this.network.nodeHost(index);
    return { host: host.address, runVia: this.network.execPrefix(host) };
  };

  /** The name of the host with address `address`. */
  hostNameOf(address: string): string {
    const host = this.network.plan.hosts.find((h) => h.address === address);
    if (host === undefined) throw new TopologyError(`no host has address ${address}`);
    return host.name;
  }

  /** Starts `node [execArgv] script ...args` on `host`; stop() kills it. */
  run(host: string, script: string, args: readonly string[], options: RunOnHostOptions): HostProcess {
    assertScript(script);
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      throw new TopologyError('runOnHost(): args must be an array of strings');
    }
    const plan = this.network.host(host);
    const started = new HostProcess(host, this.network.execPrefix(plan), script, args, options);
    this.#processes.add(started);
    void started.exited.then(() => this.#processes.delete(started));
    return started;
  }

  /** Kills every host process (by PID), then removes the network. Idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.#processes].map((p) => p.kill()));
    removeExitHook(this.#exitHook);
    await this.network.close();
  }
}

/** The error of a namespace-only method called on a loopback topology. */
export function loopbackOnly(method: string): TopologyError {
  return new TopologyError(`${method} needs a topology started with network: 'namespaces'`);
}

export type { HostInfo, HostProcess, RunOnHostOptions };
