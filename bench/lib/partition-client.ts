/**
 * One client under a network partition, on a host of a namespace-mode topology (started by
 * partition-run.ts with `topology.runOnHost(host, this file, [json])`, so that every socket it
 * opens is on that host's side of the cut):
 *
 * - builds the client `variant` and runs `writers` loops that RPUSH a unique number each to
 *   `key` (one write in flight per loop, `pauseMs` between two);
 * - says `ready` once a write was acknowledged;
 * - answers `ask` (a plain one-shot client on this host: `ROLE`, `LRANGE`, `CONFIG SET` for the
 *   parent, which cannot reach the hosts' addresses from the root namespace);
 * - on `stop`, stops writing, waits for what is in flight, and sends its log: every acknowledged
 *   number with when (wall-clock ms, comparable across processes), error kinds with counts,
 *   and when the client said it learned of a new master.
 */
import { Redis } from 'ioredis';
import { Sentinel } from '../../src/index.js';
import { configFromArgv, heard, startChild, tell } from './child-side.js';
import { now, sleep, withTimeout } from './clock.js';
import { errorType } from './error-type.js';
import { type ClientName, createPeerClient, type Endpoint, type PeerClient } from './peer-clients.js';

/** The clients a partition run can compare. */
export const PARTITION_VARIANTS = [
  'ioredis',
  'ioredis-failover-detector',
  'node-redis',
  'defaults',
  'write-lease',
  'wait-for-replicas',
  /** `sentinel.redisFor(name)` (a managed ioredis client) with `writeLeaseMs`. */
  'managed-write-lease',
] as const;
export type PartitionVariant = (typeof PARTITION_VARIANTS)[number];

export interface PartitionClientConfig {
  variant: PartitionVariant;
  sentinels: Endpoint[];
  masterName: string;
  key: string;
  writers: number;
  pauseMs: number;
  writeLeaseMs: number;
  /** Bounds everything: the writers stop on their own after this long. */
  maxMs: number;
}

/** What a partition client sends back on `stop`. */
export interface PartitionClientLog {
  /** Acknowledged numbers and when (wall-clock ms), in acknowledgement order. */
  acked: number[];
  ackedAt: number[];
  /** How many writes failed, by error kind. */
  errors: Record<string, number>;
  /** When the client reported a new master (`masterChanged`; our variants only). */
  masterChangedAt: number[];
}

function ours(config: PartitionClientConfig, masterChangedAt: number[]): PeerClient {
  const sentinel = new Sentinel(config.sentinels, {
    ...(config.variant === 'write-lease' || config.variant === 'managed-write-lease'
      ? { writeLeaseMs: config.writeLeaseMs }
      : {}),
  });
  const errorEvents: Record<string, number> = {};
  sentinel.on('error', (error) => {
    const type = errorType(error);
    errorEvents[type] = (errorEvents[type] ?? 0) + 1;
  });
  sentinel.on('masterChanged', () => masterChangedAt.push(now()));
  const close = (ms: number) => withTimeout(sentinel.quit(), ms, 'quit').catch(() => sentinel.disconnect());
  if (config.variant === 'managed-write-lease') {
    const redis = sentinel.redisFor(config.masterName);
    redis.on('error', (error: unknown) => {
      const type = errorType(error);
      errorEvents[type] = (errorEvents[type] ?? 0) + 1;
    });
    return {
      write: (key, value) => redis.rpush(key, value),
      read: (key) => redis.get(key),
      close,
      events: [],
      errorEvents,
    };
  }
  const master = sentinel.masterFor(config.masterName, {
    ...(config.variant === 'wait-for-replicas' ? { waitForReplicas: { replicas: 1, timeoutMs: 200 } } : {}),
  });
  return {
    write: (key, value) => master.rpush(key, value),
    read: (key) => master.get(key),
    close,
    events: [],
    errorEvents,
  };
}

async function ask(target: Endpoint, command: string[]): Promise<unknown> {
  const client = new Redis({
    ...target,
    lazyConnect: true,
    protocol: 2,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 2000,
    disconnectTimeout: 100,
  });
  client.on('error', () => {});
  try {
    const [name, ...args] = command;
    return await client.call(name ?? 'PING', args);
  } finally {
    client.disconnect();
  }
}

startChild();
const config = configFromArgv<PartitionClientConfig>();
const masterChangedAt: number[] = [];
const isPeer =
  config.variant === 'ioredis' ||
  config.variant === 'ioredis-failover-detector' ||
  config.variant === 'node-redis';
// node-redis connects in createSentinel().connect(): bounded, so that a stuck client says so.
const client = await withTimeout(
  isPeer
    ? createPeerClient(config.variant as ClientName, config.sentinels, config.masterName)
    : Promise.resolve(ours(config, masterChangedAt)),
  20_000,
  `${config.variant}: client creation`,
);
const log: PartitionClientLog = { acked: [], ackedAt: [], errors: {}, masterChangedAt };
const deadline = now() + config.maxMs;
let next = 0;
let isRunning = true;

async function writeLoop(): Promise<void> {
  while (isRunning && now() < deadline) {
    const n = next++;
    try {
      await client.write(config.key, String(n));
      log.acked.push(n);
      log.ackedAt.push(now());
    } catch (error) {
      const type = errorType(error);
      log.errors[type] = (log.errors[type] ?? 0) + 1;
    }
    await sleep(config.pauseMs);
  }
}

const loops = Array.from({ length: config.writers }, () => writeLoop());
process.on('message', (message: { type: string; id?: number; target?: Endpoint; command?: string[] }) => {
  if (message.type !== 'ask' || !message.target || !message.command) return;
  ask(message.target, message.command).then(
    (reply) => void tell({ type: 'answer', id: message.id, reply }),
    (error: unknown) => void tell({ type: 'answer', id: message.id, error: String(error) }),
  );
});
const readyBy = now() + 20_000;
while (log.acked.length === 0) {
  if (now() > readyBy) {
    throw new Error(
      `${config.variant}: no write was acknowledged within 20 s: ${JSON.stringify(log.errors)}`,
    );
  }
  await sleep(20);
}
await tell({ type: 'ready' });
await heard('stop', config.maxMs);
isRunning = false;
process.stderr.write(`${config.variant}: stopping (${log.acked.length} acknowledged)\n`);
// A write held by the client (a lease, a failover) settles within its failoverTimeout at most.
await withTimeout(Promise.all(loops), 35_000, 'writers').catch(() => undefined);
process.stderr.write(`${config.variant}: writers stopped\n`);
await tell({ type: 'result', log: { ...log, masterChangedAt: [...masterChangedAt] } });
await client.close(2000);
// Stays to answer `ask` until the parent kills it (or goes away: startChild exits then).
