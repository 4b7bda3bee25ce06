/**
 * `LocalTopology`: a real master, replicas and sentinels on 127.0.0.1 for tests and demos.
 *
 * Every wait is on a condition the kit checks by asking the nodes (ROLE, SENTINEL …), bounded by
 * `readyTimeoutMs`; there is no fixed sleep. Nodes run from temp dirs that `stop()` removes; an
 * exit hook SIGKILLs whatever still runs if the test process dies first.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { inspect } from 'node:util';
import { debugFor, redact } from '../debug.js';
import { TopologyError } from '../errors.js';
import { eventually } from './eventually.js';
import { readClientTLS } from './kit-client.js';
import { type FailoverResult, MasterTracker, remaining, sameAddress } from './master-tracker.js';
import {
  type HostInfo,
  type HostProcess,
  loopbackOnly,
  type RunOnHostOptions,
  TopologyHosts,
} from './netns/topology-hosts.js';
import { NodeSet } from './node-set.js';
import type {
  LocalTopologyOptions,
  ResolvedTopologyOptions,
  RestoreOptions,
  TopologyWaitOptions,
} from './options.js';
import { findRedisServer, type NodeAddress, type RedisProcess, type Signal } from './redis-process.js';
import { resolveTopologyOptions } from './resolve-topology-options.js';
import { RestoreAssist } from './restore-assist.js';
import { type SwitchRecord, SwitchWatcher } from './switch-watcher.js';
import { askMasterAddress, assertReplicaOf } from './topology-probe.js';

export type { FailoverResult } from './master-tracker.js';
export type { HostInfo, HostProcess, RunOnHostOptions } from './netns/topology-hosts.js';
export type { NodeAddress, Signal } from './redis-process.js';
export type { SwitchRecord } from './switch-watcher.js';

const log = debugFor('testing');

/**
 * A master, replicas and sentinels running on 127.0.0.1 at free ports.
 *
 * @example
 * ```ts
 * const topology = await LocalTopology.start({ replicas: 2, sentinels: 3 });
 * try {
 *   const old = topology.masterAddress();
 *   await topology.kill(old);
 *   const next = await topology.waitForFailover(old);
 *   await topology.restore();
 * } finally {
 *   await topology.stop();
 * }
 * ```
 */
