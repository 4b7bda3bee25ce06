/**
 * The processes of one local topology: launching them with their configs, finding one by address
 * or port, and closing them all. Owns the exit hook that SIGKILLs them if the test process dies
 * before `close()`. Knows nothing about Sentinel's state; LocalTopology builds on it.
 */
import { join } from 'node:path';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { debugFor } from '../debug.js';
import { TopologyError } from '../errors.js';
import { addExitHook, removeExitHook } from './exit-hooks.js';
import { type Credentials, LOCALHOST } from './kit-client.js';
import { dataNodeConfig, sentinelConfig } from './node-config.js';
import type { ResolvedTopologyOptions } from './options.js';
import { type NodeAddress, type NodeKind, RedisProcess } from './redis-process.js';
import type { TopologyNodes } from './topology-probe.js';

const log = debugFor('testing');

/**
 * Namespace mode: where node number `index` of a kind runs (data node i and sentinel i share
 * host i): the host's address and the command prefix that runs a program there.
 */
export type NodePlacement = (index: number) => { host: string; runVia: [string, string[]] };

/** The processes of one topology, in start order. */
export class NodeSet implements TopologyNodes {
  readonly masterName: string;
  readonly data: RedisProcess[] = [];
  readonly sentinels: RedisProcess[] = [];
  readonly dataCredentials: Credentials;
  readonly sentinelCredentials: Credentials;
  readonly #options: ResolvedTopologyOptions;
  readonly #binary: string;
  readonly #placement: NodePlacement | undefined;
  readonly #takenPorts = new Set<number>();
  readonly #exitHook = (): void => this.#killAllSync();
  #closing: Promise<void> | undefined;

  /**
   * @param tls the kit's clients' TLS options (see readClientTLS); undefined without TLS
   * @param placement namespace mode: the host of each node; undefined: all on 127.0.0.1
   */
  constructor(
    options: ResolvedTopologyOptions,
    binary: string,
    tls: TlsOptions | undefined,
    placement?: NodePlacement,
  ) {
    this.#options = options;
    this.#binary = binary;
    this.#placement = placement;
    this.masterName = options.masterName;
    this.dataCredentials = { username: options.username, password: options.password, tls };
    this.sentinelCredentials = {
      username: options.sentinelUsername,
      password: options.sentinelPassword,
      tls,
    };
    addExitHook(this.#exitHook);
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /** Every process, data nodes first. */
  all(): RedisProcess[] {
    return [...this.data, ...this.sentinels];
  }

  /** The sentinels that can answer (running and not stopped). */
  runningSentinels(): RedisProcess[] {
    return this.sentinels.filter((s) => s.isRunning && !s.isStopped);
  }

  /** The process at an address or port; throws {@link TopologyError} for a node not ours. */
  find(node: NodeAddress | number): RedisProcess {
    const port = typeof node === 'number' ? node : node.port;
    const found = this.all().find((p) => p.port === port);
    const host = typeof node === 'number' ? (found?.host ?? LOCALHOST) : node.host;
    if (found === undefined || host !== found.host) {
      throw new TopologyError(`${host}:${port} is not a node of ${this}`);
    }
    return found;
  }

  /**
   * Launches `count` nodes of a kind in parallel (replicas of / sentinels monitoring `master`);
   * keeps every one that started, even if another failed.
   */
  async launch(
    count: number,
    kind: NodeKind,
    master: NodeAddress | undefined,
    timeoutMs: number,
  ): Promise<void> {
    if (this.isClosed) throw new TopologyError(`${this} is stopped`);
    const o = this.#options;
    const first = (kind === 'data' ? this.data : this.sentinels).length;
    const masterPort = master?.port;
    const masterHost = master?.host;
    const settled = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => {
        const placed = this.#placement?.(first + i);
        return RedisProcess.launch({
          binary: this.#binary,
          kind,
          host: placed?.host,
          runVia: placed?.runVia,
          takenPorts: this.#takenPorts,
          credentials: kind === 'data' ? this.dataCredentials : this.sentinelCredentials,
          secrets: [o.password, o.sentinelPassword].filter((s): s is string => s !== undefined),
          timeoutMs,
          config: (port, dir) => {
            const where = placed && { host: placed.host, unixSocket: join(dir, 'redis.sock') };
            return kind === 'data'
              ? dataNodeConfig({
                  ...o,
                  ...where,
                  port,
                  dir,
                  masterPort,
                  masterHost,
                  extra: o.extraDataConfig,
                })
              : sentinelConfig({
                  ...o,
                  ...where,
                  port,
                  dir,
                  masterPort: masterPort ?? 0,
                  masterHost,
                  extra: o.extraSentinelConfig,
                });
          },
        });
      }),
    );
    const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    (kind === 'data' ? this.data : this.sentinels).push(...started);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /**
   * SIGKILLs every process (SIGCONT first for stopped ones), waits until each exited, removes the
   * temp dirs and the exit hook. Idempotent; no process can be spawned afterwards.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const all = this.all();
    const killed = await Promise.allSettled(all.map((node) => node.close()));
    await Promise.allSettled(all.map((node) => node.remove()));
    removeExitHook(this.#exitHook);
    const failure = killed.find((k): k is PromiseRejectedResult => k.status === 'rejected');
    if (failure) throw new TopologyError(`${this} did not stop cleanly`, { cause: failure.reason });
    log('%s stopped', this);
  }

  #killAllSync(): void {
    for (const node of this.all()) node.killSync();
    for (const node of this.all()) node.removeSync();
  }

  toString(): string {
    const ports = (nodes: RedisProcess[]) => nodes.map((n) => n.port).join(',');
    return `${this.masterName} (data :${ports(this.data)}, sentinels :${ports(this.sentinels)})`;
  }
}
