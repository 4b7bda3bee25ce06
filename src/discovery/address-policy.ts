/**
 * What the client does with an address a sentinel announced: translate it (`natMap`, for servers
 * behind NAT or Docker) and check it against `allowedHosts`, so that a sentinel cannot point the
 * client at an arbitrary host. Pure.
 */
import { type Address, formatAddress } from './addresses.js';

/** Maps announced addresses to reachable ones: `{ 'ip:port': { host, port } }` or a function. */
export type NatMap = Readonly<Record<string, Address>> | ((announced: Address) => Address | undefined);

/** The hosts a sentinel may send the client to: a list of hosts or `host:port`s, or a predicate. */
export type AllowedHosts = readonly string[] | ((address: Address) => boolean);

/** Applies the NAT map; an address it does not mention stays as announced. */
export function translateAddress(announced: Address, natMap: NatMap | undefined): Address {
  if (natMap === undefined) return announced;
  const mapped = typeof natMap === 'function' ? natMap(announced) : natMap[formatAddress(announced)];
  return mapped ? { host: mapped.host, port: mapped.port } : announced;
}

/** Whether the guard lets the client connect to `address` (after translation). */
export function isAllowedAddress(address: Address, allowed: AllowedHosts | undefined): boolean {
  if (allowed === undefined) return true;
  if (typeof allowed === 'function') return allowed(address) === true;
  const full = formatAddress(address);
  return allowed.some((entry) => entry === address.host || entry === full);
}
