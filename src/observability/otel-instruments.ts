/**
 * The OpenTelemetry instruments, created once an SDK is registered (metrics.ts decides):
 * the database-client semantic conventions for every pool, and this library's own failover and
 * session metrics, fed from the diagnostics channels. Durations are in seconds, as the semantic
 * conventions ask.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Attributes, Meter } from '@opentelemetry/api';
import type { Address } from '../address.js';
import {
  CHANNELS,
  type FailoverMessage,
  type ObservedKind,
  type ReactionMessage,
  type SessionReadMessage,
} from './channels.js';
import type { ObservedPool, PoolProbe } from './pool-probe.js';

/** The attribute names this library adds to the semantic conventions'. */
export const ATTRIBUTES = {
  system: 'db.system.name',
  operation: 'db.operation.name',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  poolName: 'db.client.connection.pool.name',
  state: 'db.client.connection.state',
  /** The master group name. */
  group: 'redis_sentinel_pool.group',
  /** `master` or `replica`: which servers the pool or clients talk to. */
  role: 'redis_sentinel_pool.role',
  /** Session reads: `replica` or `master`. */
  servedBy: 'redis_sentinel_pool.served_by',
} as const;

/** Bucket boundaries the semantic conventions advise for `db.client.operation.duration`, in s. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/** Failover times run from milliseconds (a graceful switch) to seconds (a crash). */
const FAILOVER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function roleOf(kind: ObservedKind): 'master' | 'replica' {
  return kind === 'replicaFor' ? 'replica' : 'master';
}

function poolAttributes(pool: ObservedPool): Attributes {
  return {
    [ATTRIBUTES.system]: 'redis',
    [ATTRIBUTES.group]: pool.name,
    [ATTRIBUTES.role]: roleOf(pool.kind),
    [ATTRIBUTES.poolName]: pool.poolName,
  };
}

function withServer(attributes: Attributes, server: Address | undefined): Attributes {
  if (!server) return attributes;
  return { ...attributes, [ATTRIBUTES.serverAddress]: server.host, [ATTRIBUTES.serverPort]: server.port };
}

function groupAttributes(name: string, kind: ObservedKind): Attributes {
  return {
    [ATTRIBUTES.system]: 'redis',
    [ATTRIBUTES.group]: name,
    [ATTRIBUTES.role]: roleOf(kind),
    [ATTRIBUTES.poolName]: `${kind}("${name}")`,
  };
}

/** `host:port` (IPv6 hosts in brackets) as server attributes. */
function serverOf(address: string): Address | undefined {
  const colon = address.lastIndexOf(':');
  if (colon < 0) return undefined;
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(colon + 1)) };
}

/** The attributes of one pool's operations, by command, for the server they were made for. */
interface OperationAttributes {
  server: Address | undefined;
  byCommand: Map<string, Attributes>;
}

const operationCache = new WeakMap<ObservedPool, OperationAttributes>();
/** Bounds the cache of one pool: command names come from callers (`call('anything')`). */
const MAX_CACHED_COMMANDS = 500;

/**
 * The attributes of an operation, made once per pool, command and server: on the command path,
 * an SDK is busy enough hashing them without two new objects per command.
 */
function operationAttributes(pool: ObservedPool, command: string): Attributes {
  const server = pool.currentServer();
  let cached = operationCache.get(pool);
  if (!cached || cached.server?.host !== server?.host || cached.server?.port !== server?.port) {
    cached = { server: server && { ...server }, byCommand: new Map() };
    operationCache.set(pool, cached);
  }
  let attributes = cached.byCommand.get(command);
  if (!attributes) {
    attributes = withServer({ ...poolAttributes(pool), [ATTRIBUTES.operation]: command }, server);
    if (cached.byCommand.size < MAX_CACHED_COMMANDS) cached.byCommand.set(command, attributes);
  }
  return attributes;
}

