/**
 * The check a pool connection makes on every fresh socket before ioredis may use it: SELECT (for
 * a database other than 0) and ROLE, run as ioredis's ready check (see `verifyBeforeReady`).
 * It remembers what the connection acts on between the check and ioredis's 'ready': the role it
 * confirmed, whether ioredis's own SELECT was refused meanwhile, and how many role mismatches
 * came in a row (the next connect backs off after one, so that discovery can catch up).
 *
 * SELECT is checked because ioredis sends its own SELECT on connect but only reports a refusal as
 * an 'error' event and goes on, on database 0: a db the server does not have would silently get
 * every write.
 */
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { type Address, formatAddress } from '../address.js';
import { debugFor } from '../debug.js';
import { describeRole, type ExpectedRole, parseRole, roleMatches, type ServerRole } from './role.js';

const log = debugFor('connection');

/** What the check needs of its connection. */
export interface RoleCheckHost {
  readonly label: string;
  readonly expected: ExpectedRole;
  /** The address and socket of the current connect. */
  current(): { address: Address | undefined; socket: Socket | undefined };
  /** Whether the connection still waits for this check (not closed or moved off meanwhile). */
  isVerifying(): boolean;
  /** Drops the socket: ioredis reconnects, and asks for an address again. */
  moveOff(why: string): void;
  /** The check failed in a way the pool should hear of (SELECT or ROLE refused). */
  fail(error: Error): void;
  /** The server is not in the expected role: discovery should look again. */
  mismatch(address: Address, role: ServerRole): void;
}

/** The SELECT and ROLE check of one connection, across its connects. */
export class RoleCheck {
  private mismatches = 0;
  private isSelectRefused = false;
  private verified: ServerRole | undefined;
  /** Ends the backoff in progress, if one is. */
  private endBackoff: (() => void) | undefined;

  constructor(private readonly host: RoleCheckHost) {}

  /**
   * Writes SELECT (unless `db` is 0) and ROLE on `redis` now, in this call. Resolves true when
   * the role matched; false after dropping the socket.
   */
  start(redis: Redis, db: number): Promise<boolean> {
    this.verified = undefined;
    const selected = db !== 0 ? redis.select(db) : undefined;
    const role = redis.call('ROLE');
    return this.judge(Promise.all([selected, role]), db, this.host.current().socket);
  }

  /** ioredis reported that its own SELECT of this handshake was refused (it goes on, on db 0). */
  noteSelectRefused(): void {
    this.isSelectRefused = true;
  }

  /** The role the last check confirmed, once: the connection opens with it at 'ready'. */
  takeVerified(): ServerRole | undefined {
    const role = this.verified;
    this.verified = undefined;
    return role;
  }

  /**
   * Call as a connect begins. Forgets a SELECT refusal noted for an earlier connect, and after a
   * role mismatch returns a wait before this connect asks for an address (up to 1 s, so that
   * discovery can catch up); undefined otherwise (no wait, not even a microtask).
   */
  beforeConnect(): Promise<void> | undefined {
    this.isSelectRefused = false;
    if (this.mismatches === 0) return undefined;
    const ms = Math.min(25 * 2 ** this.mismatches, 1000);
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      this.endBackoff = finish;
      function finish() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Ends a backoff at once (the connection closes: nothing may outlive it). */
  cancelBackoff(): void {
    this.endBackoff?.();
  }

  private async judge(replies: Promise<[unknown, unknown]>, db: number, socket: Socket | undefined) {
    const { host } = this;
    const { address } = host.current();
    let role: ServerRole;
    try {
      role = parseRole((await replies)[1]);
    } catch (error) {
      // A socket that closed meanwhile was handled by the connection; its successor is not ours.
      if (host.current().socket !== socket) return false;
      const reason = db === 0 ? 'ROLE failed' : 'SELECT or ROLE failed';
      log('%s: %s: %s', host.label, reason, (error as Error).message);
      host.moveOff(reason);
      if (error instanceof Error) host.fail(error);
      return false;
    }
    if (!host.isVerifying() || !address || host.current().socket !== socket) return false;
    if (this.isSelectRefused) {
      this.isSelectRefused = false;
      host.moveOff('SELECT refused');
      return false;
    }
    if (!roleMatches(host.expected, role)) {
      this.mismatches += 1;
      log('%s: %s is %s, not a %s', host.label, formatAddress(address), describeRole(role), host.expected);
      host.mismatch(address, role);
      host.moveOff('role mismatch');
      return false;
    }
    this.mismatches = 0;
    this.verified = role;
    return true;
  }
}
