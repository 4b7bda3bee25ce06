/**
 * The failover section (parent side): for each run, a fresh LocalTopology, one client under test
 * in a child process (bench/failover-client.ts), one trigger, and Sentinel timed by our own
 * subscribers. Runs in which Sentinel switched more than once are excluded and run again.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LocalTopology } from '../src/testing/index.js';
import type { FailoverClientConfig } from './failover-client.js';
import { BenchChild } from './lib/bench-child.js';
import { now, sleep, withTimeout } from './lib/clock.js';
import { analyzeRun, type RunMeasure } from './lib/failover-analysis.js';
import type { ClientEvent, ClientName, Endpoint } from './lib/peer-clients.js';
import { SentinelTimeline, type SwitchSeen } from './lib/sentinel-timeline.js';
import type { LoadLog } from './lib/sequenced-load.js';
import { round } from './lib/stats.js';

export const TRIGGERS = ['graceful', 'sigkill', 'sigstop'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const TRIGGER_LABELS: Record<Trigger, string> = {
  graceful: 'SENTINEL FAILOVER',
  sigkill: 'SIGKILL master',
  sigstop: 'SIGSTOP master (SIGCONT at the switch)',
};

export interface FailoverSettings {
  clients: readonly ClientName[];
  triggers: readonly Trigger[];
  runsPerCell: number;
  /** Extra attempts per run when Sentinel failed over twice or the run could not be measured. */
  maxRetriesPerRun: number;
  /** From the trigger: how long to wait for a switch and for the client to write on the new master. */
  observeMs: number;
  /** After the client's writes reach the new master: how long to keep watching (late errors, duplicates). */
  settleMs: number;
  child: Omit<FailoverClientConfig, 'sentinels' | 'masterName'>;
}

/** One measured run, or why it was excluded. */
export interface RunRecord {
  client: ClientName;
  trigger: Trigger;
  run: number;
  attempt: number;
  excluded?: string;
  measure?: RunMeasure;
  /** The leader's `+failover-state-send-slaveof-noone` → first `+switch-master`. */
  promotionBeforeSwitchMs?: number;
  /** Trigger → first `+switch-master` (Sentinel's part, not the client's). */
  switchAfterTriggerMs?: number;
  /** Sentinel's events and the client's own, in ms from the first `+switch-master`. */
  sentinelTimeline?: { ms: number; sentinel: number; event: string }[];
  clientEvents?: { ms: number; what: string }[];
  clientErrorEvents?: Record<string, number>;
}

const CLIENT_SCRIPT = join(import.meta.dirname, 'failover-client.ts');
const POLL_MS = 50;
const MAX_TIMELINE_ENTRIES = 60;

/** Resolves once the list on the new master grew on two polls in a row (the client writes there). */
async function untilWritingTo(node: Endpoint, key: string, deadline: number): Promise<number | undefined> {
  const probe = new Redis({
    ...node,
    protocol: 2,
    lazyConnect: true,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
  });
  probe.on('error', () => undefined);
  try {
    let last = -1;
    let growths = 0;
    while (now() < deadline) {
      const length = await probe.llen(key).catch(() => -1);
      growths = length > last && last >= 0 ? growths + 1 : 0;
      last = length;
      if (growths >= 2) return now();
      await sleep(POLL_MS);
    }
    return undefined;
  } finally {
    probe.disconnect();
  }
}

