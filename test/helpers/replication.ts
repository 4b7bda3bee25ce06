/**
 * Tools that make replication lag or break for read-your-writes and durable-write tests and the
 * benchmark, on a real LocalTopology, plus a plain ioredis client to ask the servers what they saw.
 *
 * - `pauseReplication(replica, ms)`: `CLIENT PAUSE <ms> WRITE` on a replica. Redis 7.0 then stops
 *   applying the replication stream (the master link is paused with writes) while reads are still
 *   served at once: a replica that answers, and answers stale. Measured: a GET 0.2 ms after a
 *   write on the master returned the old value and ROLE showed the old offset.
 * - `detachReplica(replica)`: its link to the master broken and kept down (`masterauth` set to a
 *   wrong password, then `CLIENT KILL TYPE master`: the handshake fails at AUTH). ROLE then says
 *   `connect`/`handshake` with offset -1, and the replica still serves its old data.
 * - {@link BackgroundWriter}: large values written in a loop, so that the replication stream
 *   carries megabytes and small writes queue behind them.
 * - {@link Hiccups}: SIGSTOP then SIGCONT of a replica for a few milliseconds, over and over.
 *   Reads routed to a stopped replica wait until SIGCONT.
 *
 * Every loop is bounded in count and time and stops on `stop()`.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { eventually, type LocalTopology, type NodeAddress } from '../../src/testing/index.js';

/** A plain ioredis client to one node (RESP2, no retries, 2 s timeouts); close it with {@link closePlain}. */
export function openPlain(address: NodeAddress): Redis {
  const client = new Redis({
    host: address.host,
    port: address.port,
    protocol: 2,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
    commandTimeout: 2000,
    disconnectTimeout: 100,
  });
  client.on('error', () => {});
  return client;
}

/** Closes a client from {@link openPlain} and waits until its socket is gone. */
export async function closePlain(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = once(client, 'end');
  client.disconnect();
  await ended;
}

/** Runs `fn` with a short-lived plain client to `address`, always closed after. */
export async function onNode<T>(address: NodeAddress, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = openPlain(address);
  try {
    return await fn(client);
  } finally {
    await closePlain(client);
  }
}

/** How often each command in `commands` ran on the node (`INFO commandstats` calls); 0 if never. */
export async function commandCalls(
  address: NodeAddress,
  ...commands: string[]
): Promise<Record<string, number>> {
  const info = await onNode(address, (c) => c.info('commandstats'));
  const calls: Record<string, number> = {};
  for (const command of commands) {
    const match = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, 'm').exec(info);
    calls[command] = match ? Number(match[1]) : 0;
  }
  return calls;
}

/** `ROLE` of a node, as Redis sends it. */
export async function roleReply(address: NodeAddress): Promise<unknown[]> {
  return (await onNode(address, (c) => c.call('ROLE'))) as unknown[];
}

/**
 * Stops the replica from applying the replication stream for `ms` while it keeps serving reads
 * (`CLIENT PAUSE <ms> WRITE`). Undo early with {@link unpause}.
 */
export async function pauseReplication(replica: NodeAddress, ms: number): Promise<void> {
  await onNode(replica, (c) => c.call('CLIENT', 'PAUSE', String(ms), 'WRITE'));
}

/** Ends a {@link pauseReplication} pause now. */
export async function unpause(replica: NodeAddress): Promise<void> {
  await onNode(replica, (c) => c.call('CLIENT', 'UNPAUSE'));
}

/**
 * Breaks the replica's link to its master and keeps it down until {@link reattachReplica}:
 * resolves once ROLE reports the link down (offset -1).
 */
export async function detachReplica(replica: NodeAddress): Promise<void> {
  await onNode(replica, async (c) => {
    await c.config('SET', 'masterauth', 'not-the-password');
    await c.call('CLIENT', 'KILL', 'TYPE', 'master');
  });
  await eventually(
    async () => {
      const role = await roleReply(replica);
      return role[3] !== 'connected' && Number(role[4]) === -1;
    },
    { timeoutMs: 5000, intervalMs: 10, message: `replica ${replica.port} reports its link down` },
  );
}

