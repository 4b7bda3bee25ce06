/**
 * What `watch` does with the named sentinels, from their answers to `SENTINEL MASTERS` (pure):
 * which to subscribe to, what to tell the user first, or why not to start at all. Without this
 * check, `watch --name mymastr` waited for ever for events that never come, and a data node
 * given as a sentinel was subscribed to like one.
 */
import { closestName } from '../did-you-mean.js';
import type { SentinelCheck } from './sentinel-check.js';
import type { SentinelProblem } from './sentinel-diagnosis.js';

/** Problems that may pass by themselves: such a sentinel is subscribed to, and retried. */
const TRANSIENT: ReadonlySet<SentinelProblem> = new Set(['unreachable', 'not-answering']);

/** The plan. */
export interface WatchPlan {
  /** The sentinels to subscribe to (`host:port`, as in the checks). */
  readonly subscribeTo: string[];
  /** Lines for stderr before watching: sentinels ignored or not answering yet, and why. */
  readonly notes: string[];
  /** Set when there is nothing to watch: the lines to print before exiting with code 2. */
  readonly fatal: string[] | undefined;
}

const quoted = (names: readonly string[]) =>
  names.length === 0 ? 'no master' : names.map((n) => `"${n}"`).join(', ');

/** Plans `watch` for the master group `name` (undefined: every group). */
export function planWatch(name: string | undefined, checks: readonly SentinelCheck[]): WatchPlan {
  const notes: string[] = [];
  const answered = checks.filter((c) => c.masters !== undefined);
  if (answered.length === 0) {
    const lines = checks.map((c) => `  sentinel ${c.address} ${c.diagnosis?.message} (${c.diagnosis?.hint})`);
    return { subscribeTo: [], notes, fatal: ['no sentinel answered:', ...lines] };
  }
  const knowing = answered.filter((c) => name === undefined || c.masters!.includes(name));
  if (knowing.length === 0) {
    const known = [...new Set(answered.flatMap((c) => c.masters!))];
    const guess = closestName(name!, new Set(known));
    return {
      subscribeTo: [],
      notes,
      fatal: [
        `no sentinel monitors "${name}"${guess === undefined ? ' (check --name)' : `: did you mean "${guess}"?`}`,
        ...answered.map((c) => `  sentinel ${c.address} monitors ${quoted(c.masters!)}`),
      ],
    };
  }
  const subscribeTo = knowing.map((c) => c.address);
  for (const check of checks) {
    if (check.masters !== undefined) {
      if (!knowing.includes(check)) {
        notes.push(
          `ignoring sentinel ${check.address}, which does not monitor "${name}" (it monitors ${quoted(check.masters)})`,
        );
      }
    } else if (check.diagnosis && TRANSIENT.has(check.diagnosis.problem)) {
      subscribeTo.push(check.address);
      notes.push(`sentinel ${check.address} ${check.diagnosis.message}; retrying in the background`);
    } else {
      notes.push(
        `ignoring sentinel ${check.address}, which ${check.diagnosis?.message} (${check.diagnosis?.hint})`,
      );
    }
  }
  return { subscribeTo, notes, fatal: undefined };
}
