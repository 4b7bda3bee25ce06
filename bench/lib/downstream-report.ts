/**
 * The downstream bench's numbers (pure): what one run counted, reduced to one number per metric,
 * and the markdown table of their median and min–max over the rounds.
 */

import type { BullmqCount } from '../../test/helpers/downstream/bullmq-workload.js';
import type { Disruption } from '../../test/helpers/downstream/disruption.js';
import type { LimiterCount } from '../../test/helpers/downstream/rate-limiter-workload.js';
import type { SessionCount } from '../../test/helpers/downstream/session-workload.js';
import type { MessageCount } from '../../test/helpers/downstream/socket-io-workload.js';
import type { DownstreamClient } from './downstream-clients.js';
import { spread } from './stats.js';

/** The metrics, in table order, with their row labels. */
export const METRICS = {
  jobsAdded: 'BullMQ: jobs whose `add()` resolved',
  jobsLost: 'BullMQ: of those, missing on the final master',
  jobsNotCompleted: 'BullMQ: held there but not completed within 20 s',
  jobsRunTwice: 'BullMQ: jobs processed twice',
  lateJobMs: 'BullMQ: a job added afterwards completes in (ms)',
  sessionsSaved: 'connect-redis: sessions whose `set()` succeeded',
  sessionsLost: 'connect-redis: of those, missing on the final master',
  pointsConsumed: 'rate-limiter-flexible: points acknowledged (2 limiters)',
  pointsLost: 'rate-limiter-flexible: of those, missing on the final master',
  pointsTwice: 'rate-limiter-flexible: points counted beyond every call made',
  eventsSent: 'socket.io adapter: events sent',
  eventsLost: 'socket.io adapter: events lost (the switch window)',
  lostWindowMs: 'socket.io adapter: first to last lost event (ms)',
  publishRejections: 'socket.io adapter: PUBLISH rejections (unhandled by the adapter)',
} as const;
export type Metric = keyof typeof METRICS;
/** One run's numbers; `null` where there was none (a late job that never completed). */
export type DownstreamMetrics = Record<Metric, number | null>;

/** What the four workloads counted in one run. */
export interface DownstreamCounts {
  bullmq: BullmqCount;
  sessions: SessionCount;
  points: LimiterCount[];
  events: MessageCount;
}

/** One run of the bench, or why it does not count. */
export interface RunRecord {
  client: DownstreamClient;
  disruption: Disruption;
  round: number;
  attempt: number;
  metrics: DownstreamMetrics | undefined;
  progressed: boolean;
  excluded: string | undefined;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Reduces the counts of one run to its metrics. */
export function metricsOf(counts: DownstreamCounts): DownstreamMetrics {
  const { bullmq, sessions, points, events } = counts;
  return {
    jobsAdded: bullmq.added,
    jobsLost: bullmq.lostAges.length,
    jobsNotCompleted: bullmq.notCompleted,
    jobsRunTwice: bullmq.processedTwice,
    lateJobMs: bullmq.lateJobMs ?? null,
    sessionsSaved: sessions.saved,
    sessionsLost: sessions.lostAges.length,
    pointsConsumed: sum(points.map((p) => p.consumed)),
    pointsLost: sum(points.map((p) => p.lost)),
    pointsTwice: sum(points.map((p) => p.countedTwice)),
    eventsSent: events.sent,
    eventsLost: events.lost,
    lostWindowMs: events.windowMs,
    publishRejections: sum(Object.values(events.publishErrors)),
  };
}

/** `median (min–max)`, `–` without samples, `+ n none` for runs without a value. */
function cell(samples: (number | null)[]): string {
  const s = spread(samples, 0);
  if (s.median === null) return samples.length === 0 ? '–' : `none in ${s.missing}`;
  const range = s.min === s.max ? `${s.median}` : `${s.median} (${s.min}–${s.max})`;
  return s.missing > 0 ? `${range}; none in ${s.missing}` : range;
}

/** The table: a row per disruption and metric, a column per client. */
export function renderTable(
  records: readonly RunRecord[],
  clients: readonly DownstreamClient[],
  disruptions: readonly Disruption[],
): string {
  const counted = records.filter((r) => r.excluded === undefined && r.metrics !== undefined);
  const lines = [
    `| failover | metric | ${clients.join(' | ')} |`,
    `|---|---|${clients.map(() => '---|').join('')}`,
  ];
  for (const disruption of disruptions) {
    const label = disruption === 'graceful' ? '`SENTINEL FAILOVER`' : 'master SIGKILL';
    const runsOf = (client: DownstreamClient) =>
      counted.filter((r) => r.client === client && r.disruption === disruption);
    lines.push(`| ${label} | runs counted | ${clients.map((c) => runsOf(c).length).join(' | ')} |`);
    lines.push(
      `| ${label} | load stalled after the failover (runs) | ${clients.map((c) => runsOf(c).filter((r) => !r.progressed).length).join(' | ')} |`,
    );
    for (const [metric, text] of Object.entries(METRICS) as [Metric, string][]) {
      const cells = clients.map((c) => cell(runsOf(c).map((r) => r.metrics![metric])));
      lines.push(`| ${label} | ${text} | ${cells.join(' | ')} |`);
    }
  }
  const excluded = records.filter((r) => r.excluded !== undefined);
  if (excluded.length > 0) {
    lines.push('', 'Runs not counted:');
    for (const r of excluded) lines.push(`- round ${r.round}, ${r.client}, ${r.disruption}: ${r.excluded}`);
  }
  return lines.join('\n');
}
