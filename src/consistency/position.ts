/**
 * Replication positions for read-your-writes, and the tokens that carry them between
 * processes. Pure.
 *
 * A position is the master's replication offset right after a write, together with the master
 * it was read from: offsets only compare within one replication history. A replica is caught up
 * with a position when ROLE shows it replicating, link up, from that same master, at an offset at
 * least as large. After a failover a replica follows another master, so an old position matches
 * no replica and reads go to the master instead: comparing offsets across histories once let a
 * replica "pass" an offset whose write had been lost.
 */
import type { Address } from '../address.js';
import type { ExpectedRole, ServerRole } from '../connector/role.js';
import { InvalidTokenError } from '../errors.js';

/**
 * Where a session's last write is in the master's replication stream (`session.position`).
 * @example
 * ```ts
 * await session.master.set('foo', 'bar');
 * session.position; // { master: { host: '10.0.0.1', port: 6379 }, offset: 73311 }
 * ```
 */
export interface ReplicationPosition {
  /** The master that took the write. */
  master: Address;
  /** Its replication offset right after the write. */
  offset: number;
}

/**
 * A position as sessions keep it and tokens carry it: the master as `host:port` (IPv6 in
 * brackets), as formatAddress writes it and ROLE replies are compared with.
 */
export interface TokenPosition {
  /** The master that took the write, `host:port`. */
  master: string;
  /** Its replication offset right after the write. */
  offset: number;
}

/** The public form of a position: `'[::1]:6379'` → `{ host: '::1', port: 6379 }`. */
export function publicPosition(position: TokenPosition): ReplicationPosition {
  const colon = position.master.lastIndexOf(':');
  const host = position.master.slice(0, colon);
  return {
    master: {
      host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host,
      port: Number(position.master.slice(colon + 1)),
    },
    offset: position.offset,
  };
}

/** Tokens start with a version, so that their format can change without misreading old ones. */
const TOKEN_VERSION = 'rsp1';
const MAX_TOKEN_LENGTH = 512;

/** A token for "no writes yet": it asks nothing of a replica. */
const EMPTY = '-';

/** `host:port` of the master in a token, as formatAddress writes it. */
const MASTER_PATTERN = /^\S+:(\d{1,5})$/;

/** What a damaged token's error tells the caller to do. */
const CORRUPT = 'the session token is corrupt: pass session.token on unchanged';

/** Encodes a position as an opaque string (for an HTTP header, a cookie, a job payload). */
export function encodeToken(position: TokenPosition | undefined): string {
  if (!position) return `${TOKEN_VERSION}.${EMPTY}`;
  const json = JSON.stringify({ m: position.master, o: position.offset });
  return `${TOKEN_VERSION}.${Buffer.from(json).toString('base64url')}`;
}

/** Decodes a token (undefined: no writes yet); throws InvalidTokenError saying what is wrong. */
export function parseToken(token: unknown): TokenPosition | undefined {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError(
      `a session token must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters (session.token), got ${
        typeof token === 'string' ? `${token.length} characters` : typeof token
      }`,
    );
  }
  const [version, payload, extra] = token.split('.');
  if (version !== TOKEN_VERSION || !payload || extra !== undefined) {
    throw new InvalidTokenError(`not a session token of this version (expected "${TOKEN_VERSION}.…")`);
  }
  if (payload === EMPTY) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidTokenError(CORRUPT, { cause: error });
  }
  const { m, o } = (decoded ?? {}) as { m?: unknown; o?: unknown };
  const port = typeof m === 'string' ? Number(MASTER_PATTERN.exec(m)?.[1]) : Number.NaN;
  if (!(port >= 1 && port <= 65535) || typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) {
    throw new InvalidTokenError(CORRUPT);
  }
  return { master: m as string, offset: o };
}

/** The position after both: the larger offset on the same master, else the newer one (`next`). */
export function laterPosition(current: TokenPosition | undefined, next: TokenPosition): TokenPosition {
  if (current && current.master === next.master && current.offset > next.offset) return current;
  return next;
}

/**
 * Whether a server may serve a read that must see `position`: a master always may (it has
 * everything it acknowledged); a replica only when replicating from that master, link up, at
 * an offset at least as large. A detached replica reports offset -1 and never qualifies.
 * `masterAddress` turns the master a replica names into the address the client uses (natMap).
 */
export function isCaughtUp(
  position: TokenPosition,
  role: ServerRole,
  masterAddress: (host: string, port: number) => string = (host, port) => `${host}:${port}`,
): boolean {
  if (role.role === 'master') return true;
  const known = knownReplica(role, masterAddress);
  return known !== undefined && hasApplied(position, known);
}

/**
 * What a session remembers of a replica connection's last ROLE: its master already as the client
 * reaches it (natMap applied), so that the check on every read compares, never formats.
 */
export interface KnownReplica {
  /** The master it replicates from, `host:port` as the client reaches it. */
  master: string;
  /** Its replication offset. */
  offset: number;
  /** Whether its link to that master was up. */
  isLinkUp: boolean;
}

/** A replica's ROLE as a session remembers it; undefined for a master or an unknown role. */
export function knownReplica(
  role: ServerRole,
  masterAddress: (host: string, port: number) => string,
): KnownReplica | undefined {
  if (role.role !== 'replica') return undefined;
  return {
    master: masterAddress(role.masterHost, role.masterPort),
    offset: role.offset,
    isLinkUp: role.linkState === 'connected',
  };
}

/** {@link isCaughtUp} for a remembered replica: same master, link up, offset far enough. */
export function hasApplied(position: TokenPosition, known: KnownReplica): boolean {
  return known.isLinkUp && known.master === position.master && known.offset >= position.offset;
}

/**
 * Whether a pool connection of `role` may serve a session read at all: a replica's (if caught
 * up), or the master's (where the replica pool falls back) only when the session may read from
 * the master (`fallbackToMaster`).
 */
export function mayServe(role: ExpectedRole, fallbackToMaster: boolean): boolean {
  return role === 'replica' || fallbackToMaster;
}