async function readList(node: Endpoint, key: string): Promise<string[]> {
  const client = new Redis({ ...node, protocol: 2, commandTimeout: 5000, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    return await client.lrange(key, 0, -1);
  } finally {
    client.disconnect();
  }
}

async function seedReadKey(topology: LocalTopology, key: string): Promise<void> {
  const client = new Redis({ ...topology.masterAddress(), protocol: 2, commandTimeout: 2000 });
  try {
    await client.set(key, 'x');
    await client.wait(topology.replicaAddresses().length, 1000);
  } finally {
    client.disconnect();
  }
}

/** Starts the trigger; the promise settles when the kit's part of it is done (not the switch). */
function fire(trigger: Trigger, topology: LocalTopology, master: Endpoint): Promise<unknown> {
  switch (trigger) {
    case 'graceful':
      return topology.failover();
    case 'sigkill':
      return topology.kill(master, 'SIGKILL');
    case 'sigstop':
      return topology.kill(master, 'SIGSTOP');
  }
}

interface Observed {
  triggerAt: number;
  /** The first `+switch-master`, if one came within the window. */
  first: SwitchSeen | undefined;
  /** The kit's error if the trigger itself failed. */
  kitError: unknown;
}

/**
 * Fires the trigger, waits for the first `+switch-master` (SIGCONT then, for SIGSTOP), then for
 * the client's writes to reach the new master, then `settleMs` more; all within `observeMs`.
 */
async function observe(
  topology: LocalTopology,
  trigger: Trigger,
  settings: FailoverSettings,
  timeline: SentinelTimeline,
) {
  const master = topology.masterAddress();
  const triggerAt = now();
  const kitDone = fire(trigger, topology, master).catch((error: unknown) => error);
  const deadline = triggerAt + settings.observeMs;
  const first = await timeline.firstSwitch(deadline - now());
  if (trigger === 'sigstop') await topology.kill(master, 'SIGCONT');
  const writingAt =
    first === undefined ? undefined : await untilWritingTo(first.to, settings.child.load.listKey, deadline);
  if (writingAt !== undefined) await sleep(settings.settleMs);
  const kitError = await withTimeout(kitDone, settings.observeMs, 'trigger').catch((e: unknown) => e);
  return { triggerAt, first, kitError } satisfies Observed;
}

/** Why a run cannot count, if it cannot. */
function exclusion(
  observed: Observed,
  topology: LocalTopology,
  timeline: SentinelTimeline,
  observeMs: number,
) {
  if (observed.first === undefined) return `no +switch-master within ${observeMs} ms`;
  if (observed.kitError instanceof Error) return `trigger failed: ${observed.kitError.message}`;
  const switches = timeline.switches().length;
  const isDouble = topology.doubleFailoverCount > 0 || topology.switches().some((s) => s.isDoubleFailover);
  return switches > 1 || isDouble ? `Sentinel switched ${switches} times (double failover)` : undefined;
}

async function measureOnce(
  topology: LocalTopology,
  client: ClientName,
  trigger: Trigger,
  settings: FailoverSettings,
): Promise<Omit<RunRecord, 'client' | 'trigger' | 'run' | 'attempt'>> {
  await seedReadKey(topology, settings.child.load.readKey);
  const timeline = await SentinelTimeline.watch(topology.sentinelAddresses(), topology.masterName);
  const config: FailoverClientConfig = {
    ...settings.child,
    sentinels: topology.sentinelAddresses(),
    masterName: topology.masterName,
  };
  const child = new BenchChild(CLIENT_SCRIPT, [client, trigger, JSON.stringify(config)]);
  try {
    await child.next('ready', config.connectTimeoutMs + config.warmupMs + 5000);
    const observed = await observe(topology, trigger, settings, timeline);
    child.send({ type: 'stop' });
    const result = await child.next('result', config.stopGraceMs + 10_000);
    await child.close(config.closeTimeoutMs + 3000);
    const excluded = exclusion(observed, topology, timeline, settings.observeMs);
    const { first, triggerAt } = observed;
    if (excluded !== undefined || first === undefined) return { excluded: excluded ?? 'no switch' };
    const list = await readList(first.to, settings.child.load.listKey);
    const promotionAt = timeline.firstAt('+failover-state-send-slaveof-noone', triggerAt) ?? first.at;
    const since = (at: number) => Math.round((at - first.at) * 100) / 100;
    return {
      measure: analyzeRun(result.log as LoadLog, list, { triggerAt, promotionAt, switchAt: first.at }),
      promotionBeforeSwitchMs: round(first.at - promotionAt, 1),
      switchAfterTriggerMs: Math.round(first.at - triggerAt),
      sentinelTimeline: timeline.relativeTo(first.at).slice(0, MAX_TIMELINE_ENTRIES),
      clientEvents: (result.events as ClientEvent[])
        .filter((e) => e.at >= triggerAt)
        .slice(0, MAX_TIMELINE_ENTRIES)
        .map((e) => ({ ms: since(e.at), what: e.what })),
      clientErrorEvents: result.errorEvents as Record<string, number>,
    };
  } finally {
    timeline.close();
    await child.kill();
  }
}

/** One run on a fresh topology, stopped whatever happens. */
export async function runFailover(
  client: ClientName,
  trigger: Trigger,
  settings: FailoverSettings,
): Promise<Omit<RunRecord, 'client' | 'trigger' | 'run' | 'attempt'>> {
  const topology = await LocalTopology.start();
  try {
    return await measureOnce(topology, client, trigger, settings);
  } catch (error) {
    return { excluded: `error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500) };
  } finally {
    await topology.stop();
  }
}

/**
 * Every cell (trigger × client), `runsPerCell` measured runs each, interleaved: run 1 of every
 * cell, then run 2, … so that a drift of the machine touches every client alike.
 */
export async function runFailoverSection(
  settings: FailoverSettings,
  progress: (line: string) => void,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const cells = settings.runsPerCell * settings.triggers.length * settings.clients.length;
  let done = 0;
  for (let run = 1; run <= settings.runsPerCell; run++) {
    for (const trigger of settings.triggers) {
      for (const client of settings.clients) {
        done++;
        for (let attempt = 1; attempt <= 1 + settings.maxRetriesPerRun; attempt++) {
          progress(`failover ${done}/${cells}: ${trigger}, ${client}, run ${run}, attempt ${attempt}`);
          const record: RunRecord = {
            client,
            trigger,
            run,
            attempt,
            ...(await runFailover(client, trigger, settings)),
          };
          records.push(record);
          if (record.excluded === undefined) break;
        }
      }
    }
  }
  return records;
}
