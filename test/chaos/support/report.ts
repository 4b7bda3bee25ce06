/**
 * One row per chaos scenario. Each row is printed as the scenario ends and, when the test runner
 * set `CHAOS_REPORT` (scripts/run-tests.mjs does), appended to that file as a JSON line; the
 * runner prints every row as one table at the end of the run (scripts/chaos-table.mjs).
 */
import { appendFileSync } from 'node:fs';

/** What one scenario found; the columns of the table. */
export interface ScenarioRow {
  /** `file › scenario`. */
  scenario: string;
  /** Wall time of the scenario, in ms (load, fault, recovery and checks). */
  ms: number;
  /** Operations that succeeded, over every lane. */
  ok: number;
  /** Acknowledged plain writes (masterFor and session) that the master does not hold. */
  plainLost: number;
  /** Acknowledged plain writes checked. */
  plainAcked: number;
  /** Acknowledged durable writes (waitForReplicas) that the master does not hold: must be 0. */
  durableLost: number;
  /** Acknowledged durable writes checked. */
  durableAcked: number;
  /** Numbers the master holds more than once, over every list: must be 0. */
  appliedTwice: number;
  /** Session reads that did not see the session's own last write. */
  staleSessionReads: number;
  /** Replica reads that gave a wrong value. */
  wrongReplicaReads: number;
  /** Errors the application saw, by kind, with counts. */
  errors: Record<string, number>;
  /** The same by `<lane>: <kind>` (lanes: plain, durable, session, replica). */
  errorsByLane: Record<string, number>;
  /** Errors the `error` event reported (no call failed with them), by kind. */
  eventErrors: Record<string, number>;
  /** Operations still pending past their deadline, or settled after it: must be 0. */
  pastDeadline: number;
  /** Unhandled rejections plus uncaught exceptions: must be 0. */
  unhandled: number;
  /** Sockets and timers left after `quit()`: must be 0. */
  handlesLeft: number;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? '-' : entries.map(([key, n]) => `${n}× ${key}`).join('; ');
}

/** The row as one line of text, for the test's own output. */
export function describeRow(row: ScenarioRow): string {
  return (
    `[chaos] ${row.scenario}: ${row.ms} ms, ${row.ok} ok; plain lost ${row.plainLost}/${row.plainAcked}, ` +
    `durable lost ${row.durableLost}/${row.durableAcked}, applied twice ${row.appliedTwice}, ` +
    `stale session reads ${row.staleSessionReads}, wrong replica reads ${row.wrongReplicaReads}; ` +
    `errors: ${counts(row.errorsByLane)}; error events: ${counts(row.eventErrors)}; ` +
    `past deadline ${row.pastDeadline}, unhandled ${row.unhandled}, handles left ${row.handlesLeft}`
  );
}

/** Prints the row and appends it to `$CHAOS_REPORT` when set. */
export function recordRow(row: ScenarioRow): void {
  console.log(describeRow(row));
  const file = process.env.CHAOS_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}
