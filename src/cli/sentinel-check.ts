/**
 * The CLI's short-lived connections, and the first question to a sentinel: which master groups
 * it monitors (`SENTINEL MASTERS`). A failure becomes a {@link Diagnosis}, so that `status` and
 * `watch` say what is wrong with each named sentinel before anything else.
 */
import { Redis } from 'ioredis';
import { formatAddress } from '../address.js';
import type { Address } from '../index.js';
import { type Diagnosis, diagnoseSentinel, type ErrorFacts } from './sentinel-diagnosis.js';
import { pairsToObject } from './sentinel-messages.js';
import { type Credentials, clientOptions, type Target } from './target.js';

/** Runs `fn` with a connected client of `address`, closed afterwards whatever happens. */
export async function withClient<T>(
  address: Address,
  auth: Credentials,
  target: Target,
  fn: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = new Redis(clientOptions(target, address, auth));
  // The first error event says why; later ones (EPIPE on a closed socket) are its consequences.
  let firstError: unknown;
  client.on('error', (error: unknown) => {
    firstError ??= error;
  });
  // ioredis rejects with "Connection is closed." what was queued when the connection died, and
  // says why only in an 'error' event (a parser error, a reset): throw that instead.
  const why = (error: unknown) =>
    firstError !== undefined && error instanceof Error && error.message === 'Connection is closed.'
      ? firstError
      : error;
  try {
    await client.connect().catch((error: unknown) => {
      throw firstError ?? error;
    });
    return await fn(client).catch((error: unknown) => {
      throw why(error);
    });
  } finally {
    client.disconnect();
  }
}

/** An error's fields, whatever was thrown. */
export function errorFacts(error: unknown): ErrorFacts {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
  }
  return { message: String(error) };
}

/** The diagnosis of `error`, thrown while asking a sentinel of `target` about `name`. */
export function diagnoseError(
  error: unknown,
  target: Pick<Target, 'tls' | 'timeoutMs'>,
  name: string | undefined,
  knownMasters: readonly string[] = [],
): Diagnosis {
  return diagnoseSentinel(
    { error: errorFacts(error), isTls: target.tls, timeoutMs: target.timeoutMs },
    name,
    knownMasters,
  );
}

/** What one sentinel said to `SENTINEL MASTERS`. */
export interface SentinelCheck {
  readonly address: string;
  /** The master group names it monitors; undefined when it could not be asked. */
  readonly masters: readonly string[] | undefined;
  readonly diagnosis: Diagnosis | undefined;
}

/** The names in a `SENTINEL MASTERS` reply. */
export function masterNames(reply: unknown): string[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => pairsToObject(entry).name).filter((n): n is string => n !== undefined);
}

/** Asks one sentinel which groups it monitors; never rejects. */
export async function checkSentinel(address: Address, target: Target): Promise<SentinelCheck> {
  const where = formatAddress(address);
  try {
    const reply = await withClient(address, target.sentinelAuth, target, (client) =>
      client.call('SENTINEL', ['MASTERS']),
    );
    return { address: where, masters: masterNames(reply), diagnosis: undefined };
  } catch (error) {
    return { address: where, masters: undefined, diagnosis: diagnoseError(error, target, target.name) };
  }
}
