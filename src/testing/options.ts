/**
 * Options of {@link LocalTopology}: types with their defaults documented, and the one constant
 * that holds them. Checking and applying them is `resolveTopologyOptions`
 * (resolve-topology-options.ts).
 */

/** Options of `LocalTopology.start()`. Every field is optional. */
export interface LocalTopologyOptions {
  /**
   * Number of replicas started next to the master.
   * @default 2
   */
  replicas?: number;
  /**
   * Number of sentinels (at least 1).
   * @default 3
   */
  sentinels?: number;
  /**
   * Sentinel quorum (1 to `sentinels`).
   * @default 2, or `sentinels` when there are fewer
   */
  quorum?: number;
  /**
   * The master group name the sentinels monitor.
   * @default 'mymaster'
   */
  masterName?: string;
  /**
   * Sentinel `down-after-milliseconds`. Below ~1500 ms, Redis 7.0 Sentinel sometimes fails over
   * twice for one cause (10/10 runs at 250 ms, 3/42 at 1000 ms, 0/25 at 1500 ms).
   * @default 1500
   */
  downAfterMilliseconds?: number;
  /**
   * Sentinel `failover-timeout`.
   * @default 10000
   */
  failoverTimeout?: number;
  /**
   * The data nodes' `min-replicas-to-write` (0 = off).
   * @default 0
   */
  minReplicasToWrite?: number;
  /**
   * The data nodes' `min-replicas-max-lag`, in seconds.
   * @default 10
   */
  minReplicasMaxLag?: number;
  /**
   * Password of the data nodes (`requirepass`, `masterauth`; sentinels get `sentinel auth-pass`).
   * @default undefined (no AUTH)
   */
  password?: string;
  /**
   * ACL user of the data nodes, created with every right and `password` (needs `password`).
   * Replicas and sentinels authenticate as this user (`masteruser`, `sentinel auth-user`), and the
   * `default` user is switched off, so a client that forgets the username is refused.
   * @default undefined (the default user, with `password` if given)
   */
  username?: string;
  /**
   * Password of the sentinels themselves (`requirepass`, and `sentinel sentinel-pass` so that
   * they can talk to each other).
   * @default undefined (no AUTH on sentinels)
   */
  sentinelPassword?: string;
  /**
   * ACL user of the sentinels (needs `sentinelPassword`; `sentinel sentinel-user`). The sentinels'
   * `default` user is switched off.
   * @default undefined
   */
  sentinelUsername?: string;
  /**
   * The `redis-server` binary: a name looked up on PATH or a path. Checked before anything is
   * spawned; missing → `RedisServerNotFoundError`.
   * @default 'redis-server'
   */
  redisServer?: string;
  /**
   * How long `start()`, `restart()`, `restore()`, `failover()` and the waits may take, in ms.
   * @default 30000
   */
  readyTimeoutMs?: number;
  /**
   * TLS on every node: data nodes and sentinels then listen with TLS only, on the port the kit
   * reports (see {@link LocalTopologyTLS}).
   * @default undefined (plain TCP)
   */
  tls?: LocalTopologyTLS;
  /**
   * Where the nodes run. `'loopback'`: every node on 127.0.0.1. `'namespaces'`: each data node and
   * sentinel pair on a host of its own (a Linux network namespace with an address in 198.18.0.0/24,
   * joined by a switch), plus `applicationHosts` hosts for application code (`runOnHost()`), so
   * that `partition()` can cut real links. Needs Linux, root and iproute2's `ip`
   * (`NetworkNamespacesUnavailableError` otherwise); no TLS. See docs/testing.md.
   * @default 'loopback'
   */
  network?: 'loopback' | 'namespaces';
  /**
   * With `network: 'namespaces'`: how many application hosts (`app-0`, `app-1`, …) to create.
   * @default 1 (namespaces), 0 (loopback, where it must be 0)
   */
  applicationHosts?: number;
  /**
   * Extra config lines for every data node.
   * @default []
   */
  extraDataConfig?: string[];
  /**
   * Extra config lines for every sentinel.
   * @default []
   */
  extraSentinelConfig?: string[];
}

