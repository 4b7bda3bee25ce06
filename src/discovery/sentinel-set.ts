/**
 * The sentinels a client knows, in the order it asks them, and one connection to each. The
 * Sentinel client guidelines: ask in order; the first that answers moves to the front. Sentinels
 * learned at run time join behind the seeds. Also asks all of them at once (go-redis style: first
 * good answer wins) when speed matters more than order, during a failover.
 */
import { EventEmitter } from 'node:events';
import { type Address, formatAddress, sameAddress } from '../address.js';
import { debugFor } from '../debug.js';
import type { SentinelAttempt } from '../errors.js';
import { SentinelClient, type SentinelClientOptions } from './sentinel-client.js';
import { SENTINEL_CHANNELS } from './sentinel-replies.js';

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
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The ordered sentinel list and its connections. */
export class SentinelSet extends EventEmitter<SentinelSetEvents> {
  private readonly order: Address[] = [];
  private readonly clients = new Map<string, SentinelClient>();
  private closed = false;

  constructor(
    seeds: readonly Address[],
    private readonly options: SentinelClientOptions,
  ) {
    super();
    for (const seed of seeds) this.add(seed);
  }

  /** The sentinels in the order they are asked. */
  addresses(): Address[] {
    return this.order.map((a) => ({ ...a }));
  }

  /** Adds a sentinel at the end of the list; false if it was known already. */
  add(address: Address): boolean {
    if (this.closed || this.order.some((a) => sameAddress(a, address))) return false;
    address = { host: address.host, port: address.port };
    this.order.push(address);
    const client = new SentinelClient(address, this.options, SENTINEL_CHANNELS);
    client.on('message', (channel, message) => this.emit('message', channel, message, { ...address }));
    client.on('reconnected', () => this.emit('reconnected', { ...address }));
    this.clients.set(formatAddress(address), client);
    this.emit('added', { ...address });
    return true;
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
