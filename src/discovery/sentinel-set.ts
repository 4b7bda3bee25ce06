/**
 * The sentinels a client knows, in the order it asks them, and one connection to each. The
 * Sentinel client guidelines: ask in order; the first that answers moves to the front. Sentinels
 * learned at run time join behind the seeds. Also asks all of them at once (go-redis style: first
 * good answer wins) when speed matters more than order, during a failover.
 *
 * Seeds stay for ever, as given: a seed given by host name is dialled by that name, so it is
 * resolved again on every connect (a sentinel whose DNS record moved is followed). A sentinel
 * learned from another is not added when it is a seed under another name (`localhost:26379`
 * announced as `127.0.0.1:26379`): that would be a second connection to the same sentinel.
 * A learned sentinel that the others stop listing while it is unreachable leaves the list
 * (sentinel-retirement.ts); a seed never does.
 */
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { type Address, formatAddress, sameAddress } from '../address.js';
import { debugFor } from '../debug.js';
import type { SentinelAttempt, SentinelPermissionError } from '../errors.js';
import { TIMINGS } from '../options.js';
import { SentinelClient, type SentinelClientOptions } from './sentinel-client.js';
import { SENTINEL_CHANNELS } from './sentinel-replies.js';
import { decideRetirement } from './sentinel-retirement.js';

const log = debugFor('sentinel');

/** A question to one sentinel: resolves with `{ value }`, or `{ refused }` saying why it gave no usable answer. */
export type SentinelQuestion<T> = (client: SentinelClient) => Promise<{ value: T } | { refused: string }>;

/** A usable answer and who gave it. */
export interface SentinelAnswer<T> {
  value: T;
  sentinel: Address;
}

/** Events of a {@link SentinelSet}. */
export interface SentinelSetEvents {
  /** A message published by a sentinel. */
  message: [channel: string, message: string, sentinel: Address];
  /** A sentinel's connection came back: events may have been missed. */
  reconnected: [sentinel: Address];
  /** A sentinel joined the list. */
  added: [sentinel: Address];
  /** A learned sentinel left the list: no answer lists it any more, and it is unreachable. */
  removed: [sentinel: Address];
  /** A sentinel refused the subscription to its events (NOPERM). */
  denied: [error: SentinelPermissionError];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The IP addresses a host name resolves to now (none when it does not resolve). */
export type HostResolver = (host: string) => Promise<string[]>;

const resolveHost: HostResolver = (host) =>
  lookup(host, { all: true }).then(
    (found) => found.map((entry) => entry.address),
    () => [],
  );

/**
 * The seed a learned sentinel is, under another name (pure): one given by host name, on the
 * same port, whose name resolves to the learned sentinel's IP. `resolved` maps host names to
 * their addresses.
 */
export function seedAliasOf(
  learned: Address,
  seeds: readonly Address[],
  resolved: ReadonlyMap<string, readonly string[]>,
): Address | undefined {
  return seeds.find(
    (seed) => seed.port === learned.port && resolved.get(seed.host)?.includes(learned.host) === true,
  );
}

/** Seeds given by host name (not an IP) on `port`: the ones a learned sentinel may alias. */
function namedSeedsOn(seeds: readonly Address[], port: number): Address[] {
  return seeds.filter((seed) => seed.port === port && isIP(seed.host) === 0);
}

/** The ordered sentinel list and its connections. */
export class SentinelSet extends EventEmitter<SentinelSetEvents> {
  private readonly order: Address[] = [];
  private readonly clients = new Map<string, SentinelClient>();
  private readonly seeds: readonly Address[];
  /** Learned sentinels whose name check is under way (`host:port`). */
  private readonly checking = new Set<string>();
  /**
   * Sentinels learned from others (never seeds), by `host:port`: the master groups whose
   * answers named them, and the answers in a row that left them out while they were down.
   */
  private readonly learned = new Map<string, { groups: Set<string>; absences: number }>();
  private closed = false;

  constructor(
    seeds: readonly Address[],
    private readonly options: SentinelClientOptions,
    private readonly resolve: HostResolver = resolveHost,
  ) {
    super();
    this.seeds = seeds.map((seed) => ({ host: seed.host, port: seed.port }));
    for (const seed of this.seeds) this.connect(seed);
  }

  /**
   * What a sentinel answered to SENTINEL SENTINELS about `group`: the sentinels it lists join,
   * and a learned sentinel it no longer lists, while that one is unreachable, comes closer to
   * leaving (after TIMINGS.learnedSentinelAbsences such answers in a row).
   */
  learn(group: string, answeredBy: Address, listed: readonly Address[]): void {
    for (const address of listed) this.add(address, group);
    for (const [key, entry] of this.learned) {
      const address = this.order.find((a) => formatAddress(a) === key);
      // No sentinel lists itself; and an answer about a group it was not learned in says nothing.
      if (!address || sameAddress(address, answeredBy) || !entry.groups.has(group)) continue;
      const decision = decideRetirement(
        entry.absences,
        {
          isListed: listed.some((a) => sameAddress(a, address)),
          isDown: this.clients.get(key)?.isReady !== true,
        },
        TIMINGS.learnedSentinelAbsences,
      );
      entry.absences = decision.absences;
      if (decision.isRetired) this.remove(address, answeredBy);
    }
  }

