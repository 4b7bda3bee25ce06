/**
 * One failover of the demo under steady load: graceful (`SENTINEL FAILOVER`) or a SIGKILL of
 * the master. It measures what an application cares about: when Sentinel announced the switch,
 * when the client moved, when its first write landed on the new master, throughput around it,
 * errors by kind, and acknowledged writes missing from the new master afterwards.
 */
import { formatAddress } from '../address.js';
import type { MasterPool, Sentinel } from '../index.js';
import { eventually, type LocalTopology, type NodeAddress } from '../testing/index.js';
import { SteadyLoad } from './demo-load.js';
import type { FailoverWitness, HeardMessage } from './demo-timeline.js';
import { formatOffset } from './output.js';
import type { Progress } from './progress.js';

/** Durable writes for the SIGKILL: acknowledged only once a replica has them. */
export const DURABLE = { replicas: 1, timeoutMs: 100 } as const;

/** What the demo does to the master. */
export type FailoverKind = 'graceful' | 'sigkill';

/** The Sentinel steps worth a line in the timeline, in the order they happen. */
const STEPS = [
  '+sdown',
  '+odown',
  '+try-failover',
  '+elected-leader',
  '+selected-slave',
  '+promoted-slave',
  '+switch-master',
  '+failover-end',
];

/** One line of a timeline: ms after the trigger. */
export interface TimelineStep {
  readonly atMs: number;
  readonly what: string;
}

/** The measured outcome of one failover (also the JSON of the summary). */
export interface FailoverOutcome {
  readonly kind: FailoverKind;
  readonly trigger: string;
  readonly durableWrites: boolean;
  readonly from: string;
  readonly to: string;
  readonly steps: TimelineStep[];
  /** ms after the trigger: the first sentinel's `+switch-master`. */
  readonly switchAnnouncedMs: number | undefined;
  readonly announcedBy: string[];
  /**
   * The first announcement of the new master: the failover leader's `+promoted-slave` (it comes
   * first, and the client moves on it) or, if none was heard, the first `+switch-master`.
   */
  readonly reactionFrom: '+promoted-slave' | '+switch-master' | undefined;
  /** ms after the trigger: {@link reactionFrom}. */
  readonly announcedMs: number | undefined;
  /** ms after the trigger: the client's `masterChanged` to the new master. */
  readonly masterChangedMs: number | undefined;
  /**
   * ms after the trigger: the first write the new master answered (maybe refused: NOREPLICAS).
   * For durable writes, once its WAIT answered too (up to `DURABLE.timeoutMs` later).
   */
  readonly firstAnswerMs: number | undefined;
  /** ms after the trigger: the first write the new master acknowledged. */
  readonly firstWriteMs: number | undefined;
  /**
   * First write acknowledged by the new master minus {@link announcedMs}. With
   * min-replicas-to-write 1 (and durable writes) this includes the wait for a replica to attach
   * to the new master. Negative only if the client found the new master before any sentinel
   * announced it (by asking one).
   */
  readonly reactionMs: number | undefined;
  /** First write the new master answered minus {@link announcedMs}: the client's own move. */
  readonly answerReactionMs: number | undefined;
  /** Per second, from one second before the trigger. */
  readonly writesPerSecond: number[];
  readonly readsPerSecond: number[];
  readonly errors: Record<string, number>;
  readonly acknowledgedWrites: number;
  readonly lostWrites: number;
  readonly duplicateWrites: number;
  readonly isDoubleFailover: boolean;
}

/** What a failover run needs from the demo. */
export interface FailoverContext {
  readonly topology: LocalTopology;
  readonly sentinel: Sentinel;
  readonly witness: FailoverWitness;
  readonly progress: Progress;
  readonly signal: AbortSignal;
}

const round = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms * 10) / 10);

function describeStep(heard: HeardMessage): string {
  const parts = heard.message.split(' ');
  if (heard.channel === '+switch-master') {
    // `<name> <old ip> <old port> <new ip> <new port>`; who said it is added by the report.
    return `${heard.channel} ${parts[1]}:${parts[2]} -> ${parts[3]}:${parts[4]}`;
  }
  // `master <name> <ip> <port>` or `slave <ip:port> <ip> <port> …`: the instance, once.
  const instance = parts[0] === 'master' ? `master ${parts[2]}:${parts[3]}` : parts.slice(0, 2).join(' ');
  return `${heard.channel} ${instance} (from ${heard.sentinel})`;
}

/** Runs the trigger, narrating Sentinel's steps on the progress line. */
async function trigger(kind: FailoverKind, ctx: FailoverContext, from: NodeAddress): Promise<NodeAddress> {
  const { topology, progress, witness } = ctx;
  const startedAt = performance.now();
  progress.start(
    kind === 'graceful'
      ? 'SENTINEL FAILOVER: waiting for the switch'
      : `SIGKILL ${formatAddress(from)}: waiting for Sentinel`,
  );
  const stopNarrating = witness.onMessage((heard) => {
    if (STEPS.includes(heard.channel))
      progress.update(`${heard.channel} ${formatOffset(heard.at - startedAt)}`);
  });
  try {
    if (kind === 'graceful') {
      const { to } = await topology.failover();
      progress.done(`master is now ${formatAddress(to)}`);
      return to;
    }
    await topology.kill(from, 'SIGKILL');
    const to = await topology.waitForFailover(from);
    progress.done(`master is now ${formatAddress(to)}`);
    return to;
  } catch (error) {
    progress.fail();
    throw error;
  } finally {
    stopNarrating();
  }
}

