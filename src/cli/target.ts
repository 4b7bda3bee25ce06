/**
 * What `status` and `watch` connect to: the sentinels the user names (parsed by the library's
 * own address rules, through the public `Sentinel` constructor, which connects to nothing), the
 * master group name, credentials and TLS, and the ioredis options of our short-lived clients
 * (the testing kit's, which the CLI shares).
 * Passwords go to ioredis and nowhere else: never into output, errors or JSON.
 */
import type { RedisOptions } from 'ioredis';
import { type Address, DEFAULT_SENTINEL_PORT, Sentinel, SentinelConfigError } from '../index.js';
import { shortLivedClientOptions } from '../testing/kit-client.js';
import type { OptionSpec } from './args.js';
import { parseInteger, UsageError } from './args.js';

/** Connect and command timeout of the CLI's clients, unless --timeout says otherwise. */
export const CLIENT_TIMEOUT_MS = 2000;

/** The options `status` and `watch` share. */
const TARGET_OPTIONS = {
  sentinels: {
    type: 'string',
    placeholder: 'h:p,h:p',
    required: true,
    description: `Sentinel addresses, separated by commas or spaces (port defaults to ${DEFAULT_SENTINEL_PORT}; IPv6 as [::1]:26379)`,
  },
  password: {
    type: 'string',
    placeholder: 'password',
    description: 'Password of the master and replicas (or env SENTINEL_POOL_PASSWORD)',
  },
  username: { type: 'string', placeholder: 'user', description: 'ACL user of the master and replicas' },
  'sentinel-password': {
    type: 'string',
    placeholder: 'password',
    description: 'Password of the sentinels (or env SENTINEL_POOL_SENTINEL_PASSWORD)',
  },
  'sentinel-username': { type: 'string', placeholder: 'user', description: 'ACL user of the sentinels' },
  timeout: {
    type: 'string',
    placeholder: 'ms',
    description: `Connect and command timeout of every connection, in ms (default ${CLIENT_TIMEOUT_MS})`,
  },
  tls: {
    type: 'boolean',
    description: 'TLS to sentinels and data nodes (CAs: the system ones, or NODE_EXTRA_CA_CERTS)',
  },
} as const satisfies Record<string, OptionSpec>;

/** The options of a command about the user's sentinels: {@link TARGET_OPTIONS}, `--name`, `--json`. */
export function targetCommandOptions<const Name extends OptionSpec>(name: Name, jsonDescription: string) {
  return { ...TARGET_OPTIONS, name, json: { type: 'boolean', description: jsonDescription } } as const;
}

/** Where to connect and how to authenticate. */
export interface Target {
  readonly sentinels: readonly Address[];
  readonly name: string | undefined;
  readonly sentinelAuth: Credentials;
  readonly dataAuth: Credentials;
  readonly tls: boolean;
  /** Connect and command timeout, ms. */
  readonly timeoutMs: number;
}

/** A user and password for one kind of node; either may be absent. */
export interface Credentials {
  readonly username: string | undefined;
  readonly password: string | undefined;
}

interface TargetValues {
  sentinels: string | undefined;
  password: string | undefined;
  username: string | undefined;
  'sentinel-password': string | undefined;
  'sentinel-username': string | undefined;
  timeout: string | undefined;
  tls: boolean;
}

const NAME_PATTERN = /^\S{1,200}$/;

/** Checks and gathers the target options. @throws UsageError with a one-line reason. */
export function targetFrom(
  command: string,
  values: TargetValues,
  name: string | undefined,
  env: NodeJS.ProcessEnv,
): Target {
  let sentinels: Address[];
  try {
    // Spaces separate addresses as well as commas (`--sentinels "a:1 b:2"`): no address has one,
    // and the library would read "a:1 b:2" as one IPv6 address without its brackets.
    const list = (values.sentinels ?? '').split(/[\s,]+/).filter((a) => a !== '');
    sentinels = new Sentinel(list.join(',')).sentinels();
  } catch (error) {
    if (!(error instanceof SentinelConfigError)) throw error;
    throw new UsageError(`--sentinels: ${error.message}`, command);
  }
  if (name !== undefined && !NAME_PATTERN.test(name)) {
    throw new UsageError(
      '--name must be a master group name without spaces, as in "sentinel monitor <name>"',
      command,
    );
  }
  return {
    sentinels,
    name,
    sentinelAuth: {
      username: values['sentinel-username'],
      password: values['sentinel-password'] ?? nonEmpty(env.SENTINEL_POOL_SENTINEL_PASSWORD),
    },
    dataAuth: {
      username: values.username,
      password: values.password ?? nonEmpty(env.SENTINEL_POOL_PASSWORD),
    },
    tls: values.tls,
    timeoutMs:
      values.timeout === undefined
        ? CLIENT_TIMEOUT_MS
        : parseInteger(command, 'timeout', values.timeout, 1, 600_000),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * ioredis options for one of our clients of `address`: the testing kit's short-lived client
 * (RESP2, one connection attempt unless `overrides` give a `retryStrategy`, every command
 * bounded by the target's timeout), with TLS when the target has it.
 */
export function clientOptions(
  target: Pick<Target, 'tls' | 'timeoutMs'>,
  address: Address,
  auth: Credentials,
  overrides: RedisOptions = {},
): RedisOptions {
  const credentials = { ...auth, tls: target.tls ? {} : undefined };
  return shortLivedClientOptions(address, credentials, target.timeoutMs, overrides);
}
