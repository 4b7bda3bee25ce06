/**
 * The vocabulary of the steady-state comparison (bench/steady-state.ts): which clients, which
 * workloads, what a parent asks a client process and what it answers. Leaf module: imports
 * nothing of ours but the Endpoint type.
 */
import type { Endpoint } from './peer-clients.js';

/** The clients compared; each runs in a child process of its own (bench/steady-client.ts). */
export const CLIENT_KINDS = ['ours', 'ioredis', 'ioredis-autopipelining', 'node-redis'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];
/** The peers "ours" is compared with: the best of them, round by round. */
export const PEER_KINDS = ['ioredis', 'ioredis-autopipelining', 'node-redis'] as const;

export const CLIENT_KIND_LABELS: Record<ClientKind, string> = {
  ours: 'redis-sentinel-pool: masterFor() / replicaFor() / session(), defaults',
  ioredis: 'ioredis: new Redis({ host, port }) straight to the node, defaults',
  'ioredis-autopipelining': 'ioredis: same, enableAutoPipelining: true',
  'node-redis': 'node-redis 6: createClient({ socket: { host, port } }) straight to the node, defaults',
};

/** Short names for table headers. */
export const CLIENT_KIND_SHORT: Record<ClientKind, string> = {
  ours: 'ours',
  ioredis: 'plain ioredis',
  'ioredis-autopipelining': 'ioredis autopipelining',
  'node-redis': 'node-redis 6',
};

export const WORKLOADS = [
  'master',
  'replica',
  'session-known',
  'session-rw',
  'session-rw-lag-one',
  'session-rw-lag-all',
] as const;
export type Workload = (typeof WORKLOADS)[number];

export const WORKLOAD_LABELS: Record<Workload, string> = {
  master: 'alternating SET/GET on the master (ours: masterFor())',
  replica: 'GET on a replica (ours: replicaFor())',
  'session-known':
    'session read from a replica already known to have the session write (each caller: one session, one write and one read before the timed reads)',
  'session-rw': 'session write then session read, replicas caught up (only the read is timed)',
  'session-rw-lag-one':
    'session write then session read, one of two replicas lagging (CLIENT PAUSE WRITE on it: replication stops, reads are served)',
  'session-rw-lag-all':
    'session write then session read, every replica lagging (the read waits the session timeoutMs, then reads the master)',
};

/** The workloads every client runs; the others (sessions) only "ours" has. */
export const SHARED_WORKLOADS: readonly Workload[] = ['master', 'replica'];

/** Which topology a workload runs on: "lag" has two replicas, so that one of them can lag. */
export function topologyOf(workload: Workload): 'main' | 'lag' {
  return workload === 'session-rw-lag-one' || workload === 'session-rw-lag-all' ? 'lag' : 'main';
}

/** The clients that run a workload, in the order of `kinds`. */
export function clientsFor(workload: Workload, kinds: readonly ClientKind[]): ClientKind[] {
  return SHARED_WORKLOADS.includes(workload) ? [...kinds] : kinds.filter((k) => k === 'ours');
}

export interface TopologyEndpoints {
  sentinels: Endpoint[];
  masterName: string;
  master: Endpoint;
  /** The replica the plain clients read from. */
  replica: Endpoint;
}

/** The argument of a client process. */
export interface SteadyClientConfig {
  kind: ClientKind;
  main: TopologyEndpoints;
  /** Present when a lag workload runs (only "ours" uses it). */
  lag?: TopologyEndpoints;
  /** Callers in the warm-up round of each workload. */
  warmupConcurrency: number;
  warmupMs: number;
  workloads: Workload[];
  /** Latencies kept per round (a bound on the round, too). */
  maxOpsPerRound: number;
}

/** Parent → child: run one round, or quit. */
export interface RoundOrder {
  type: 'order';
  action: 'round' | 'stop';
  workload?: Workload;
  concurrency?: number;
  ms?: number;
}

/** Child → parent: one round's figures, measured in the child. */
export interface RoundFigures {
  ops: number;
  ms: number;
  /** process.cpuUsage() of the client process over the round (user + system). */
  cpuMicros: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  firstError?: string;
}

/** One measured round of one client, as the parent records it. */
export interface SteadySample extends RoundFigures {
  round: number;
  workload: Workload;
  concurrency: number;
  client: ClientKind;
}

export interface SteadySettings {
  roundMs: number;
  rounds: number;
  concurrency: number[];
  maxOpsPerRound: number;
  warmupMs: number;
  workloads: Workload[];
  clients: ClientKind[];
}

/** The machine the run was on (numbers from a loaded machine are not comparable). */
export interface SteadyHost {
  cpu: string;
  loadAverage: { start: number[]; end: number[] };
  node: string;
  redis: string;
  ioredis: string;
  nodeRedis: string;
}

export interface SteadyResult {
  settings: SteadySettings;
  host: SteadyHost;
  samples: SteadySample[];
}
