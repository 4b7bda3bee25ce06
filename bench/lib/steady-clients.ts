/**
 * The client side of the steady-state comparison: one client kind per process, built as its
 * documentation says with its defaults, and what each workload does with it. A workload is a
 * per-caller setup (untimed), an optional step before each operation (untimed) and the timed
 * operation.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { Sentinel, Session } from '../../src/index.js';
import { loadBuiltLibrary } from './built-library.js';
import { withTimeout } from './clock.js';
import type { ClientKind, SteadyClientConfig, TopologyEndpoints, Workload } from './steady-types.js';

export interface PreparedWorkload {
  /** Runs once per caller before the round's clock starts. */
  setup?(caller: number): Promise<void>;
  /** Untimed, before each timed operation (a session's write). */
  before?(caller: number, i: number): Promise<unknown>;
  op(caller: number, i: number): Promise<unknown>;
}

export interface SteadyClient {
  prepare(workload: Workload, concurrency: number): PreparedWorkload;
  close(ms: number): Promise<void>;
}

interface KeyValue {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
}

/** The key of a caller: the parent seeds them (`steady:0` …) so that GETs return a value. */
export const keyOf = (caller: number): string => `steady:${caller}`;

function onMaster(client: KeyValue): PreparedWorkload {
  // Strictly alternating per caller: every caller does SET, GET, SET, …
  return {
    op: (caller, i) => (i % 2 === 0 ? client.set(keyOf(caller), 'value') : client.get(keyOf(caller))),
  };
}

function onReplica(client: Pick<KeyValue, 'get'>): PreparedWorkload {
  return { op: (caller) => client.get(keyOf(caller)) };
}

function unsupported(kind: ClientKind, workload: Workload): never {
  throw new Error(`client "${kind}" has no workload "${workload}" (sessions are redis-sentinel-pool's)`);
}

function plainIoredis(config: SteadyClientConfig, autoPipelining: boolean): SteadyClient {
  const options = autoPipelining ? { enableAutoPipelining: true } : {};
  const master = new Redis({ ...config.main.master, ...options });
  const replica = new Redis({ ...config.main.replica, ...options });
  return {
    prepare: (workload) =>
      workload === 'master'
        ? onMaster(master)
        : workload === 'replica'
          ? onReplica(replica)
          : unsupported(config.kind, workload),
    close: async (ms) => {
      await Promise.all(
        [master, replica].map((c) => withTimeout(c.quit(), ms, 'quit').catch(() => c.disconnect())),
      );
    },
  };
}

async function nodeRedis(config: SteadyClientConfig): Promise<SteadyClient> {
  const connect = async (endpoint: TopologyEndpoints['master']) => {
    const client = createClient({ socket: { host: endpoint.host, port: endpoint.port } });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const master = await connect(config.main.master);
  const replica = await connect(config.main.replica);
  return {
    prepare: (workload) =>
      workload === 'master'
        ? onMaster(master)
        : workload === 'replica'
          ? onReplica(replica)
          : unsupported(config.kind, workload),
    close: async (ms) => {
      await Promise.all(
        [master, replica].map((c) => withTimeout(c.close(), ms, 'close').catch(() => c.destroy())),
      );
    },
  };
}

/** Sessions per caller, rebuilt for every round (a session is meant to be cheap and short). */
function sessionWorkload(sentinel: Sentinel, name: string, concurrency: number, known: boolean) {
  const sessions: Session[] = Array.from({ length: concurrency }, () => sentinel.session(name));
  const sessionOf = (caller: number) => sessions[caller]!;
  if (known) {
    return {
      // One write, then one read that makes the replica connection known to have it.
      setup: async (caller: number) => {
        await sessionOf(caller).master.set(keyOf(caller), 'value');
        await sessionOf(caller).replica.get(keyOf(caller));
      },
      op: (caller: number) => sessionOf(caller).replica.get(keyOf(caller)),
    } satisfies PreparedWorkload;
  }
  return {
    before: (caller: number, i: number) => sessionOf(caller).master.set(keyOf(caller), String(i)),
    op: (caller: number) => sessionOf(caller).replica.get(keyOf(caller)),
  } satisfies PreparedWorkload;
}

async function ours(config: SteadyClientConfig): Promise<SteadyClient> {
  const { Sentinel } = await loadBuiltLibrary();
  const main: Sentinel = new Sentinel(config.main.sentinels);
  main.on('error', () => undefined);
  const lag = config.lag ? new Sentinel(config.lag.sentinels) : undefined;
  lag?.on('error', () => undefined);
  const master = main.masterFor(config.main.masterName);
  const replica = main.replicaFor(config.main.masterName);
  return {
    prepare: (workload, concurrency) => {
      switch (workload) {
        case 'master':
          return onMaster(master);
        case 'replica':
          return onReplica(replica);
        case 'session-known':
          return sessionWorkload(main, config.main.masterName, concurrency, true);
        case 'session-rw':
          return sessionWorkload(main, config.main.masterName, concurrency, false);
        case 'session-rw-lag-one':
        case 'session-rw-lag-all':
          if (lag === undefined || config.lag === undefined) throw new Error('no lag topology configured');
          return sessionWorkload(lag, config.lag.masterName, concurrency, false);
      }
    },
    close: async (ms) => {
      await Promise.all(
        [main, lag].map((s) => s && withTimeout(s.quit(), ms, 'quit').catch(() => s.disconnect())),
      );
    },
  };
}

/** Builds the process's one client. */
export async function createSteadyClient(config: SteadyClientConfig): Promise<SteadyClient> {
  switch (config.kind) {
    case 'ours':
      return ours(config);
    case 'ioredis':
      return plainIoredis(config, false);
    case 'ioredis-autopipelining':
      return plainIoredis(config, true);
    case 'node-redis':
      return nodeRedis(config);
  }
}
