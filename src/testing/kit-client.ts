/**
 * The kit's own short-lived ioredis clients: one attempt, bounded by 1 s timeouts (a SIGSTOPped
 * node must not hang a check), RESP2, named `local-topology` in CLIENT LIST, with TLS when the
 * topology has it, always closed. The command line builds its clients' options here too
 * (the kit never imports the CLI).
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import { debugFor } from '../debug.js';
import { TopologyError } from '../errors.js';
import type { ResolvedTopologyTLS } from './options.js';

const log = debugFor('testing');

/** The only host the kit binds to or connects to. */
export const LOCALHOST = '127.0.0.1';

/** Connect and command timeout of the kit's clients. */
const CLIENT_TIMEOUT_MS = 1000;

/** How the kit reaches and authenticates to a node: no username and password means no AUTH. */
export interface Credentials {
  username?: string | undefined;
  password?: string | undefined;
  /** TLS options (CA, and the client certificate if nodes ask for one); absent: plain TCP. */
  tls?: TlsOptions | undefined;
}

/**
 * ioredis options for a short-lived client, the kit's or the command line's: RESP2 (plain
 * replies, what `redis-cli` shows), one connection attempt unless `overrides` give a
 * `retryStrategy`, every command bounded by `timeoutMs`. No username and password: no AUTH.
 */
export function shortLivedClientOptions(
  address: { readonly host: string; readonly port: number },
  credentials: Credentials,
  timeoutMs: number,
  overrides: RedisOptions = {},
): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    ...(credentials.username === undefined ? {} : { username: credentials.username }),
    ...(credentials.password === undefined ? {} : { password: credentials.password }),
    ...(credentials.tls === undefined ? {} : { tls: credentials.tls }),
    protocol: 2,
    lazyConnect: true,
    enableReadyCheck: false,
    disableClientInfo: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    disconnectTimeout: 100,
    ...overrides,
  };
}

/** ioredis options for the kit's own clients of `127.0.0.1:port`, named in CLIENT LIST. */
export function clientOptions(
  port: number,
  credentials: Credentials,
  overrides: RedisOptions = {},
): RedisOptions {
  return shortLivedClientOptions({ host: LOCALHOST, port }, credentials, CLIENT_TIMEOUT_MS, {
    connectionName: 'local-topology',
    ...overrides,
  });
}

async function readPem(option: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new TopologyError(`LocalTopology option tls.${option}: cannot read ${file}`, { cause: error });
  }
}

/**
 * The TLS options of the kit's clients: trust `caFile`; with `authClients`, present the nodes'
 * client certificate. Throws {@link TopologyError} naming a file that cannot be read.
 */
export async function readClientTLS(tls: ResolvedTopologyTLS): Promise<TlsOptions> {
  const ca = await readPem('caFile', tls.caFile);
  if (!tls.authClients) return { ca };
  const [cert, key] = await Promise.all([
    readPem(
      tls.clientCertFile === undefined ? 'certFile' : 'clientCertFile',
      tls.clientCertFile ?? tls.certFile,
    ),
    readPem(tls.clientKeyFile === undefined ? 'keyFile' : 'clientKeyFile', tls.clientKeyFile ?? tls.keyFile),
  ]);
  return { ca, cert, key };
}

/** Disconnects a client and resolves once it ended (bounded: ioredis destroys a hung socket). */
export function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2 * CLIENT_TIMEOUT_MS);
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    // Waiting to reconnect: no socket to close, and disconnect() clears the timer without 'end'.
    const isWaitingToReconnect = client.status === 'reconnecting';
    client.disconnect();
    if (isWaitingToReconnect) {
      clearTimeout(timer);
      resolve();
    }
  });
}

/**
 * Opens a client to `127.0.0.1:port` (or to the unix socket `path`, in namespace mode), runs
 * `fn`, and always closes the client.
 */
export async function withClient<T>(
  port: number,
  credentials: Credentials,
  fn: (client: Redis) => Promise<T>,
  path?: string,
): Promise<T> {
  const client = new Redis(clientOptions(port, credentials, path === undefined ? {} : { path }));
  client.on('error', (error: Error) => log('client :%d: %s', port, error.message));
  try {
    return await fn(client);
  } finally {
    await closeClient(client);
  }
}
