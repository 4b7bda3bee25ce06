/**
 * What one failover run did to the application, from the child's write log and the list the new
 * master holds afterwards (pure). A write "landed on the new master" when its sequence number is
 * in that list. For the reaction, a write counts only if the application issued it after the
 * promotion started (`+failover-state-send-slaveof-noone`) and it was acknowledged after the
 * first `+switch-master`: writes the old master takes after the promotion never reach the new
 * one, so such a write was applied by the new master. (Without the first condition, a write a
 * SIGSTOPped master had applied and replicated just before the stop, but answered only after
 * SIGCONT, would pass for one.)
 */
import type { LoadLog } from './sequenced-load.js';
import { longestGap, round } from './stats.js';

export interface RunMeasure {
  /** First `+switch-master` → first acknowledged write after it that is on the new master; null: none in the window. */
  reactionMs: number | null;
  /** Longest gap between acknowledged writes that survived (on the new master), from the trigger to the end. */
  outageMs: number;
  /**
   * Last acknowledged write before the first `+switch-master` → first one after it (any server):
   * how long the client paused at the switch itself, whatever it knew before.
   */
  pauseAtSwitchMs: number | null;
  /**
   * Before the trigger, the mean wait from a random moment to the next acknowledged write
   * (Σgap² / 2Σgap): the resolution of `reactionMs`.
   */
  ackWaitMs: number | null;
  /** Longest gap between answered reads, from the trigger to the end. */
  readOutageMs: number;
  writesSent: number;
  writesAcked: number;
  /** Acknowledged writes missing on the new master. */
  lostAcked: number;
  /** Extra copies in the list: writes applied more than once. */
  duplicates: number;
  /** Writes that rejected but were applied anyway (e.g. `maybeApplied`). */
  failedButApplied: number;
  /** Writes neither acknowledged nor failed when the window closed. */
  unsettled: number;
  writeErrors: Record<string, number>;
  /** Per write error kind: when it was first and last seen, in ms from the first `+switch-master`. */
  writeErrorTimesMs: Record<string, { first: number; last: number }>;
  readErrors: Record<string, number>;
  readsOk: number;
}

/** Counts of each sequence number in the final list (non-numbers ignored). */
function countSeqs(list: readonly string[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const item of list) {
    const seq = Number(item);
    if (Number.isInteger(seq)) counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  return counts;
}

/** When things happened (ms since the epoch, the shared clock). */
export interface RunTimes {
  triggerAt: number;
  /** The leader's `+failover-state-send-slaveof-noone` (or the switch, if it was not seen). */
  promotionAt: number;
  /** The first `+switch-master` from any sentinel. */
  switchAt: number;
}

export function analyzeRun(log: LoadLog, finalList: readonly string[], times: RunTimes): RunMeasure {
  const { triggerAt, promotionAt, switchAt } = times;
  const { writes, reads, stoppedAt } = log;
  const counts = countSeqs(finalList);
  const durableAcks: number[] = [];
  const writeErrors: Record<string, number> = {};
  const writeErrorTimesMs: Record<string, { first: number; last: number }> = {};
  let acked = 0;
  let lost = 0;
  let failedButApplied = 0;
  let unsettled = 0;
  let firstOnNewMaster = Number.POSITIVE_INFINITY;
  let lastAckBefore = Number.NEGATIVE_INFINITY;
  let firstAckAfter = Number.POSITIVE_INFINITY;
  for (let i = 0; i < writes.seq.length; i++) {
    const doneAt = writes.doneAt[i]!;
    const error = writes.error[i];
    const isOnNewMaster = counts.has(writes.seq[i]!);
    if (Number.isNaN(doneAt)) {
      unsettled++;
    } else if (error !== null && error !== undefined) {
      writeErrors[error] = (writeErrors[error] ?? 0) + 1;
      const ms = round(doneAt - switchAt, 1);
      const seen = writeErrorTimesMs[error];
      writeErrorTimesMs[error] = {
        first: Math.min(seen?.first ?? ms, ms),
        last: Math.max(seen?.last ?? ms, ms),
      };
      if (isOnNewMaster) failedButApplied++;
    } else {
      acked++;
      if (doneAt < switchAt) lastAckBefore = Math.max(lastAckBefore, doneAt);
      else firstAckAfter = Math.min(firstAckAfter, doneAt);
      if (!isOnNewMaster) lost++;
      else {
        durableAcks.push(doneAt);
        const isAppliedByNewMaster = doneAt >= switchAt && writes.sentAt[i]! >= promotionAt;
        if (isAppliedByNewMaster) firstOnNewMaster = Math.min(firstOnNewMaster, doneAt);
      }
    }
  }
  let duplicates = 0;
  for (const count of counts.values()) duplicates += count - 1;
  durableAcks.sort((a, b) => a - b);
  const before = durableAcks.filter((t) => t < triggerAt);
  const gaps = before.slice(1).map((t, i) => t - before[i]!);
  const gapSum = gaps.reduce((a, g) => a + g, 0);
  const ackWait = gapSum > 0 ? gaps.reduce((a, g) => a + g * g, 0) / (2 * gapSum) : Number.NaN;
  const okReads = [...reads.okAt].sort((a, b) => a - b);
  return {
    reactionMs: Number.isFinite(firstOnNewMaster) ? round(firstOnNewMaster - switchAt, 3) : null,
    pauseAtSwitchMs: Number.isFinite(firstAckAfter - lastAckBefore)
      ? round(firstAckAfter - lastAckBefore, 3)
      : null,
    ackWaitMs: Number.isNaN(ackWait) ? null : round(ackWait, 3),
    outageMs: round(longestGap(durableAcks, triggerAt, stoppedAt), 1),
    readOutageMs: round(longestGap(okReads, triggerAt, stoppedAt), 1),
    writesSent: writes.seq.length,
    writesAcked: acked,
    lostAcked: lost,
    duplicates,
    failedButApplied,
    unsettled,
    writeErrors,
    writeErrorTimesMs,
    readErrors: { ...reads.errors },
    readsOk: reads.okAt.length,
  };
}