/** Creates every instrument on `meter`, subscribes to the channels, and returns the pools' probe. */
export function attachInstruments(meter: Meter, pools: ReadonlySet<ObservedPool>): PoolProbe {
  const operationDuration = meter.createHistogram(
    'db.client.operation.duration',
    seconds(
      'Duration of database client operations (a command or a batch, retries included)',
      DURATION_BUCKETS,
    ),
  );
  const waitTime = meter.createHistogram(
    'db.client.connection.wait_time',
    seconds('The time it took to obtain a dedicated connection from the pool', DURATION_BUCKETS),
  );
  const createTime = meter.createHistogram(
    'db.client.connection.create_time',
    seconds('The time it took to create a new connection (connect, handshake, ROLE check)', DURATION_BUCKETS),
  );
  const maybeApplied = meter.createCounter('redis_sentinel_pool.writes.maybe_applied', {
    description: 'Writes that failed with maybeApplied: the server may have applied them',
    unit: '{write}',
  });
  meter
    .createObservableUpDownCounter('db.client.connection.count', {
      description:
        'The number of connections that are currently in the state described by the state attribute',
      unit: '{connection}',
    })
    .addCallback((result) => {
      for (const pool of pools) {
        const stats = pool.connectionStats();
        const attributes = poolAttributes(pool);
        result.observe(stats.idle, { ...attributes, [ATTRIBUTES.state]: 'idle' });
        result.observe(stats.used, { ...attributes, [ATTRIBUTES.state]: 'used' });
      }
    });
  meter
    .createObservableUpDownCounter('db.client.connection.pending_requests', {
      description: 'The number of commands waiting for a usable connection',
      unit: '{request}',
    })
    .addCallback((result) => {
      for (const pool of pools) result.observe(pool.connectionStats().pending, poolAttributes(pool));
    });
  subscribeLibraryMetrics(meter);
  return {
    operation(pool, outcome, command, isWrite, startedAt) {
      const attributes = operationAttributes(pool, command);
      outcome.then(
        () => operationDuration.record((performance.now() - startedAt) / 1000, attributes),
        (error: unknown) => {
          const failed = error as { name?: unknown; maybeApplied?: unknown } | undefined;
          const errorType = typeof failed?.name === 'string' ? failed.name : 'Error';
          operationDuration.record((performance.now() - startedAt) / 1000, {
            ...attributes,
            [ATTRIBUTES.errorType]: errorType,
          });
          if (isWrite && failed?.maybeApplied === true) maybeApplied.add(1, attributes);
        },
      );
    },
    connectionWait(pool, startedAt, lending) {
      lending.then(
        () => waitTime.record((performance.now() - startedAt) / 1000, poolAttributes(pool)),
        () => {},
      );
    },
    connectionCreated(pool, address, startedAt) {
      createTime.record((performance.now() - startedAt) / 1000, withServer(poolAttributes(pool), address));
    },
  };
}

/** The failover and session metrics, fed from the channels. */
function subscribeLibraryMetrics(meter: Meter): void {
  const reaction = meter.createHistogram(
    'redis_sentinel_pool.failover.reaction',
    seconds(
      'Per pool: from the first announcement of a new master to the first command answered by it',
      FAILOVER_BUCKETS,
    ),
  );
  const holdDuration = meter.createHistogram(
    'redis_sentinel_pool.failover.hold.duration',
    seconds('How long a pool held commands during a failover', FAILOVER_BUCKETS),
  );
  const heldCommands = meter.createCounter('redis_sentinel_pool.failover.held_commands', {
    description: 'Commands that waited for a failover hold to end',
    unit: '{command}',
  });
  const masterChanges = meter.createCounter('redis_sentinel_pool.master.changes', {
    description: 'Times discovery adopted a new master',
    unit: '{change}',
  });
  const sessionReads = meter.createCounter('redis_sentinel_pool.session.reads', {
    description: 'Session reads, by who served them (replica or master)',
    unit: '{read}',
  });
  const sessionWait = meter.createHistogram(
    'redis_sentinel_pool.session.wait',
    seconds(
      'How long a session read took until served, caught-up checks and retries included',
      DURATION_BUCKETS,
    ),
  );
  subscribe(CHANNELS.reaction, (message) => {
    const { name, kind, master, ms } = message as ReactionMessage;
    reaction.record(ms / 1000, withServer(groupAttributes(name, kind), serverOf(master)));
  });
  subscribe(CHANNELS.failover, (message) => {
    const { name, kind, phase, heldMs, heldCommands: count } = message as FailoverMessage;
    if (phase !== 'end') return;
    const attributes = groupAttributes(name, kind);
    if (heldMs !== undefined) holdDuration.record(heldMs / 1000, attributes);
    if (count !== undefined) heldCommands.add(count, attributes);
  });
  subscribe(CHANNELS.masterChanged, (message) => {
    const { name, to } = message as { name: string; to: string };
    const attributes = {
      [ATTRIBUTES.system]: 'redis',
      [ATTRIBUTES.group]: name,
      [ATTRIBUTES.role]: 'master',
    };
    masterChanges.add(1, withServer(attributes, serverOf(to)));
  });
  subscribe(CHANNELS.sessionRead, (message) => {
    const { name, waitedMs, servedBy } = message as SessionReadMessage;
    // The reads of `session.replica`: the role they ask for; who served them is `served_by`.
    const attributes = {
      [ATTRIBUTES.system]: 'redis',
      [ATTRIBUTES.group]: name,
      [ATTRIBUTES.role]: 'replica',
    };
    sessionReads.add(1, { ...attributes, [ATTRIBUTES.servedBy]: servedBy });
    sessionWait.record(waitedMs / 1000, attributes);
  });
}

/** Options of a histogram in seconds. */
function seconds(description: string, buckets: number[]) {
  return { description, unit: 's', advice: { explicitBucketBoundaries: buckets } };
}