  /** Takes a learned sentinel off the list and closes its connection. */
  private remove(address: Address, answeredBy: Address): void {
    const key = formatAddress(address);
    log(
      '%s left the list: not listed in %d answers in a row (the last from %s) while unreachable',
      key,
      TIMINGS.learnedSentinelAbsences,
      formatAddress(answeredBy),
    );
    this.learned.delete(key);
    const index = this.order.findIndex((a) => sameAddress(a, address));
    if (index >= 0) this.order.splice(index, 1);
    const client = this.clients.get(key);
    this.clients.delete(key);
    void client?.close();
    this.emit('removed', { ...address });
  }

  /** The sentinels in the order they are asked. */
  addresses(): Address[] {
    return this.order.map((a) => ({ ...a }));
  }

  /**
   * Adds a sentinel another sentinel named (SENTINEL SENTINELS, `+sentinel`) at the end of the
   * list, unless it is known already: by its address, or as a seed given by host name that
   * resolves to it now.
   */
  add(address: Address, group: string): void {
    if (this.isKnown(address)) {
      this.learned.get(formatAddress(address))?.groups.add(group);
      return;
    }
    const named = namedSeedsOn(this.seeds, address.port);
    if (named.length === 0 || isIP(address.host) === 0) {
      this.connectLearned(address, group);
      return;
    }
    const key = formatAddress(address);
    if (this.checking.has(key)) return;
    this.checking.add(key);
    void Promise.all(named.map(async (seed) => [seed.host, await this.resolve(seed.host)] as const)).then(
      (resolved) => {
        this.checking.delete(key);
        const alias = seedAliasOf(address, named, new Map(resolved));
        if (alias) log('%s is seed %s: not connected twice', key, formatAddress(alias));
        else if (!this.isKnown(address)) this.connectLearned(address, group);
      },
      () => {
        this.checking.delete(key);
        if (!this.isKnown(address)) this.connectLearned(address, group);
      },
    );
  }

  private isKnown(address: Address): boolean {
    return this.closed || this.order.some((a) => sameAddress(a, address));
  }

  private connectLearned(address: Address, group: string): void {
    this.learned.set(formatAddress(address), { groups: new Set([group]), absences: 0 });
    this.connect(address);
  }

  /** Connects to a sentinel and puts it at the end of the list. */
  private connect(address: Address): void {
    address = { host: address.host, port: address.port };
    this.order.push(address);
    const client = new SentinelClient(address, this.options, SENTINEL_CHANNELS);
    client.on('message', (channel, message) => this.emit('message', channel, message, { ...address }));
    client.on('reconnected', () => this.emit('reconnected', { ...address }));
    client.on('denied', (error) => this.emit('denied', error));
    this.clients.set(formatAddress(address), client);
    this.emit('added', { ...address });
  }

  /** Moves a sentinel to the front of the list (it answered). */
  promote(address: Address): void {
    const index = this.order.findIndex((a) => sameAddress(a, address));
    if (index > 0) {
      const [entry] = this.order.splice(index, 1);
      if (entry) this.order.unshift(entry);
      log('asking %s first from now on', formatAddress(address));
    }
  }

  /** The connection to every known sentinel (for questions to all at once, as the write lease's). */
  connectedClients(): SentinelClient[] {
    return this.closed ? [] : [...this.clients.values()];
  }

  /**
   * Asks the sentinels one after the other; the first usable answer wins and its sentinel moves
   * to the front. `attempts` collects what each said, for the error the caller may throw.
   */
  async askInOrder<T>(
    question: SentinelQuestion<T>,
    attempts: SentinelAttempt[],
  ): Promise<SentinelAnswer<T> | undefined> {
    for (const address of [...this.order]) {
      const outcome = await this.askOne(address, question);
      if ('value' in outcome) {
        this.promote(address);
        return { value: outcome.value, sentinel: address };
      }
      attempts.push({ sentinel: formatAddress(address), outcome: outcome.refused });
    }
    return undefined;
  }

  /** Asks every sentinel at once; the first usable answer wins. */
  askAll<T>(
    question: SentinelQuestion<T>,
    attempts: SentinelAttempt[],
  ): Promise<SentinelAnswer<T> | undefined> {
    const order = [...this.order];
    if (order.length === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let pending = order.length;
      let done = false;
      for (const address of order) {
        void this.askOne(address, question).then((outcome) => {
          pending -= 1;
          if (done) return;
          if ('value' in outcome) {
            done = true;
            resolve({ value: outcome.value, sentinel: address });
            return;
          }
          attempts.push({ sentinel: formatAddress(address), outcome: outcome.refused });
          if (pending === 0) resolve(undefined);
        });
      }
    });
  }

  private async askOne<T>(
    address: Address,
    question: SentinelQuestion<T>,
  ): Promise<{ value: T } | { refused: string }> {
    const client = this.clients.get(formatAddress(address));
    if (!client || this.closed) return { refused: 'closed' };
    if (!(await client.whenReady(this.options.connectTimeout + this.options.socketTimeout))) {
      return { refused: client.unreachableReason };
    }
    try {
      return await question(client);
    } catch (error) {
      return { refused: errorText(error) };
    }
  }

  /** Closes every sentinel connection; resolves once their sockets are gone. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const clients = [...this.clients.values()];
    this.clients.clear();
    this.removeAllListeners();
    await Promise.all(clients.map((client) => client.close()));
  }
}
