/**
 * Parsing and formatting of `host:port` addresses, in every form the classic recipe uses:
 * `"h:p,h:p"` (spaces allowed), `["h:p", …]`, `[{ host, port }, …]`, IPv6 as `[::1]:26379`.
 * Pure: no I/O.
 */
import { SentinelConfigError } from '../errors.js';

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

const HOST_PATTERN = /^[A-Za-z0-9._-]+$/;
const IPV6_PATTERN = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/;

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
    throw new SentinelConfigError(`${what}: host must be a non-empty string, got ${describe(host)}`);
  }
  if (!HOST_PATTERN.test(host) && !(host.includes(':') && IPV6_PATTERN.test(host))) {
    throw new SentinelConfigError(`${what}: "${host}" is not a host name or IP address`);
  }
  return host;
}

/** Parses one `host[:port]` string; `defaultPort` applies when no port is given. */
export function parseAddress(text: string, defaultPort = DEFAULT_SENTINEL_PORT): Address {
  const trimmed = text.trim();
  const what = `address "${trimmed}"`;
  if (trimmed.length === 0) throw new SentinelConfigError('empty address: expected "host:port"');
  let host: string;
  let portText: string | undefined;
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    if (close < 0) throw new SentinelConfigError(`${what}: missing "]" after an IPv6 host`);
    host = trimmed.slice(1, close);
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
    throw new SentinelConfigError(`${what}: port "${portText}" is not a number`);
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
  else {
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
      address = { host: checkHost(host, what), port: checkPort(port ?? DEFAULT_SENTINEL_PORT, what) };
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

/** A short description of a value for an error message (never the value of a secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