/**
 * TLS for every node of a local topology. Each node then has `port 0` (no plain TCP) and
 * `tls-port <its port>`, so the addresses the kit reports (`sentinelAddresses()`,
 * `masterAddress()`, …) are TLS ports, and `tls-replication yes`, so that replicas talk TLS to
 * their master and sentinels talk TLS to the data nodes and to each other (Sentinel announces its
 * TLS port to its peers only with `tls-replication yes`). The kit's own clients (readiness checks,
 * `failover()`, `restore()`) connect with TLS too, trusting `caFile`.
 *
 * Files are PEM and are read as they are at `start()`; the kit never writes them.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { Sentinel } from 'redis-sentinel-pool';
 * import { LocalTopology } from 'redis-sentinel-pool/testing';
 *
 * const topology = await LocalTopology.start({
 *   tls: { certFile: 'server.crt', keyFile: 'server.key', caFile: 'ca.crt' },
 * });
 * const tls = { ca: readFileSync('ca.crt') };
 * const sentinel = new Sentinel(topology.sentinelAddresses(), { sentinelTLS: tls, tls });
 * ```
 */
export interface LocalTopologyTLS {
  /**
   * The certificate every node presents (`tls-cert-file`). Node.js clients check it against the
   * address they dial, so it needs `subjectAltName = IP:127.0.0.1`. With `authClients`, nodes
   * also present it as a client certificate to each other (unless `clientCertFile` is given), so
   * its extendedKeyUsage, if any, must include clientAuth as well as serverAuth.
   */
  certFile: string;
  /** The private key of `certFile` (`tls-key-file`), unencrypted. */
  keyFile: string;
  /**
   * The CA certificate(s) that nodes and the kit's clients trust (`tls-ca-cert-file`): it must
   * have signed `certFile` and, with `authClients`, every client certificate.
   */
  caFile: string;
  /**
   * Whether nodes require a client certificate signed by `caFile` (`tls-auth-clients yes`), so
   * that your clients must pass `cert` and `key` as well as `ca`. Off by default, unlike Redis's
   * own default, so that a client needs only to trust `caFile`.
   * @default false
   */
  authClients?: boolean;
  /**
   * With `authClients`: the client certificate that nodes present to each other
   * (`tls-client-cert-file`) and that the kit's clients present.
   * @default certFile
   */
  clientCertFile?: string;
  /**
   * The private key of `clientCertFile` (`tls-client-key-file`); needed with `clientCertFile`.
   * @default keyFile
   */
  clientKeyFile?: string;
}

/** {@link LocalTopologyTLS} with its defaults applied. */
export interface ResolvedTopologyTLS {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly authClients: boolean;
  /** Undefined: `certFile` is the client certificate too. */
  readonly clientCertFile: string | undefined;
  readonly clientKeyFile: string | undefined;
}

/** The options after defaults were applied; secrets are redacted when inspected or serialized. */
export interface ResolvedTopologyOptions {
  readonly replicas: number;
  readonly sentinels: number;
  readonly quorum: number;
  readonly masterName: string;
  readonly downAfterMilliseconds: number;
  readonly failoverTimeout: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLag: number;
  readonly password: string | undefined;
  readonly username: string | undefined;
  readonly sentinelPassword: string | undefined;
  readonly sentinelUsername: string | undefined;
  readonly redisServer: string;
  readonly readyTimeoutMs: number;
  readonly tls: ResolvedTopologyTLS | undefined;
  readonly extraDataConfig: readonly string[];
  readonly extraSentinelConfig: readonly string[];
  readonly network: 'loopback' | 'namespaces';
  readonly applicationHosts: number;
}

/** Every default of {@link LocalTopologyOptions}, in one place. */
export const LOCAL_TOPOLOGY_DEFAULTS = {
  replicas: 2,
  sentinels: 3,
  quorum: 2,
  masterName: 'mymaster',
  downAfterMilliseconds: 1500,
  failoverTimeout: 10_000,
  minReplicasToWrite: 0,
  minReplicasMaxLag: 10,
  redisServer: 'redis-server',
  readyTimeoutMs: 30_000,
  network: 'loopback',
} as const;

/** Options of `failover()`. */
export interface TopologyWaitOptions {
  /**
   * How long it may take, in ms.
   * @default the topology's `readyTimeoutMs` (30000)
   */
  timeoutMs?: number;
}

/** Options of `restore()`. */
export interface RestoreOptions extends TopologyWaitOptions {
  /**
   * Do what Sentinel would do, sooner (see `restore()`); false waits for Sentinel alone (~20 s
   * after a killed or stopped master came back).
   * @default true
   */
  accelerate?: boolean;
}
