/**
 * The parent's own RESP2 subscribers to every sentinel of a topology: the reference clock of a
 * failover run. It timestamps each sentinel's `+switch-master` (and the events around it) as it
 * arrives in a process that runs no load, so "when Sentinel announced the switch" does not
 * depend on how busy the client under test is.
 */
import { Redis } from 'ioredis';
import { now, withTimeout } from './clock.js';
import type { Endpoint } from './peer-clients.js';

const CHANNELS = [
  '+switch-master',
  '+sdown',
  '+odown',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+promoted-slave',
  '+convert-to-slave',
  '+failover-end',
];

export interface TimelineEntry {
  at: number;
  sentinel: number;
  channel: string;
  message: string;
}

export interface SwitchSeen {
  at: number;
  sentinel: number;
  from: Endpoint;
  to: Endpoint;
}

function parseSwitch(message: string): { name: string; from: Endpoint; to: Endpoint } | undefined {
  const [name, fromHost, fromPort, toHost, toPort] = message.split(' ');
  if (name === undefined || fromHost === undefined || toHost === undefined) return undefined;
  return {
    name,
    from: { host: fromHost, port: Number(fromPort) },
    to: { host: toHost, port: Number(toPort) },
  };
}

export class SentinelTimeline {
  readonly entries: TimelineEntry[] = [];
  readonly #masterName: string;
  readonly #clients: Redis[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(masterName: string) {
    this.#masterName = masterName;
  }

  /** Subscribes to every sentinel; resolves once all are subscribed. */
  static async watch(sentinels: Endpoint[], masterName: string): Promise<SentinelTimeline> {
    const timeline = new SentinelTimeline(masterName);
    try {
      await Promise.all(sentinels.map((s) => timeline.#subscribe(s)));
    } catch (error) {
      timeline.close();
      throw error;
    }
    return timeline;
  }

  async #subscribe(sentinel: Endpoint): Promise<void> {
    const client = new Redis({
      host: sentinel.host,
      port: sentinel.port,
      protocol: 2,
      connectionName: 'bench-timeline',
      retryStrategy: () => 100,
      enableReadyCheck: false,
    });
    this.#clients.push(client);
    client.on('error', () => undefined);
    client.on('message', (channel: string, message: string) => {
      this.entries.push({ at: now(), sentinel: sentinel.port, channel, message });
      for (const wake of this.#waiters) wake();
    });
    await withTimeout(client.subscribe(...CHANNELS), 5000, `subscribe to sentinel :${sentinel.port}`);
  }

  /** Distinct `+switch-master` of our master, each at the first sentinel that announced it. */
  switches(): SwitchSeen[] {
    const seen = new Map<string, SwitchSeen>();
    for (const entry of this.entries) {
      if (entry.channel !== '+switch-master') continue;
      const parsed = parseSwitch(entry.message);
      if (parsed === undefined || parsed.name !== this.#masterName) continue;
      const key = `${parsed.from.port}->${parsed.to.port}`;
      if (!seen.has(key)) seen.set(key, { at: entry.at, sentinel: entry.sentinel, ...parsed });
    }
    return [...seen.values()];
  }

  /** When a sentinel first published on `channel` (at or after `since`), if one did. */
  firstAt(channel: string, since: number): number | undefined {
    return this.entries.find((e) => e.channel === channel && e.at >= since)?.at;
  }

  /** The first switch, once a sentinel announces one; undefined after `timeoutMs`. */
  async firstSwitch(timeoutMs: number): Promise<SwitchSeen | undefined> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const first = this.switches()[0];
      if (first !== undefined) return first;
      const left = deadline - now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
      this.#waiters.clear();
    }
  }

  /** The entries relative to `origin`, for the JSON result. */
  relativeTo(origin: number): { ms: number; sentinel: number; event: string }[] {
    return this.entries.map((e) => ({
      ms: Math.round((e.at - origin) * 100) / 100,
      sentinel: e.sentinel,
      event: `${e.channel} ${e.message}`,
    }));
  }

  close(): void {
    for (const client of this.#clients) client.disconnect();
    this.#clients.length = 0;
  }
}
