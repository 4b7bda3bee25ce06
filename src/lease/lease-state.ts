/**
 * The write lease, decided (pure). A master may be written to only while a majority of the known
 * sentinels (⌊N/2⌋+1 distinct sentinel run ids) confirmed, within the last `leaseMs` on a
 * monotonic clock, that this address is the master of the group, at the newest configuration
 * epoch any of them reported, with no down flag. A client cut off with the old master hears at
 * most its minority of sentinels, so its lease lapses `leaseMs` after the cut; the majority
 * elects a new master only after `down-after-milliseconds`, which must therefore be longer than
 * the lease plus the time a confirmation takes (see {@link leaseWarning}).
 *
 * After a heal, a sentinel that rejoins with an older configuration epoch (it still names the
 * master it knew before the cut) is not believed: confirmations count only at the newest epoch
 * seen, so it can neither extend the old master's lease nor outvote the majority.
 */

/** What one sentinel said about the group's master, when (monotonic ms). */
export interface Confirmation {
  /** The sentinel's run id (`SENTINEL MYID`): distinct sentinels, not distinct addresses. */
  readonly runId: string;
  /** The master it names, `host:port`. */
  readonly master: string;
  /** Its configuration epoch for the group. */
  readonly epoch: number;
  /** Whether it flags the master down (`s_down`, `o_down`): then it confirms nothing. */
  readonly isMasterDown: boolean;
  /** When the answer arrived (monotonic ms; `performance.now()`). */
  readonly at: number;
}

/** The latest confirmation of each sentinel, and the newest epoch ever seen. */
export interface LeaseState {
  readonly latest: ReadonlyMap<string, Confirmation>;
  readonly newestEpoch: number;
}

export const EMPTY_LEASE: LeaseState = { latest: new Map(), newestEpoch: -1 };

/** Records one answer (an older answer than the one kept for that sentinel is ignored). */
export function recordConfirmation(state: LeaseState, confirmation: Confirmation): LeaseState {
  const kept = state.latest.get(confirmation.runId);
  if (kept !== undefined && kept.at > confirmation.at) return state;
  const latest = new Map(state.latest);
  latest.set(confirmation.runId, confirmation);
  return { latest, newestEpoch: Math.max(state.newestEpoch, confirmation.epoch) };
}

/** How many confirmations make a majority of `sentinelCount` sentinels: ⌊N/2⌋+1. */
export function majorityOf(sentinelCount: number): number {
  return Math.floor(Math.max(1, sentinelCount) / 2) + 1;
}

/** Whether `master` may be written to at `now`, and until when. */
export interface LeaseDecision {
  readonly isValid: boolean;
  /** Monotonic ms at which the lease lapses unless renewed (`-Infinity` when never valid). */
  readonly expiresAt: number;
  /** How many sentinels confirm `master` now, and how many are needed. */
  readonly confirmed: number;
  readonly needed: number;
}

/**
 * Decides the lease of `master` at `now`. `sentinelCount` is the number of sentinels known (at
 * least the number that ever answered: a sentinel cannot vote twice, nor be forgotten to lower
 * the bar).
 */
export function decideLease(
  state: LeaseState,
  master: string,
  now: number,
  leaseMs: number,
  sentinelCount: number,
): LeaseDecision {
  const needed = majorityOf(Math.max(sentinelCount, state.latest.size));
  const times = [...state.latest.values()]
    .filter((c) => c.master === master && c.epoch === state.newestEpoch && !c.isMasterDown && c.at <= now)
    .map((c) => c.at)
    .sort((a, b) => b - a);
  // The lease lasts as long as the needed-th freshest confirmation.
  const pivot = times[needed - 1];
  const expiresAt = pivot === undefined ? Number.NEGATIVE_INFINITY : pivot + leaseMs;
  const confirmed = times.filter((at) => at + leaseMs > now).length;
  return { isValid: expiresAt > now, expiresAt, confirmed, needed };
}

/**
 * A warning when the lease is not comfortably shorter than Sentinel's `down-after-milliseconds`:
 * the majority may elect a new master `downAfterMs` after a cut, and the cut-off client stops
 * writing only `leaseMs` plus up to two sentinel round trips (the confirmation that was on its
 * way, and the one that failed) after it. "Comfortably" is at most 80 % of it.
 */
export function leaseWarning(leaseMs: number, roundTripMs: number, downAfterMs: number): string | undefined {
  const worst = leaseMs + 2 * roundTripMs;
  if (worst <= 0.8 * downAfterMs) return undefined;
  return (
    `writeLeaseMs ${leaseMs} + two sentinel round trips (${Math.round(2 * roundTripMs)} ms) is not comfortably ` +
    `below down-after-milliseconds ${downAfterMs}: a new master may be elected before the lease of the old one ` +
    `lapses. Lower writeLeaseMs (at most ${Math.max(0, Math.floor(0.8 * downAfterMs - 2 * roundTripMs))} ms) or ` +
    'raise down-after-milliseconds'
  );
}
