/**
 * Listens to `+switch-master` on every sentinel of a local topology and records each distinct
 * switch once, however many sentinels announced it. A switch that no kit action (a failover, a
 * kill or stop of the master) explains, shortly after another switch, is a double failover: the
 * Redis 7.0 Sentinel race seen with short down-after values. It is counted and reported with
 * `process.emitWarning`, so that a flaky test says why.
 */
import { Redis } from 'ioredis';
import { debugFor } from '../debug.js';
import { eventually } from './eventually.js';
import { type Credentials, clientOptions, closeClient, LOCALHOST } from './kit-client.js';
import type { NodeAddress } from './redis-process.js';

const log = debugFor('testing');

/** Reconnect delay of a subscriber whose sentinel was killed, until it is back or the kit stops. */
const RESUBSCRIBE_MAX_DELAY_MS = 250;

const CHANNEL = '+switch-master';

/** One distinct master switch, as Sentinel announced it on `+switch-master`. */
export interface SwitchRecord {
  /** The master before the switch. */
  from: NodeAddress;
  /** The master after the switch. */
  to: NodeAddress;
  /** When the first sentinel announced it (ms since the epoch, `Date.now()`). */
  at: number;
  /** The sentinels that announced it, as `host:port`, in the order they did. */
  sentinels: string[];
  /**
   * Whether this switch followed another one with no failover, kill or stop of the master by the
   * kit in between (within `downAfterMilliseconds + failoverTimeout`): Sentinel failed over twice
   * for one cause.
   */
  isDoubleFailover: boolean;
}

function sameAddress(a: NodeAddress, b: NodeAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

function copy(record: SwitchRecord): SwitchRecord {
  return { ...record, from: { ...record.from }, to: { ...record.to }, sentinels: [...record.sentinels] };
}

/** Parses `<name> <old ip> <old port> <new ip> <new port>`. */
function parseSwitch(message: string): { name: string; from: NodeAddress; to: NodeAddress } | undefined {
  const [name, fromHost, fromPort, toHost, toPort] = message.split(' ');
  if (name === undefined || fromHost === undefined || toHost === undefined) return undefined;
  const from = { host: fromHost, port: Number(fromPort) };
  const to = { host: toHost, port: Number(toPort) };
  if (!Number.isInteger(from.port) || !Number.isInteger(to.port)) return undefined;
  return { name, from, to };
}

/** Subscribers to every sentinel's `+switch-master`, and the switches they saw. */
export class SwitchWatcher {
  readonly #masterName: string;
  readonly #credentials: Credentials;
  readonly #windowMs: number;
  readonly #subscribers = new Map<number, Redis>();
  readonly #records: SwitchRecord[] = [];
  #triggersSinceLastSwitch = 0;
  #doubleFailoverCount = 0;

  /**
   * @param windowMs a switch this soon after the previous one, with no trigger in between, is a
   *   double failover
   */
  constructor(masterName: string, credentials: Credentials, windowMs: number) {
    this.#masterName = masterName;
    this.#credentials = credentials;
    this.#windowMs = windowMs;
  }

  /** Every distinct switch seen so far, oldest first (copies). */
  get records(): SwitchRecord[] {
    return this.#records.map(copy);
  }

  /** How many switches were double failovers. */
  get doubleFailoverCount(): number {
    return this.#doubleFailoverCount;
  }

  /**
   * Subscribes to one sentinel (through the unix socket `path` in namespace mode); resolves once
   * subscribed. Resubscribes after reconnects. Records name it `127.0.0.1:port` in either mode.
   */
  async watch(port: number, path?: string): Promise<void> {
    if (this.#subscribers.has(port)) return;
    const client = new Redis(
      clientOptions(port, this.#credentials, {
        ...(path === undefined ? {} : { path }),
        retryStrategy: (times) => Math.min(times * 50, RESUBSCRIBE_MAX_DELAY_MS),
        autoResubscribe: true,
      }),
    );
    this.#subscribers.set(port, client);
    client.on('error', (error: Error) => log('subscriber :%d: %s', port, error.message));
    client.on('message', (channel: string, message: string) => {
      if (channel === CHANNEL) this.#onSwitch(`${LOCALHOST}:${port}`, message);
    });
    await client.subscribe(CHANNEL);
  }

  /**
   * Resolves true once a switch `from -> to`, recorded at index `since` or later, was announced by
   * every sentinel in `by` (as `host:port`); false after `timeoutMs`.
   */
  async waitUntilAnnounced(
    switched: { from: NodeAddress; to: NodeAddress },
    by: readonly string[],
    since: number,
    timeoutMs: number,
  ): Promise<boolean> {
    const isAnnounced = () =>
      this.#records
        .slice(since)
        .some(
          (r) =>
            sameAddress(r.from, switched.from) &&
            sameAddress(r.to, switched.to) &&
            by.every((s) => r.sentinels.includes(s)),
        );
    return eventually(isAnnounced, { timeoutMs }).then(
      () => true,
      () => false,
    );
  }

  /** Notes that the kit did something that should lead to one switch (failover, master killed). */
  markTrigger(reason: string): void {
    log('failover trigger: %s', reason);
    this.#triggersSinceLastSwitch++;
  }

  #onSwitch(sentinel: string, message: string): void {
    const parsed = parseSwitch(message);
    if (parsed === undefined || parsed.name !== this.#masterName) return;
    const { from, to } = parsed;
    log('+switch-master %s:%d -> %s:%d from %s', from.host, from.port, to.host, to.port, sentinel);
    const latestSame = this.#records.findLast((r) => sameAddress(r.from, from) && sameAddress(r.to, to));
    // Each sentinel announces a switch once: another sentinel saying the same is the same switch.
    if (latestSame !== undefined && !latestSame.sentinels.includes(sentinel)) {
      latestSame.sentinels.push(sentinel);
      return;
    }
    const at = Date.now();
    const previous = this.#records.at(-1);
    const isDoubleFailover =
      previous !== undefined && this.#triggersSinceLastSwitch === 0 && at - previous.at < this.#windowMs;
    this.#triggersSinceLastSwitch = 0;
    this.#records.push({ from, to, at, sentinels: [sentinel], isDoubleFailover });
    if (isDoubleFailover && previous !== undefined) {
      this.#doubleFailoverCount++;
      process.emitWarning(
        `Sentinel failed over twice for one cause: ${previous.from.port} -> ${previous.to.port}, then ` +
          `${from.port} -> ${to.port} ${at - previous.at} ms later (a known Redis 7.0 race with a ` +
          'short down-after-milliseconds; 1500 ms avoids it)',
        { code: 'REDIS_SENTINEL_POOL_DOUBLE_FAILOVER' },
      );
    }
  }

  /** Closes every subscriber; resolves once all ended. */
  async close(): Promise<void> {
    const clients = [...this.#subscribers.values()];
    this.#subscribers.clear();
    await Promise.all(clients.map(closeClient));
  }
}