function timelineOf(witness: FailoverWitness, since: number): TimelineStep[] {
  const steps: TimelineStep[] = [];
  for (const channel of STEPS) {
    const first = witness.first(channel, since);
    if (first) steps.push({ atMs: first.at - since, what: describeStep(first) });
  }
  return steps;
}

async function checkWrites(master: MasterPool, key: string, load: SteadyLoad) {
  const present = (await master.lrange(key, 0, -1)).map(Number);
  const seen = new Set<number>();
  let duplicates = 0;
  for (const n of present) {
    if (seen.has(n)) duplicates++;
    seen.add(n);
  }
  const lost = load.acks.filter((a) => !seen.has(a.n)).length;
  return { lost, duplicates };
}

/** When the failover was triggered, and between which masters. */
interface Trigger {
  readonly t0: number;
  readonly from: NodeAddress;
  readonly to: NodeAddress;
  readonly switchesBefore: number;
}

/** With the load running: a steady second, the trigger, then load on the new master. */
async function failOverUnderLoad(
  kind: FailoverKind,
  ctx: FailoverContext,
  load: SteadyLoad,
): Promise<Trigger> {
  const { topology, witness, signal } = ctx;
  const wait = (fn: () => boolean, timeoutMs: number, message: string) =>
    eventually(fn, { timeoutMs, intervalMs: 20, message, signal });
  // A full second of load before the trigger, so that "-1s" shows the steady rate.
  const loadStart = performance.now();
  await wait(() => load.acks.length >= 300 && performance.now() - loadStart >= 1100, 10_000, 'steady load');
  const from = topology.masterAddress();
  const switchesBefore = topology.switches().length;
  const t0 = performance.now();
  const to = await trigger(kind, ctx, from);
  await wait(
    () => load.firstAckFrom(to.port, t0) !== undefined,
    15_000,
    `a write acknowledged by ${to.port}`,
  );
  const firstAck = load.firstAckFrom(to.port, t0)!;
  // Load duration after the switch, for the per-second figures (not a synchronization).
  await wait(
    () => load.acksSince(firstAck.at) >= 1000 && performance.now() - firstAck.at >= 1000,
    15_000,
    'load on the new master',
  );
  await wait(() => witness.clientSwitchTo(formatAddress(to), t0) !== undefined, 5_000, 'the client moved');
  return { t0, from, to, switchesBefore };
}

/** Puts the witnesses' records and the load's figures together (the load has stopped). */
async function measure(
  kind: FailoverKind,
  ctx: FailoverContext,
  load: SteadyLoad,
  { t0, from, to, switchesBefore }: Trigger,
  master: MasterPool,
  key: string,
): Promise<FailoverOutcome> {
  const { witness, topology } = ctx;
  const toText = formatAddress(to);
  const switchHeard = witness.first('+switch-master', t0);
  const announcedBy = switchHeard
    ? witness.every('+switch-master', switchHeard.message, t0).map((m) => m.sentinel)
    : [];
  const promoted = witness.first('+promoted-slave', t0);
  const announced = promoted && (!switchHeard || promoted.at <= switchHeard.at) ? promoted : switchHeard;
  const moved = witness.clientSwitchTo(toText, t0);
  const firstAnswer = load.firstAnswerFrom(to.port, t0);
  const firstAck = load.firstAckFrom(to.port, t0)!;
  // Whole seconds only: the load stopped during the last, partial one.
  const { writes, reads } = load.perSecond(t0 - 1000, Math.floor((performance.now() - t0) / 1000) + 1);
  const { lost, duplicates } = await checkWrites(master, key, load);
  return {
    kind,
    trigger: kind === 'graceful' ? 'SENTINEL FAILOVER' : `SIGKILL of the master ${formatAddress(from)}`,
    durableWrites: kind === 'sigkill',
    from: formatAddress(from),
    to: toText,
    steps: timelineOf(witness, t0).map((s) => ({ ...s, atMs: round(s.atMs)! })),
    switchAnnouncedMs: round(switchHeard && switchHeard.at - t0),
    announcedBy,
    reactionFrom: announced?.channel as FailoverOutcome['reactionFrom'],
    announcedMs: round(announced && announced.at - t0),
    masterChangedMs: round(moved && moved.at - t0),
    firstAnswerMs: round(firstAnswer && firstAnswer.at - t0),
    firstWriteMs: round(firstAck.at - t0),
    reactionMs: round(announced && firstAck.at - announced.at),
    answerReactionMs: round(announced && firstAnswer && firstAnswer.at - announced.at),
    writesPerSecond: writes,
    readsPerSecond: reads,
    errors: Object.fromEntries(load.errors),
    acknowledgedWrites: load.acks.length,
    lostWrites: lost,
    duplicateWrites: duplicates,
    isDoubleFailover: topology.switches().length - switchesBefore > 1,
  };
}

/** Runs one failover under load and measures it. */
export async function runFailover(kind: FailoverKind, ctx: FailoverContext): Promise<FailoverOutcome> {
  const { topology, sentinel } = ctx;
  const name = topology.masterName;
  const master =
    kind === 'sigkill'
      ? sentinel.masterFor(name, { waitForReplicas: { ...DURABLE } })
      : sentinel.masterFor(name);
  const replica = sentinel.replicaFor(name);
  const key = `demo:seq:${kind}`;
  const probeKey = 'demo:probe';
  await master.del(key);
  await master.set(probeKey, 'steady');
  const load = SteadyLoad.start(master, replica, {
    key,
    probeKey,
    writers: 4,
    readers: 2,
    maxMs: 60_000,
    maxWrites: 500_000,
  });
  try {
    const triggered = await failOverUnderLoad(kind, ctx, load);
    await load.stop();
    return await measure(kind, ctx, load, triggered, master, key);
  } finally {
    await load.stop();
  }
}
