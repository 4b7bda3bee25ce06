/**
 * The clients under test, behind one shape: `write` goes to the master, `read` to a replica, each
 * as the library's documentation says to do it, with its defaults. Diagnostic events (when each
 * client says it learned of a new master, its error events) are timestamped for the report.
 */
import { Redis } from 'ioredis';
import { createSentinel } from 'redis';
import { Sentinel } from '../../src/index.js';
import { now, withTimeout } from './clock.js';
import { errorType } from './error-type.js';

export const CLIENT_NAMES = [
  'redis-sentinel-pool',
  'ioredis',
  'ioredis-failover-detector',
  'node-redis',
] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

/** How each client is built, for the report. */
export const CLIENT_LABELS: Record<ClientName, string> = {
  'redis-sentinel-pool': 'redis-sentinel-pool: masterFor() / replicaFor(), defaults',
  ioredis: "ioredis 6: new Redis({ sentinels, name }) + role: 'slave', defaults",
  'ioredis-failover-detector': 'ioredis 6: same, failoverDetector: true',
  'node-redis': 'node-redis 6: createSentinel({ name, sentinelRootNodes, replicaPoolSize: 1 })',
};

export interface Endpoint {
  host: string;
  port: number;
}

/** A timestamped fact a client reported (for the timeline in the JSON result). */
export interface ClientEvent {
  at: number;
  what: string;
}

export interface PeerClient {
  write(key: string, value: string): Promise<unknown>;
  read(key: string): Promise<unknown>;
  /** Graceful close, bounded; forced after `ms`. */
  close(ms: number): Promise<void>;
  readonly events: ClientEvent[];
  /** `error` events by kind (not rejections: what the client emitted on its own). */
  readonly errorEvents: Record<string, number>;
}

const MAX_EVENTS = 1000;

class EventLog {
  readonly events: ClientEvent[] = [];
  readonly errorEvents: Record<string, number> = {};

  note(what: string): void {
    if (this.events.length < MAX_EVENTS) this.events.push({ at: now(), what });
  }

  error(error: unknown): void {
    const type = errorType(error);
    this.errorEvents[type] = (this.errorEvents[type] ?? 0) + 1;
  }
}

function ours(sentinels: Endpoint[], masterName: string): PeerClient {
  const log = new EventLog();
  const sentinel = new Sentinel(sentinels);
  sentinel.on('error', (error) => log.error(error));
  sentinel.on('masterChanged', ({ to, sentinel: by }) =>
    log.note(`masterChanged -> :${to.port} via :${by.port}`),
  );
  sentinel.on('failoverStarted', ({ sentinel: by }) => log.note(`failoverStarted via :${by.port}`));
  const master = sentinel.masterFor(masterName);
  const replica = sentinel.replicaFor(masterName);
  return {
    write: (key, value) => master.rpush(key, value),
    read: (key) => replica.get(key),
    close: (ms) => withTimeout(sentinel.quit(), ms, 'quit').catch(() => sentinel.disconnect()),
    events: log.events,
    errorEvents: log.errorEvents,
  };
}

function ioredis(sentinels: Endpoint[], masterName: string, failoverDetector: boolean): PeerClient {
  const log = new EventLog();
  const options = { sentinels, name: masterName, ...(failoverDetector ? { failoverDetector } : {}) };
  const master = new Redis(options);
  const replica = new Redis({ ...options, role: 'slave' });
  for (const [role, client] of [
    ['master', master],
    ['replica', replica],
  ] as const) {
    client.on('error', (error) => log.error(error));
    client.on('ready', () => log.note(`${role} ready on :${client.stream?.remotePort ?? '?'}`));
    client.on('reconnecting', () => log.note(`${role} reconnecting`));
  }
  const quit = async (client: Redis, ms: number) => {
    await withTimeout(client.quit(), ms, 'quit').catch(() => client.disconnect());
  };
  return {
    write: (key, value) => master.rpush(key, value),
    read: (key) => replica.get(key),
    close: async (ms) => {
      await Promise.all([quit(master, ms), quit(replica, ms)]);
    },
    events: log.events,
    errorEvents: log.errorEvents,
  };
}

async function nodeRedis(sentinels: Endpoint[], masterName: string): Promise<PeerClient> {
  const log = new EventLog();
  const client = createSentinel({ name: masterName, sentinelRootNodes: sentinels, replicaPoolSize: 1 });
  client.on('error', (error: unknown) => log.error(error));
  client.on('topology-change', (event: { type: string; node?: Endpoint }) => {
    log.note(`topology-change ${event.type}${event.node ? ` :${event.node.port}` : ''}`);
  });
  await client.connect();
  return {
    write: (key, value) => client.rPush(key, value),
    read: (key) => client.get(key),
    close: (ms) => withTimeout(client.close(), ms, 'close').catch(() => client.destroy()),
    events: log.events,
    errorEvents: log.errorEvents,
  };
}

/** Builds a client under test; nothing else in a child touches Redis. */
export async function createPeerClient(
  name: ClientName,
  sentinels: Endpoint[],
  masterName: string,
): Promise<PeerClient> {
  switch (name) {
    case 'redis-sentinel-pool':
      return ours(sentinels, masterName);
    case 'ioredis':
      return ioredis(sentinels, masterName, false);
    case 'ioredis-failover-detector':
      return ioredis(sentinels, masterName, true);
    case 'node-redis':
      return nodeRedis(sentinels, masterName);
  }
}

export function isClientName(name: string | undefined): name is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(name ?? '');
}
