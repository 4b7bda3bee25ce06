/**
 * The two witnesses of a failover in the demo: what every sentinel published (our own RESP2
 * subscriber on each, independent of the library), and what the client did (its `masterChanged`
 * events). Both timestamp with `performance.now()`, the clock of the load, so a timeline can
 * put Sentinel, the client and the first acknowledged write side by side.
 */
import { Redis } from 'ioredis';
import { formatAddress } from '../address.js';
import type { MasterChangedEvent, Sentinel } from '../index.js';
import type { NodeAddress } from '../testing/index.js';
import { shortLivedClientOptions } from '../testing/kit-client.js';
import { HELLO_CHANNEL, masterNameOf } from './sentinel-messages.js';
import { CLIENT_TIMEOUT_MS } from './target.js';

/** One message a sentinel published. */
export interface HeardMessage {
  readonly at: number;
  readonly sentinel: string;
  readonly channel: string;
  readonly message: string;
}

/** One `masterChanged` of the client. */
export interface ClientSwitch {
  readonly at: number;
  readonly to: string;
  readonly via: string;
}

/** The recording is bounded: a demo hears a few hundred messages. */
const MAX_MESSAGES = 20_000;

/** Records what the sentinels publish about one master group, and what the client does. */
export class FailoverWitness {
  readonly messages: HeardMessage[] = [];
  readonly clientSwitches: ClientSwitch[] = [];
  private readonly listeners = new Set<(heard: HeardMessage) => void>();

  private constructor(
    private readonly subscribers: Redis[],
    private readonly sentinel: Sentinel,
  ) {
    sentinel.on('masterChanged', this.onMasterChanged);
  }

  /** Subscribes to every sentinel and to the client's events; resolves once subscribed. */
  static async start(sentinels: NodeAddress[], name: string, client: Sentinel): Promise<FailoverWitness> {
    const subscribers = sentinels.map(
      (address) =>
        new Redis(
          shortLivedClientOptions(address, {}, CLIENT_TIMEOUT_MS, {
            retryStrategy: (times) => Math.min(50 * times, 500),
            autoResubscribe: true,
          }),
        ),
    );
    const witness = new FailoverWitness(subscribers, client);
    await Promise.all(
      subscribers.map(async (subscriber, i) => {
        const where = formatAddress(sentinels[i]!);
        subscriber.on('error', () => {
          // A sentinel of ours went away (the demo does not kill sentinels); it reconnects.
        });
        subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
          if (channel === HELLO_CHANNEL || masterNameOf(channel, message) !== name) return;
          witness.hear({ at: performance.now(), sentinel: where, channel, message });
        });
        await subscriber.connect();
        await subscriber.psubscribe('*');
      }),
    );
    return witness;
  }

  private hear(heard: HeardMessage): void {
    if (this.messages.length >= MAX_MESSAGES) return;
    this.messages.push(heard);
    for (const listener of this.listeners) listener(heard);
  }

  private readonly onMasterChanged = (event: MasterChangedEvent): void => {
    this.clientSwitches.push({
      at: performance.now(),
      to: formatAddress(event.to),
      via: formatAddress(event.sentinel),
    });
  };

  /** Calls `listener` for every message heard until the returned function is called. */
  onMessage(listener: (heard: HeardMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first message on `channel` at or after `since`. */
  first(channel: string, since: number): HeardMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.at >= since);
  }

  /** Every message on `channel` at or after `since` whose message is `message` (one per sentinel). */
  every(channel: string, message: string, since: number): HeardMessage[] {
    return this.messages.filter((m) => m.channel === channel && m.message === message && m.at >= since);
  }

  /** The client's first move to `to` at or after `since`. */
  clientSwitchTo(to: string, since: number): ClientSwitch | undefined {
    return this.clientSwitches.find((s) => s.to === to && s.at >= since);
  }

  /** Unsubscribes from everything. */
  close(): void {
    this.sentinel.off('masterChanged', this.onMasterChanged);
    this.listeners.clear();
    for (const subscriber of this.subscribers) subscriber.disconnect();
  }
}
