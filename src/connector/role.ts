/**
 * Parsing of `ROLE`, the check every connection runs right after it connects: a master pool
 * never serves from a replica, nor the reverse. Pure.
 */

/** What `ROLE` says about a server. */
export type ServerRole =
  | { role: 'master'; offset: number }
  | { role: 'replica'; masterHost: string; masterPort: number; linkState: string; offset: number }
  | { role: 'sentinel' }
  | { role: 'unknown'; raw: string };

/** The role a pool expects of its connections. */
export type ExpectedRole = 'master' | 'replica';

/** Parses a `ROLE` reply (RESP2 or RESP3). */
export function parseRole(reply: unknown): ServerRole {
  if (!Array.isArray(reply) || reply.length === 0) return { role: 'unknown', raw: String(reply) };
  const kind = String(reply[0]);
  if (kind === 'master') return { role: 'master', offset: Number(reply[1]) };
  if (kind === 'slave') {
    return {
      role: 'replica',
      masterHost: String(reply[1]),
      masterPort: Number(reply[2]),
      linkState: String(reply[3]),
      // -1 while the link to the master is down or the first sync has not finished.
      offset: Number(reply[4]),
    };
  }
  if (kind === 'sentinel') return { role: 'sentinel' };
  return { role: 'unknown', raw: kind };
}

/**
 * Whether a server may serve a pool of the expected role. A replica serves reads only with its
 * link to the master up (`connected`): a detached replica may be arbitrarily stale.
 */
export function roleMatches(expected: ExpectedRole, actual: ServerRole): boolean {
  if (expected === 'master') return actual.role === 'master';
  return actual.role === 'replica' && actual.linkState === 'connected';
}

/** A short description for logs and errors: `master`, `replica of 127.0.0.1:7001 (sync)`. */
export function describeRole(role: ServerRole): string {
  if (role.role === 'replica') return `replica of ${role.masterHost}:${role.masterPort} (${role.linkState})`;
  if (role.role === 'unknown') return `unknown role "${role.raw}"`;
  return role.role;
}
