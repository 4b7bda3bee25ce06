/**
 * When a sentinel learned from another (SENTINEL SENTINELS, `+sentinel`) is gone for good and
 * leaves the list (issue 13). Seeds never leave: a seed by host name may point at another
 * machine tomorrow. A learned sentinel leaves only on two pieces of evidence together: the
 * sentinels that answer no longer list it (Sentinel forgets a peer after `SENTINEL RESET`, or
 * when it was removed from the deployment), and it cannot be reached itself. Either alone is no
 * proof: a sentinel may be restarting, and a sentinel that was just reset lists no peer for a few
 * seconds while it hears their hellos again. Pure.
 */

/** What one answer to SENTINEL SENTINELS said of a learned sentinel, and its state then. */
export interface LearnedSentinelSighting {
  /** The answer listed it. */
  isListed: boolean;
  /** Our connection to it is not ready (reconnecting, or never connected). */
  isDown: boolean;
}

/** What to do with a learned sentinel after one answer. */
export interface RetirementDecision {
  /** Answers in a row that did not list it while it was down. */
  absences: number;
  /** Drop it: close its connection and take it off the list. */
  isRetired: boolean;
}

/**
 * Counts the answers in a row that did not list a learned sentinel while it was down; any
 * answer that lists it, or finds it connected, starts the count again. Retired at `limit`.
 * The answer of the sentinel itself must not be given here: no sentinel lists itself.
 */
export function decideRetirement(
  absences: number,
  sighting: LearnedSentinelSighting,
  limit: number,
): RetirementDecision {
  const next = sighting.isListed || !sighting.isDown ? 0 : absences + 1;
  return { absences: next, isRetired: next >= limit };
}