export class LocalTopology {
  /** The master group name the sentinels monitor. @default 'mymaster' */
  readonly masterName: string;
  /** The options with defaults applied (passwords are redacted when inspected or serialized). */
  readonly options: ResolvedTopologyOptions;
  readonly #nodes: NodeSet;
  readonly #watcher: SwitchWatcher;
  /** Aborted by stop(): waits still running end at once instead of at their deadline. */
  readonly #stopped = new AbortController();
  readonly #tracker: MasterTracker;
  /** Namespace mode only: the hosts, the network and the processes run on hosts. */
  readonly #hosts: TopologyHosts | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(
    options: ResolvedTopologyOptions,
    binary: string,
    tls: TlsOptions | undefined,
    hosts: TopologyHosts | undefined,
  ) {
    this.options = options;
    this.masterName = options.masterName;
    this.#hosts = hosts;
    this.#nodes = new NodeSet(options, binary, tls, hosts?.placement);
    const windowMs = options.downAfterMilliseconds + options.failoverTimeout;
    this.#watcher = new SwitchWatcher(options.masterName, this.#nodes.sentinelCredentials, windowMs);
    this.#tracker = new MasterTracker(this.#nodes, this.#watcher, this.#stopped.signal);
  }

  /**
   * Starts a master, `replicas` replicas and `sentinels` sentinels, and resolves once every
   * sentinel agrees on the master and sees every replica (link up) and every other sentinel.
   * Checks the binary (and the `tls` files) before spawning anything. On failure everything
   * started is stopped.
   * With `network: 'namespaces'`, builds the hosts first (removing what dead runs left).
   * @throws RedisServerNotFoundError when the binary is missing
   * @throws NetworkNamespacesUnavailableError in namespace mode without Linux, root or `ip`
   * @throws TopologyError when a `tls` file cannot be read, or a node fails to start (with its
   *   last log lines) or in time
   */
  static async start(options: LocalTopologyOptions = {}): Promise<LocalTopology> {
    const resolved = resolveTopologyOptions(options);
    const binary = await findRedisServer(resolved.redisServer);
    const tls = resolved.tls && (await readClientTLS(resolved.tls));
    const r = resolved;
    const hosts =
      r.network === 'namespaces'
        ? await TopologyHosts.create(r.replicas + 1, r.sentinels, r.applicationHosts)
        : undefined;
    const topology = new LocalTopology(resolved, binary, tls, hosts);
    const startedAt = Date.now();
    try {
      await topology.#launch(startedAt + resolved.readyTimeoutMs);
    } catch (error) {
      await topology.stop().catch((stopError: unknown) => log('stop after failed start: %O', stopError));
      throw error;
    }
    log('%s ready in %d ms', topology, Date.now() - startedAt);
    return topology;
  }

  async #launch(deadline: number): Promise<void> {
    const nodes = this.#nodes;
    await nodes.launch(1, 'data', undefined, remaining(deadline));
    const master = nodes.data[0]!.address;
    this.#tracker.started(master);
    await nodes.launch(this.options.replicas, 'data', master, remaining(deadline));
    // Sentinels come last: one that meets a replica still syncing waits for its next INFO (10 s).
    await eventually(() => Promise.all(this.#replicas().map((r) => assertReplicaOf(r, master.port))), {
      timeoutMs: remaining(deadline),
      intervalMs: 10,
      message: 'replicas in sync with the master',
      signal: this.#stopped.signal,
    });
    await nodes.launch(this.options.sentinels, 'sentinel', master, remaining(deadline));
    await Promise.all(nodes.sentinels.map((s) => this.#watcher.watch(s.port, s.socketPath)));
    await this.#tracker.waitHealthy(remaining(deadline), 'sentinels agree on the new topology');
  }

  #replicas(): RedisProcess[] {
    const { port } = this.#tracker.master;
    return this.#nodes.data.filter((d) => d.port !== port);
  }

  /** The process of a node of ours, unless the topology was stopped. */
  #node(node: NodeAddress | number): RedisProcess {
    if (this.#nodes.isClosed) throw new TopologyError(`${this} is stopped`);
    return this.#nodes.find(node);
  }

  /** Every sentinel started, in start order (running or not). */
  sentinelAddresses(): NodeAddress[] {
    return this.#nodes.sentinels.map((s) => s.address);
  }

  /** Every data node (master and replicas, running or not). */
  dataAddresses(): NodeAddress[] {
    return this.#nodes.data.map((d) => d.address);
  }

  /** The master as the kit last verified it (at start, and in every wait, failover or restore). */
  masterAddress(): NodeAddress {
    return this.#tracker.master;
  }

  /** Every data node that is not {@link masterAddress} (running or not). */
  replicaAddresses(): NodeAddress[] {
    return this.#replicas().map((r) => r.address);
  }

  /** The PID of a node, by address or port; `undefined` when it is not running (or not ours). */
  pidOf(node: NodeAddress | number): number | undefined {
    try {
      return this.#nodes.find(node).pid;
    } catch {
      return undefined;
    }
  }

  /** Every distinct `+switch-master` seen since start, oldest first. */
  switches(): SwitchRecord[] {
    return this.#watcher.records;
  }

  /** How many switches were double failovers (one cause, two failovers); 0 on a healthy run. */
  get doubleFailoverCount(): number {
    return this.#watcher.doubleFailoverCount;
  }

  /**
   * Sends a signal to a node. SIGKILL and SIGTERM resolve once the process exited (a no-op on a
   * node that is not running); SIGSTOP and SIGCONT just send it.
   * @param signal @default 'SIGKILL'
   */
  async kill(node: NodeAddress | number, signal: Signal = 'SIGKILL'): Promise<void> {
    const target = this.#node(node);
    if ((signal === 'SIGSTOP' || signal === 'SIGCONT') && !target.isRunning) {
      throw new TopologyError(`cannot send ${signal} to ${target}: it is not running`);
    }
    if (target.port === this.#tracker.master.port && signal !== 'SIGCONT' && target.isRunning) {
      this.#watcher.markTrigger(`${signal} to master ${target}`);
    }
    await target.signal(signal, this.options.readyTimeoutMs);
  }

  /**
   * Starts a killed node again, on the same port, with its config file (which Redis may have
   * rewritten). A data node that is not the master then is waited for until it is a replica of
   * it with its link up (Sentinel converts a restarted old master: up to ~10 s); a sentinel until
   * it reports a master.
   */
  async restart(node: NodeAddress | number): Promise<void> {
    const target = this.#node(node);
    if (target.isRunning) throw new TopologyError(`${target} is still running: kill it before restart`);
    const deadline = Date.now() + this.options.readyTimeoutMs;
    await target.spawn(remaining(deadline));
    if (target.kind === 'sentinel') {
      await eventually(() => askMasterAddress(target, this.masterName).then((m) => m !== undefined), {
        timeoutMs: remaining(deadline),
        message: `restarted ${target} reports a master`,
        signal: this.#stopped.signal,
      });
      return;
    }
    await eventually(
      async () => {
        const master = await this.#tracker.agreed();
        if (master.port !== target.port) await assertReplicaOf(target, master.port);
        return true;
      },
      {
        timeoutMs: remaining(deadline),
        intervalMs: 100,
        message: `restarted ${target} rejoins as a replica`,
        signal: this.#stopped.signal,
      },
    );
  }

  /**
   * Resolves once every running sentinel reports a master that satisfies `predicate` and that
   * node says ROLE master.
   * @param timeoutMs @default the topology's `readyTimeoutMs` (30000)
   */
  waitForMaster(predicate: (master: NodeAddress) => boolean, timeoutMs?: number): Promise<NodeAddress> {
    return this.#tracker.waitForMaster(predicate, timeoutMs ?? this.options.readyTimeoutMs);
  }

  /**
   * Resolves with the new master once every running sentinel reports one other than `from`.
   * @param timeoutMs @default the topology's `readyTimeoutMs` (30000)
   */
  waitForFailover(from: NodeAddress, timeoutMs?: number): Promise<NodeAddress> {
    return this.waitForMaster((master) => !sameAddress(master, from), timeoutMs);
  }

  /**
   * Runs `SENTINEL FAILOVER` (retried while Sentinel says INPROG or NOGOODSLAVE) and resolves once
   * every running sentinel reports the new master, it says ROLE master, and (for up to 3 s) every
   * sentinel has announced the switch. `switches` shows a double failover if one happened.
   */
  async failover(options: TopologyWaitOptions = {}): Promise<FailoverResult> {
    const deadline = Date.now() + (options.timeoutMs ?? this.options.readyTimeoutMs);
    if (this.#nodes.isClosed) throw new TopologyError(`${this} is stopped`);
    return this.#tracker.failover(deadline);
  }

  /**
   * Brings the topology back between tests: SIGCONT to stopped nodes, restarts killed ones, and
   * waits until every sentinel agrees on one master, sees every other data node as a healthy
   * replica of it (flags, role, master-link-status ok) and every other sentinel.
   *
   * Left alone, Sentinel takes ~20 s to turn a returning old master into a replica and to notice
   * its link is up. Unless `accelerate` is false, restore() does what Sentinel would, sooner,
   * once every sentinel agrees on the master: it restarts a killed data node as a replica of that
   * master, points a stray one at it (REPLICAOF), and restarts a sentinel that still does not
   * list a replica or saw it in another role 0.5 s after the data nodes are fine (it then asks
   * every node INFO at once instead of at its next INFO, up to 10 s later).
   */
  async restore(options: RestoreOptions = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? this.options.readyTimeoutMs);
    const isAccelerated = options.accelerate ?? true;
    if (this.#nodes.isClosed) throw new TopologyError(`${this} is stopped`);
    for (const node of this.#nodes.all()) if (node.isStopped) await node.signal('SIGCONT');
    // Sentinels first: they know where the master is now.
    const sentinels = this.#nodes.sentinels.filter((s) => !s.isRunning);
    await Promise.all(sentinels.map((s) => s.spawn(remaining(deadline))));
    const killed = this.#nodes.data.filter((d) => !d.isRunning);
    const master =
      isAccelerated && killed.length > 0 ? await this.#tracker.agreed().catch(() => undefined) : undefined;
    await Promise.all(
      killed.map(async (node) => {
        if (master !== undefined && master.port !== node.port) await node.setReplicaOf(master);
        await node.spawn(remaining(deadline));
      }),
    );
    const assist = isAccelerated ? new RestoreAssist(deadline) : undefined;
    await this.#tracker.waitHealthy(remaining(deadline), 'topology restored', assist);
  }

  /** Namespace mode: every host (`node-<i>` runs data node i and sentinel i; `app-<j>`). */
  hosts(): HostInfo[] {
    return this.#namespaces('hosts()').network.hosts();
  }

  /** Namespace mode: the name of the host a node runs on (e.g. of `masterAddress()`). */
  hostOf(node: NodeAddress | number): string {
    const hosts = this.#namespaces('hostOf()');
    return hosts.hostNameOf(this.#node(node).host);
  }

  /**
   * Namespace mode: cuts the network into `groups` of host names; hosts in no group form one more
   * group. Nothing crosses between groups (packets are dropped: no reset, no ICMP) until
   * {@link heal}. Replaces a partition in force. Resolves once applied (milliseconds).
   * @example `await topology.partition([[topology.hostOf(topology.masterAddress()), 'app-0']])`
   */
  partition(groups: readonly (readonly string[])[]): Promise<void> {
    return this.#namespaces('partition()').network.partition(groups);
  }

  /** Namespace mode: joins every host again (a no-op on a whole network). */
  heal(): Promise<void> {
    return this.#namespaces('heal()').network.heal();
  }

  /**
   * Namespace mode: runs `node [execArgv] script ...args` on `host`, with an IPC channel; every
   * socket it opens is on that host. `stop()` kills it if it still runs.
   */
  runOnHost(
    host: string,
    script: string,
    args: readonly string[] = [],
    options: RunOnHostOptions = {},
  ): HostProcess {
    if (this.#nodes.isClosed) throw new TopologyError(`${this} is stopped`);
    return this.#namespaces('runOnHost()').run(host, script, args, options);
  }

  #namespaces(method: string): TopologyHosts {
    if (this.#hosts === undefined) throw loopbackOnly(method);
    return this.#hosts;
  }

  /**
   * SIGKILLs every process it started (SIGCONT first for stopped ones), waits until each exited,
   * and removes the temp dirs and the exit hook; in namespace mode then every process on a host
   * and every namespace. Idempotent; the topology cannot be used after.
   */
  stop(): Promise<void> {
    this.#stopped.abort(new TopologyError(`${this} was stopped`));
    this.#stopping ??= this.#watcher
      .close()
      .then(() => this.#nodes.close())
      .finally(() => this.#hosts?.close());
    return this.#stopping;
  }

  /** E.g. `LocalTopology(mymaster: master :7001, data :7001,7002, sentinels :26001)`; no secret. */
  toString(): string {
    const ports = (nodes: RedisProcess[]) => nodes.map((n) => n.port).join(',');
    const { data, sentinels } = this.#nodes;
    return `LocalTopology(${this.masterName}: master :${this.#tracker.master.port}, data :${ports(data)}, sentinels :${ports(sentinels)})`;
  }

  [inspect.custom](): unknown {
    return {
      masterName: this.masterName,
      master: this.#tracker.master,
      dataNodes: this.dataAddresses(),
      sentinels: this.sentinelAddresses(),
      options: redact({ ...this.options }),
    };
  }
}
