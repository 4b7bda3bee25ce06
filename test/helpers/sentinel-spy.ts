/**
 * A test's own view of what the sentinels publish: one RESP2 subscriber per sentinel, recording
 * when each message arrived. Used to time the library against Sentinel itself.
 */
import { Redis } from 'ioredis';
import type { NodeAddress } from '../../src/testing/index.js';

export interface SpiedMessage {
  at: number;
  sentinel: number;
  channel: string;
  message: string;
}

export class SentinelSpy {
  readonly messages: SpiedMessage[] = [];
  private readonly clients: Redis[];

  private constructor(clients: Redis[]) {
    this.clients = clients;
  }

  static async start(sentinels: NodeAddress[]): Promise<SentinelSpy> {
    const clients = sentinels.map(
      (s) => new Redis({ host: s.host, port: s.port, protocol: 2, lazyConnect: true }),
    );
    const spy = new SentinelSpy(clients);
    await Promise.all(
      clients.map(async (client, i) => {
        client.on('error', () => {});
        client.on('pmessage', (_pattern: string, channel: string, message: string) => {
          spy.messages.push({ at: performance.now(), sentinel: sentinels[i]!.port, channel, message });
        });
        await client.connect();
        await client.psubscribe('*');
      }),
    );
    return spy;
  }

  /** The first message on a channel at or after `since`. */
  first(channel: string, since = 0): SpiedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.at >= since);
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
