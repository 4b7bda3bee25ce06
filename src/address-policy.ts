/**
 * What the client does with an address a sentinel announced: translate it (`natMap`, for servers
 * behind NAT or Docker) and check it against `allowedHosts`, so that a sentinel cannot point the
 * client at an arbitrary host. Pure.
 *
 * Both run inside sentinel event handlers, so neither may throw. A natMap function that throws or
 * returns something other than `{ host, port }` translates nothing (`onError` hears why); before,
 * `{ host: undefined }` threw a TypeError out of discover(). An allowedHosts predicate
 * that throws refuses the address: a guard that cannot decide says no. The options themselves are
 * checked once, by {@link checkNatMap} and {@link checkAllowedHosts}.
 */
import { isIPv6 } from 'node:net';
import { type Address, checkHost, checkPort, formatAddress, parseAddress } from './address.js';
import { SentinelConfigError } from './errors.js';
import { describe, isPlainObject } from './values.js';

/** Maps announced addresses to reachable ones: `{ 'ip:port': { host, port } }` or a function. */
export type NatMap = Readonly<Record<string, Address>> | ((announced: Address) => Address | undefined);

/** The hosts a sentinel may send the client to: a list of hosts or `host:port`s, or a predicate. */
export type AllowedHosts = readonly string[] | ((address: Address) => boolean);

/** Hears why a user-supplied natMap or allowedHosts function could not be used. */
export type PolicyErrorHandler = (error: SentinelConfigError) => void;

/** Applies the NAT map; an address it does not mention stays as announced. */
export function translateAddress(
  announced: Address,
  natMap: NatMap | undefined,
  onError?: PolicyErrorHandler,
): Address {
  if (natMap === undefined) return announced;
  const key = formatAddress(announced);
  let mapped: unknown;
  try {
    mapped =
      typeof natMap === 'function' ? natMap({ ...announced }) : Object.hasOwn(natMap, key) && natMap[key];
    if (mapped === undefined || mapped === null || mapped === false) return announced;
    const { host, port } = mapped as { host?: unknown; port?: unknown };
    const what = `natMap for ${key}`;
    return { host: checkHost(host, what), port: checkPort(port, what) };
  } catch (error) {
    onError?.(
      error instanceof SentinelConfigError
        ? error
        : new SentinelConfigError(`natMap threw for ${key}: the address stays as announced`, {
            cause: error,
          }),
    );
    return announced;
  }
}

/** Whether the guard lets the client connect to `address` (after translation). */
export function isAllowedAddress(
  address: Address,
  allowed: AllowedHosts | undefined,
  onError?: PolicyErrorHandler,
): boolean {
  if (allowed === undefined) return true;
  if (typeof allowed !== 'function') {
    const full = formatAddress(address);
    return allowed.some((entry) => entry === address.host || entry === full);
  }
  try {
    return allowed({ ...address }) === true;
  } catch (error) {
    const full = formatAddress(address);
    onError?.(new SentinelConfigError(`allowedHosts threw for ${full}: refused`, { cause: error }));
    return false;
  }
}

/** Runs a check whose message should name the option it came from. */
function within(what: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof SentinelConfigError)) throw error;
    throw new SentinelConfigError(`${what}: ${error.message}`);
  }
}

/** Checks the object form of natMap: `{ 'ip:port': { host, port } }`, as Sentinel announces. */
export function checkNatMap(natMap: unknown): NatMap | undefined {
  if (natMap === undefined) return undefined;
  if (typeof natMap === 'function') return natMap as NatMap;
  if (!isPlainObject(natMap)) {
    throw new SentinelConfigError(`option natMap must be an object or a function, got ${describe(natMap)}`);
  }
  for (const [key, target] of Object.entries(natMap)) {
    const what = `option natMap[${describe(key)}]`;
    if (!/:\d+$/.test(key)) {
      throw new SentinelConfigError(
        `${what}: keys are announced addresses with their port, as in "10.0.0.5:6379"`,
      );
    }
    within(what, () => parseAddress(key));
    if (!isPlainObject(target)) {
      throw new SentinelConfigError(`${what} must be { host, port }, got ${describe(target)}`);
    }
    checkHost(target.host, what);
    checkPort(target.port, what);
  }
  return natMap as NatMap;
}

/** Checks allowedHosts: a predicate, or a non-empty list of `host` or `host:port` strings. */
export function checkAllowedHosts(allowedHosts: unknown): AllowedHosts | undefined {
  if (allowedHosts === undefined) return undefined;
  if (typeof allowedHosts === 'function') return allowedHosts as AllowedHosts;
  // Spread: a hole in a sparse array is an undefined entry (`every` alone would skip it).
  const entries: unknown[] = Array.isArray(allowedHosts) ? [...allowedHosts] : [];
  if (!Array.isArray(allowedHosts) || !entries.every((h) => typeof h === 'string')) {
    throw new SentinelConfigError(
      `option allowedHosts must be an array of host strings or a function, got ${describe(allowedHosts)}`,
    );
  }
  if (entries.length === 0) {
    throw new SentinelConfigError(
      'option allowedHosts is empty, which allows no address: list the hosts, or leave the option out',
    );
  }
  for (const [i, entry] of (entries as string[]).entries()) {
    // `host` or `host:port`, IPv6 bare (`::1`) or bracketed with a port (`[::1]:6379`).
    const what = `option allowedHosts[${i}]`;
    if (isIPv6(entry)) checkHost(entry, what);
    else within(what, () => parseAddress(entry));
  }
  return allowedHosts as AllowedHosts;
}