/** Undoes {@link detachReplica}: resolves once the replica's link is up again. */
export async function reattachReplica(replica: NodeAddress): Promise<void> {
  await onNode(replica, (c) => c.config('SET', 'masterauth', ''));
  await eventually(async () => (await roleReply(replica))[3] === 'connected', {
    timeoutMs: 10_000,
    intervalMs: 20,
    message: `replica ${replica.port} reconnects to its master`,
  });
}

/** Options of {@link BackgroundWriter.start}. */
export interface BackgroundWriterOptions {
  /** Size of each value, in bytes. @default 256 KiB */
  valueBytes?: number;
  /** Concurrent writing loops. @default 2 */
  writers?: number;
  /** Distinct keys written in turn (bounds the memory used). @default 8 */
  keys?: number;
  /** Stop after this many writes. @default 100_000 */
  maxWrites?: number;
  /** Stop after this long, in ms. @default 120_000 */
  maxMs?: number;
}

/** Writes large values to the master in a loop, through its own plain client. */
export class BackgroundWriter {
  /** Writes acknowledged. */
  writes = 0;
  /** Errors (the loop goes on after one, 10 ms later). */
  errors = 0;
  private isStopped = false;
  private readonly done: Promise<void>;

  private constructor(
    private readonly client: Redis,
    options: Required<BackgroundWriterOptions>,
  ) {
    const value = Buffer.alloc(options.valueBytes, 'x');
    const deadline = performance.now() + options.maxMs;
    let next = 0;
    const loop = async () => {
      while (!this.isStopped && next < options.maxWrites && performance.now() < deadline) {
        const key = `bg:${next++ % options.keys}`;
        try {
          await this.client.set(key, value);
          this.writes += 1;
        } catch {
          this.errors += 1;
          await sleep(10);
        }
      }
    };
    this.done = Promise.all(Array.from({ length: options.writers }, loop)).then(() => undefined);
  }

  /** Starts writing to `master` at once. */
  static start(master: NodeAddress, options: BackgroundWriterOptions = {}): BackgroundWriter {
    return new BackgroundWriter(openPlain(master), {
      valueBytes: 256 * 1024,
      writers: 2,
      keys: 8,
      maxWrites: 100_000,
      maxMs: 120_000,
      ...options,
    });
  }

  /** Stops, waits for the writes in flight, deletes the keys and closes the client. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.done;
    await this.client.del(...Array.from({ length: 64 }, (_, i) => `bg:${i}`)).catch(() => {});
    await closePlain(this.client);
  }
}

/** Options of {@link Hiccups.start}. */
export interface HiccupOptions {
  /** How long each replica stays stopped, in ms. @default 5 */
  stoppedMs?: number;
  /** Pause between two hiccups, in ms. @default 30 */
  intervalMs?: number;
  /** Stop after this many hiccups. @default 10_000 */
  maxHiccups?: number;
  /** Stop after this long, in ms. @default 120_000 */
  maxMs?: number;
}

/** SIGSTOP then SIGCONT of each replica in turn for a few ms, in a loop. */
export class Hiccups {
  /** Hiccups done. */
  count = 0;
  private isStopped = false;
  private readonly done: Promise<void>;

  private constructor(topology: LocalTopology, replicas: NodeAddress[], options: Required<HiccupOptions>) {
    const deadline = performance.now() + options.maxMs;
    this.done = (async () => {
      while (!this.isStopped && this.count < options.maxHiccups && performance.now() < deadline) {
        const replica = replicas[this.count % replicas.length]!;
        await topology.kill(replica, 'SIGSTOP');
        try {
          await sleep(options.stoppedMs);
        } finally {
          await topology.kill(replica, 'SIGCONT');
        }
        this.count += 1;
        await sleep(options.intervalMs);
      }
    })();
  }

  /** Starts at once on `replicas`. */
  static start(topology: LocalTopology, replicas: NodeAddress[], options: HiccupOptions = {}): Hiccups {
    return new Hiccups(topology, replicas, {
      stoppedMs: 5,
      intervalMs: 30,
      maxHiccups: 10_000,
      maxMs: 120_000,
      ...options,
    });
  }

  /** Stops after the current hiccup (every replica is running again when this resolves). */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.done;
  }
}

/** The p-th percentile of sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
