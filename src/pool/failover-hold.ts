/**
 * Holding commands back from the master: from `failoverStarted` until the new master is known
 * (the old master would still accept writes that the failover then loses), bounded so that
 * commands flow again to the master we know if no new one is announced. Master pools hold their
 * jobs through it, and their dedicated connections and managed master clients are refused an
 * address while it holds (ioredis retries the connect with backoff, queueing what is sent).
 *
 * A hold has a reason and a scope: the failover holds every command; another reason (a write
 * lease that is not ours yet) may hold only writes, with its own limit. The decisions are pure
 * functions of the holds in force; {@link FailoverHold} owns the one timer.
 */
import type { Address } from '../address.js';

/** Why commands are held: `failover`, or another reason a caller names. */
export type HoldReason = string;

/** Which commands a hold keeps back. */
export type HoldScope = 'all' | 'writes';

/** One hold in force. */
export interface Hold {
  readonly reason: HoldReason;
  readonly scope: HoldScope;
  /** When it ends by itself (ms, the clock the caller passes). */
  readonly until: number;
}

/**
 * The holds after `reason` asked to hold until `until`, or undefined when nothing changes (that
 * reason already holds: a failover announced by several sentinels holds once, from the first).
 */
export function startHold(
  holds: readonly Hold[],
  reason: HoldReason,
  scope: HoldScope,
  until: number,
): readonly Hold[] | undefined {
  if (holds.some((hold) => hold.reason === reason)) return undefined;
  return [...holds, { reason, scope, until }];
}

/** The holds once `reason` (every reason when undefined) ended, or undefined when none did. */
export function endHold(holds: readonly Hold[], reason?: HoldReason): readonly Hold[] | undefined {
  const left = holds.filter((hold) => reason !== undefined && hold.reason !== reason);
  return left.length === holds.length ? undefined : left;
}

/** The holds still in force at `now`, or undefined when none ran out. */
export function expireHolds(holds: readonly Hold[], now: number): readonly Hold[] | undefined {
  const left = holds.filter((hold) => hold.until > now);
  return left.length === holds.length ? undefined : left;
}

/** Whether a command of `kind` waits (`read` ones only for a hold of every command). */
export function isHolding(holds: readonly Hold[], kind: 'read' | 'write'): boolean {
  for (const hold of holds) if (hold.scope === 'all' || kind === 'write') return true;
  return false;
}

/** When the next hold runs out, or undefined without holds. */
export function nextExpiry(holds: readonly Hold[]): number | undefined {
  let next: number | undefined;
  for (const hold of holds) if (next === undefined || hold.until < next) next = hold.until;
  return next;
}

/** The holds of one master group's pool or managed clients, with the timer that bounds them. */
export class FailoverHold {
  private holds: readonly Hold[] = [];
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param name - the master group, for messages.
   * @param limitMs - the longest failover hold (`failoverTimeout`).
   * @param onExpired - a hold ran out by itself: commands may flow again.
   */
  constructor(
    private readonly name: string,
    private readonly limitMs: number,
    private readonly onExpired: () => void,
  ) {}

  /** Whether anything is held (a connection that may write must then not connect). */
  get isHeld(): boolean {
    return this.holds.length > 0;
  }

  /** Whether a command of `kind` must wait. The command path's check: no allocation. */
  isHolding(kind: 'read' | 'write'): boolean {
    return this.holds.length > 0 && isHolding(this.holds, kind);
  }

  /**
   * Holds for `reason` (by default the failover, every command, up to `failoverTimeout`).
   * Returns false when that reason already held: nothing to do.
   */
  start(reason: HoldReason = 'failover', scope: HoldScope = 'all', ms = this.limitMs): boolean {
    const next = startHold(this.holds, reason, scope, Date.now() + ms);
    if (!next) return false;
    this.set(next);
    return true;
  }

  /**
   * Ends the hold for `reason` (every hold when undefined). Returns whether one ended; the caller
   * then lets commands flow (after moving its connections, if the master changed).
   */
  end(reason?: HoldReason): boolean {
    const next = endHold(this.holds, reason);
    if (!next) return false;
    this.set(next);
    return true;
  }

  /**
   * The address `resolve` gives, refused while anything is held: checked before and after
   * asking, since a hold may start while discovery answers. A refusal is a failed connect for
   * ioredis, which tries again with backoff; nothing waits, so close() stays prompt.
   */
  async resolveUnlessHeld(resolve: () => Promise<Address>): Promise<Address> {
    if (this.isHeld) throw this.heldError();
    const address = await resolve();
    if (this.isHeld) throw this.heldError();
    return address;
  }

  /** Ends every hold without calling back (the owner is closing). */
  close(): void {
    this.holds = [];
    this.arm();
  }

  private heldError(): Error {
    const reasons = this.holds.map((hold) => hold.reason);
    if (reasons.length === 1 && reasons[0] === 'failover') {
      return new Error(`a failover of "${this.name}" is under way: waiting for the new master`);
    }
    return new Error(`commands to the master of "${this.name}" are held (${reasons.join(', ')})`);
  }

  private set(holds: readonly Hold[]): void {
    this.holds = holds;
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const until = nextExpiry(this.holds);
    if (until === undefined) return;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, until - Date.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    const next = expireHolds(this.holds, Date.now());
    if (!next) {
      this.arm();
      return;
    }
    this.set(next);
    this.onExpired();
  }
}
