/**
 * A test's own short-lived view of one data node, bypassing the library: a plain ioredis client
 * (RESP2, one attempt, 1 s timeouts so that a SIGSTOPped node cannot hang a check), always closed.
 * Used to assert what the server saw (`INFO commandstats`, `ROLE`, the data itself).
 */
import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { NodeAddress } from '../../src/testing/index.js';

/**
 * Opens a plain client to `address`, runs `fn`, and always closes the client. `options` add to
 * the client's settings (credentials, TLS).
 */
export async function withNode<T>(
  address: NodeAddress,
  fn: (client: Redis) => Promise<T>,
  options: RedisOptions = {},
): Promise<T> {
  const client = new Redis({
    host: address.host,
    port: address.port,
    protocol: 2,
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 1000,
    disconnectTimeout: 100,
    ...options,
  });
  client.on('error', () => {});
  try {
    return await fn(client);
  } finally {
    if (client.status !== 'end') {
      const ended = once(client, 'end');
      client.disconnect();
      await ended;
    }
  }
}

/** How often the node ran `command` since it started (`INFO commandstats` calls); 0 if never. */
export async function commandCalls(address: NodeAddress, command: string): Promise<number> {
  const info = await withNode(address, (c) => c.info('commandstats'));
  return parseCommandCalls(info, command);
}

/** Parses `cmdstat_<command>:calls=N,…` out of `INFO commandstats`. */
export function parseCommandCalls(info: string, command: string): number {
  const match = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/** Calls and refused calls (`rejected_calls`, e.g. READONLY on a replica) of one command. */
export async function commandAttempts(address: NodeAddress, command: string): Promise<number> {
  const info = await withNode(address, (c) => c.info('commandstats'));
  const match = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+).*rejected_calls=(\\d+)`, 'm').exec(
    info,
  );
  return match ? Number(match[1]) + Number(match[2]) : 0;
}

/** The node's role as `ROLE` names it: `master` or `slave`. */
export async function roleOf(address: NodeAddress): Promise<string> {
  const reply = (await withNode(address, (c) => c.call('ROLE'))) as unknown[];
  return String(reply[0]);
}
