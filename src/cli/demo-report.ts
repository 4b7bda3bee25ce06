/**
 * What the demo prints: a text section per step as it finishes, and the machine-readable
 * summary (`--json`). Pure: takes the measured outcomes, returns lines or an object.
 */
import type { ConsistencyOutcome } from './demo-consistency.js';
import { DURABLE, type FailoverKind, type FailoverOutcome } from './demo-failover.js';
import { formatMs, formatOffset, type Painter, wrap } from './output.js';

/** The topology as the summary shows it. */
export interface TopologyFacts {
  readonly masterName: string;
  readonly master: string;
  readonly replicas: string[];
  readonly sentinels: string[];
  readonly quorum: number;
  readonly downAfterMilliseconds: number;
  readonly minReplicasToWrite: number;
  readonly startMs: number;
}

/** Everything `demo --json` prints. */
export interface DemoSummary {
  readonly topology: TopologyFacts;
  readonly readYourWrites: ConsistencyOutcome;
  readonly stalePlainReads: number;
  readonly staleSessionReads: number;
  readonly failovers: FailoverOutcome[];
  readonly lostWrites: number;
  readonly errors: Record<string, number>;
  readonly doubleFailovers: number;
  readonly durationMs: number;
}

const percent = (part: number, whole: number) =>
  whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`;

/** Builds the summary object. */
export function summarize(
  topology: TopologyFacts,
  consistency: ConsistencyOutcome,
  failovers: FailoverOutcome[],
  durationMs: number,
): DemoSummary {
  const errors: Record<string, number> = {};
  for (const failover of failovers) {
    for (const [kind, count] of Object.entries(failover.errors)) errors[kind] = (errors[kind] ?? 0) + count;
  }
  return {
    topology,
    readYourWrites: consistency,
    stalePlainReads: consistency.stalePlainReads,
    staleSessionReads: consistency.staleSessionReads,
    failovers,
    lostWrites: failovers.reduce((sum, f) => sum + f.lostWrites, 0),
    errors,
    doubleFailovers: failovers.filter((f) => f.isDoubleFailover).length,
    durationMs: Math.round(durationMs),
  };
}

/** The topology section. */
export function renderTopology(facts: TopologyFacts, paint: Painter): string[] {
  return [
    paint.bold('Topology') + paint.dim(` (started in ${formatMs(facts.startMs)})`),
    `  master     ${facts.master}`,
    `  replicas   ${facts.replicas.join(', ')}`,
    `  sentinels  ${facts.sentinels.join(', ')}`,
    paint.dim(
      `  "${facts.masterName}", quorum ${facts.quorum}, down-after-milliseconds ${facts.downAfterMilliseconds}, min-replicas-to-write ${facts.minReplicasToWrite}`,
    ),
    '',
  ];
}

/** The read-your-writes section. */
export function renderConsistency(outcome: ConsistencyOutcome, paint: Painter): string[] {
  const { firstWrite: w } = outcome;
  const isOk = w.readBack === w.value;
  const stale = outcome.stalePlainReads;
  return [
    paint.bold('1. Write, then read it back from a replica with a read-your-writes session'),
    `  session.master.set('${w.key}', '${w.value}')   ${formatMs(w.writeMs)}`,
    `  session.replica.get('${w.key}') -> ${isOk ? paint.green(`'${w.readBack}'`) : paint.red(String(w.readBack))}   ${formatMs(w.readMs)}, no sleep`,
    '',
    paint.bold(
      `2. Stale reads: a read right after a write, ${outcome.callers} concurrent callers x ${outcome.iterations}`,
    ),
    `  plain    masterFor().set, then replicaFor().get          ${(stale > 0 ? paint.yellow : paint.green)(`${stale} of ${outcome.samples} stale (${percent(stale, outcome.samples)})`)}  ${paint.dim(formatMs(outcome.plainMs))}`,
    `  session  session.master.set, then session.replica.get   ${(outcome.staleSessionReads > 0 ? paint.red : paint.green)(`${outcome.staleSessionReads} of ${outcome.samples} stale`)}  ${paint.dim(formatMs(outcome.sessionMs))}`,
    paint.dim(
      '  Replication is asynchronous: a replica may not have a write yet when the next read arrives.',
    ),
    paint.dim(
      '  A session knows the replication offset of its writes and reads only from a replica that has it.',
    ),
    ...(stale === 0
      ? [
          paint.dim(
            '  (No plain read was stale this time: the rate depends on load and timing; do not rely on it.)',
          ),
        ]
      : []),
    '',
  ];
}

/** What each kind of error the load may meet means, for the reader of the timeline. */
const ERROR_NOTES: readonly [string, string][] = [
  [
    'NOREPLICAS',
    'the new master refused writes until a replica had connected to it (min-replicas-to-write 1). ' +
      "The pool sends such a write again by itself; the demo's first writer sends each write together " +
      'with INFO (to see which server answered), and such a batch gets the refusal instead. ' +
      'Refused, so not applied: nothing lost.',
  ],
  [
    'ConnectionLostError',
    'in flight when the connection died: maybe applied, and not resent, so never applied twice',
  ],
  [
    'ReplicationTimeoutError',
    'applied on the new master, but no replica confirmed it within the durable-write timeout, so not ' +
      'acknowledged (the replica was still catching up with the new master)',
  ],
  ['FailoverTimeoutError', 'no master was reachable within failoverTimeout'],
];

const NOTE_INDENT = ' '.repeat(13);

/** `text` wrapped, its first line starting with `label` in the column of the section's labels. */
function labelled(label: string, text: string): string[] {
  const [first = '', ...rest] = wrap(text, NOTE_INDENT);
  return [`  ${label.padEnd(NOTE_INDENT.length - 2)}${first.slice(NOTE_INDENT.length)}`, ...rest];
}

function errorNotes(kinds: string[], paint: Painter): string[] {
  return ERROR_NOTES.filter(([key]) => kinds.some((k) => k.includes(key))).flatMap(([key, note]) =>
    wrap(`${key}: ${note}`, NOTE_INDENT).map(paint.dim),
  );
}

function renderReaction(f: FailoverOutcome, paint: Painter): string[] {
  const ms = (value: number | undefined) => (value === undefined ? '?' : formatMs(value));
  const from =
    f.reactionFrom === '+promoted-slave'
      ? "the first announcement of the new master (the leader's +promoted-slave; the client moves on it)"
      : 'the first +switch-master';
  const reaction = ms(f.reactionMs);
  const lines = labelled('reaction', `${reaction} from ${from} to the first write it acknowledged`);
  lines[0] = lines[0]!.replace(reaction, paint.bold(reaction));
  if (f.reactionMs !== undefined && f.reactionMs < 0) {
    lines.push(
      ...wrap('negative: the client found the new master before any sentinel announced it', NOTE_INDENT),
    );
  }
  if (f.answerReactionMs !== undefined && f.answerReactionMs !== f.reactionMs) {
    lines.push(
      ...wrap(
        `${ms(f.answerReactionMs)} to its first answer; the rest is the wait for a replica to attach to ` +
          'the new master (min-replicas-to-write 1)',
        NOTE_INDENT,
      ),
    );
  }
  return lines;
}

function perSecond(values: number[]): string {
  return values.map((v, i) => `${i === 0 ? '-1s' : `${i - 1}s`} ${v}`).join(' | ');
}

/** The heading of a failover section, printed before it runs (its progress goes to stderr). */
export function renderFailoverHeading(index: number, kind: FailoverKind, paint: Painter): string[] {
  const title =
    kind === 'graceful'
      ? 'graceful failover (SENTINEL FAILOVER), plain writes'
      : `SIGKILL of the master, durable writes (waitForReplicas: ${DURABLE.replicas} replica, ${DURABLE.timeoutMs} ms)`;
  return [
    paint.bold(`${index}. Under load: ${title}`),
    paint.dim(
      '  load: 4 writers (RPUSH with sequence numbers through masterFor), 2 readers (GET, replicaFor)',
    ),
    ...(kind === 'sigkill'
      ? [paint.dim('  first, the previous master rejoins as a replica: the master has both replicas again')]
      : []),
  ];
}

function timelineRows(f: FailoverOutcome, sentinelCount: number, paint: Painter): [number, string][] {
  const rows: [number, string][] = [[0, `${f.trigger}`]];
  for (const step of f.steps) {
    const text = step.what.startsWith('+switch-master')
      ? paint.magenta(`${step.what}, by ${f.announcedBy.length} of ${sentinelCount} sentinels`)
      : step.what;
    rows.push([step.atMs, text]);
  }
  if (f.masterChangedMs !== undefined)
    rows.push([f.masterChangedMs, paint.cyan(`client: masterChanged -> ${f.to}`)]);
  if (f.firstAnswerMs !== undefined && f.firstAnswerMs !== f.firstWriteMs) {
    rows.push([f.firstAnswerMs, paint.cyan(`client: first write answered by ${f.to} (refused, see errors)`)]);
  }
  if (f.firstWriteMs !== undefined)
    rows.push([f.firstWriteMs, paint.cyan(`client: first write acknowledged by ${f.to}`)]);
  return rows.sort((a, b) => a[0] - b[0]);
}

/** The body of one failover section, once it ran (after {@link renderFailoverHeading}). */
export function renderFailover(f: FailoverOutcome, sentinelCount: number, paint: Painter): string[] {
  const at = (ms: number | undefined) => paint.dim((ms === undefined ? '?' : formatOffset(ms)).padStart(9));
  const errors = Object.entries(f.errors);
  const lost = f.lostWrites === 0 ? paint.green('0 lost') : paint.red(`${f.lostWrites} lost`);
  const zero = f.kind === 'graceful' ? 'SENTINEL FAILOVER' : 'the SIGKILL';
  return [
    `  master     ${f.from} -> ${paint.bold(f.to)}`,
    ...timelineRows(f, sentinelCount, paint).map(([ms, text]) => `  ${at(ms)}  ${text}`),
    ...renderReaction(f, paint),
    `  writes/s   ${perSecond(f.writesPerSecond)}`,
    `  reads/s    ${perSecond(f.readsPerSecond)}`,
    paint.dim(`${NOTE_INDENT}seconds from ${zero}: 0s starts with it, -1s is the second before`),
    ...(f.kind === 'sigkill' && f.announcedMs !== undefined
      ? wrap(
          `no master from the SIGKILL to the promotion at ${formatOffset(f.announcedMs)}: Sentinel first ` +
            'waits down-after-milliseconds, then elects a leader, which promotes a replica',
          NOTE_INDENT,
        ).map(paint.dim)
      : []),
    ...(errors.length === 0
      ? [`  errors     ${paint.green('none')}`]
      : labelled('errors', errors.map(([k, n]) => `${k} x${n}`).join(', '))),
    ...errorNotes(
      errors.map(([k]) => k),
      paint,
    ),
    `  writes     ${f.acknowledgedWrites} acknowledged, ${lost}, ${f.duplicateWrites} applied twice ${paint.dim(`(checked on ${f.to})`)}`,
    ...(f.isDoubleFailover ? [paint.yellow('  note: Sentinel failed over twice for this one cause')] : []),
    '',
  ];
}

/** The closing summary. */
export function renderSummary(summary: DemoSummary, paint: Painter): string[] {
  const reactions = summary.failovers
    .map((f) => `${f.kind} ${f.reactionMs === undefined ? '?' : formatMs(f.reactionMs)}`)
    .join(', ');
  const samples = summary.readYourWrites.samples;
  return [
    paint.bold('Summary'),
    `  stale reads     plain ${percent(summary.stalePlainReads, samples)}, session ${summary.staleSessionReads} of ${samples}`,
    `  reaction        ${reactions} ${paint.dim('(first announcement -> first acknowledged write)')}`,
    `  writes lost     ${summary.lostWrites === 0 ? paint.green('0') : paint.red(String(summary.lostWrites))} acknowledged writes`,
    `  took            ${formatMs(summary.durationMs)}`,
  ];
}
