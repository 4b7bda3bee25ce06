/**
 * Parsing and formatting of `host:port` addresses, in every form the classic recipe uses:
 * `"h:p,h:p"` (spaces allowed), `["h:p", …]`, `[{ host, port }, …]`, IPv6 as `[::1]:26379`.
 * Pure: no I/O.
 *
 * Error messages quote what was given, shortened, and never the part before an `@`: a
 * `redis://user:password@host` pasted as an address must not put the password in a log.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { SentinelConfigError } from './errors.js';
import { describe } from './values.js';

/** A TCP address of a Redis server or sentinel. */
export interface Address {
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  /** TCP port. */
  port: number;
}

/** What the constructor accepts as a list of sentinels. */
export type SentinelAddressInput = string | ReadonlyArray<string | Address>;

/** The port of a sentinel when an address names none. */
export const DEFAULT_SENTINEL_PORT = 26379;

/** DNS labels (underscores allowed: Docker and Kubernetes names have them), dot-separated. */
const HOST_PATTERN = /^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\.?$/;
/** Digits and dots only: this must be an IPv4 address, not a host name. */
const NUMERIC_PATTERN = /^[0-9.]+$/;
/** `redis://…`, `tcp://…`: a URL where an address belongs. */
const URL_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Whether two addresses name the same endpoint. */
export function sameAddress(a: Address | undefined, b: Address | undefined): boolean {
  return a !== undefined && b !== undefined && a.host === b.host && a.port === b.port;
}

/** Checks a port number; throws a SentinelConfigError naming `what` if it is not one. */
export function checkPort(port: unknown, what: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SentinelConfigError(`${what}: port must be an integer from 1 to 65535, got ${describe(port)}`);
  }
  return port;
}

/** Checks a host name or IP literal; throws a SentinelConfigError naming `what` if it is not one. */
export function checkHost(host: unknown, what: string): string {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) {
    throw new SentinelConfigError(
      `${what}: host must be a non-empty string of at most 253 characters, got ${describe(host)}`,
    );
  }
  if (host.includes(':')) {
    if (isIPv6(host)) return host;
    throw new SentinelConfigError(`${what}: ${describe(host)} is not an IPv6 address`);
  }
  if (NUMERIC_PATTERN.test(host) ? !isIPv4(host) : !HOST_PATTERN.test(host)) {
    throw new SentinelConfigError(`${what}: ${describe(host)} is not a host name or IP address`);
  }
  return host;
}

/** The text with anything up to an `@` (URL credentials) masked, for an error message. */
function withoutCredentials(text: string): string {
  const at = text.lastIndexOf('@');
  return at < 0 ? text : `…@${text.slice(at + 1)}`;
}

/** Parses one `host[:port]` string; `defaultPort` applies when no port is given. */
export function parseAddress(text: string, defaultPort = DEFAULT_SENTINEL_PORT): Address {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new SentinelConfigError('empty address: expected "host:port"');
  const what = `address ${describe(withoutCredentials(trimmed))}`;
  if (URL_PATTERN.test(trimmed) || trimmed.includes('@')) {
    throw new SentinelConfigError(
      `${what}: expected "host:port", not a URL or credentials (give passwords in the sentinelPassword and password options)`,
    );
  }
  let host: string;
  let portText: string | undefined;
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    if (close < 0) throw new SentinelConfigError(`${what}: missing "]" after an IPv6 host`);
    host = trimmed.slice(1, close);
    if (!isIPv6(host)) {
      throw new SentinelConfigError(`${what}: brackets are for IPv6 addresses, as in "[::1]:26379"`);
    }
    const rest = trimmed.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) {
      throw new SentinelConfigError(`${what}: expected ":port" after "]"`);
    }
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = trimmed.split(':').length - 1;
    if (colons > 1) {
      throw new SentinelConfigError(`${what}: write an IPv6 address in brackets, e.g. "[::1]:26379"`);
    }
    [host, portText] = trimmed.split(':') as [string, string | undefined];
  }
  const port = portText === undefined ? defaultPort : Number(portText);
  if (portText !== undefined && !/^\d+$/.test(portText)) {
    throw new SentinelConfigError(`${what}: port ${describe(portText)} is not a number`);
  }
  return { host: checkHost(host, what), port: checkPort(port, what) };
}

/**
 * Parses a sentinel list in any accepted form into distinct addresses, in the given order.
 * Throws a SentinelConfigError naming the bad part.
 */
export function parseSentinelAddresses(input: unknown): Address[] {
  let items: unknown[];
  if (typeof input === 'string') items = input.split(',');
  else if (Array.isArray(input)) items = input;
  else if (input === undefined || input === null) {
    throw new SentinelConfigError(
      `new Sentinel(sentinels, options?) needs the sentinels to ask, as "host:port,host:port", ["host:port", …] or [{ host, port }, …] (the port defaults to ${DEFAULT_SENTINEL_PORT}), got ${describe(input)}`,
    );
  } else {
    throw new SentinelConfigError(
      `sentinels must be a "host:port,host:port" string or an array of "host:port" strings or { host, port } objects, got ${describe(input)}`,
    );
  }
  const out: Address[] = [];
  for (const [i, item] of items.entries()) {
    let address: Address;
    if (typeof item === 'string') address = parseAddress(item);
    else if (item !== null && typeof item === 'object') {
      const { host, port } = item as { host?: unknown; port?: unknown };
      const what = `sentinels[${i}]`;
      address = {
        host: checkHost(host, what),
        port: checkPort(port === undefined ? DEFAULT_SENTINEL_PORT : port, what),
      };
    } else {
      throw new SentinelConfigError(
        `sentinels[${i}] must be "host:port" or { host, port }, got ${describe(item)}`,
      );
    }
    if (!out.some((a) => sameAddress(a, address))) out.push(address);
  }
  if (out.length === 0)
    throw new SentinelConfigError('the sentinel list is empty: give at least one "host:port"');
  return out;
}
