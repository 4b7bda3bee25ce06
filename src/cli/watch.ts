/**
 * `sentinel-pool watch`: what the named sentinels publish, live, one timestamped line per event
 * however many sentinels said it, until Ctrl-C (exit 0). Each sentinel gets a RESP2 subscriber
 * on `*` that reconnects by itself; connection changes go to stderr, events to stdout.
 */
import { Redis } from 'ioredis';
import { formatAddress } from '../address.js';
import { type CommandSpec, parseArgs, UsageError } from './args.js';
import { waitForInterrupt } from './interrupt.js';
import { describeError, formatClock, type Io, type Painter, painterFor, writeLine } from './output.js';
import { checkSentinel } from './sentinel-check.js';
import { HELLO_CHANNEL, masterNameOf, toneOf } from './sentinel-messages.js';
import { clientOptions, type Target, targetCommandOptions, targetFrom } from './target.js';
import { EventMerger, type MergedEvent } from './watch-events.js';
import { planWatch } from './watch-plan.js';
import {
  PROBE_INTERVAL_MS,
  startTimeline,
  type Timeline,
  type TimelineEvent,
  timelineLine,
} from './watch-timeline.js';

/** Sentinels publish the same event up to ~1 s apart (the failover leader last). */
const GATHER_MS = 1000;
/** The same channel and message this soon after the first is the same event. */
const DEDUP_MS = 5000;
/** Reconnect backoff of a subscriber whose sentinel went away. */
const MAX_RECONNECT_DELAY_MS = 2000;

const OPTIONS = {
  ...targetCommandOptions(
    { type: 'string', placeholder: 'name', description: 'Only events about this master group' },
    'One JSON object per event (NDJSON) instead of text',
  ),
  timeline: {
    type: 'boolean',
    description: `Also run a client of --name (a master pool sending PING every ${PROBE_INTERVAL_MS} ms) and print what it does in a failover: announcement, hold start, first answer from the new master, hold end`,
  },
} as const;

export const WATCH_SPEC = {
  name: 'watch',
  summary: 'Print live events from every sentinel (switch-master, sdown/odown, failover steps), until Ctrl-C',
  details: [
    'First asks every sentinel named in --sentinels which master groups it monitors (SENTINEL MASTERS): exits 2 when none answers or none monitors --name, and ignores one that is not a sentinel or does not monitor --name.',
    `Subscribes to every channel of every remaining sentinel. An event that several sentinels publish is printed once, about ${GATHER_MS / 1000} s after the first, with the sentinels that said it. Events that name no master (+new-epoch …) are shown even with --name.`,
  ],
  options: OPTIONS,
  examples: [
    'watch --sentinels 127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381 --name mymaster',
    'watch --sentinels 127.0.0.1:26379 --name mymaster --timeline',
  ],
} satisfies CommandSpec;

function toneColor(channel: string, paint: Painter): (text: string) => string {
  const tone = toneOf(channel);
  if (tone === 'switch') return (text) => paint.bold(paint.magenta(text));
  if (tone === 'bad') return paint.red;
  if (tone === 'good') return paint.green;
  return paint.cyan;
}

function printEvent(event: MergedEvent, json: boolean, io: Io, paint: Painter): void {
  if (json) {
    const record = { time: new Date(event.at).toISOString(), ...event, at: undefined };
    writeLine(
      io.stdout,
      JSON.stringify({ ...record, master: masterNameOf(event.channel, event.message) ?? null }),
    );
    return;
  }
  const channel = toneColor(event.channel, paint)(event.channel.padEnd(28));
  const who = paint.dim(`[${event.sentinels.join(' ')}]`);
  writeLine(io.stdout, `${formatClock(new Date(event.at))}  ${channel} ${event.message}  ${who}`);
}

function printTimeline(event: TimelineEvent, json: boolean, io: Io, paint: Painter): void {
  const now = new Date();
  if (json) {
    writeLine(
      io.stdout,
      JSON.stringify({ time: now.toISOString(), source: 'client', channel: event.channel, ...event.message }),
    );
    return;
  }
  const text = timelineLine(event);
  const color =
    event.channel === 'reaction' ? paint.green : event.channel === 'failover' ? paint.yellow : paint.magenta;
  writeLine(io.stdout, `${formatClock(now)}  ${paint.bold(color(text))}`);
}

/** One self-healing subscriber per sentinel. */
function subscribe(
  target: Target,
  onMessage: (sentinel: string, channel: string, message: string) => void,
  io: Io,
  isClosing: () => boolean,
) {
  return target.sentinels.map((address) => {
    const where = formatAddress(address);
    const client = new Redis(
      clientOptions(target, address, target.sentinelAuth, {
        retryStrategy: (times) => Math.min(100 * times, MAX_RECONNECT_DELAY_MS),
        autoResubscribe: false,
      }),
    );
    let wasReady = false;
    let isUp = false;
    let lastError = '';
    client.on('error', (error: Error) => {
      lastError = describeError(error);
    });
    client.on('ready', () => {
      if (wasReady) writeLine(io.stderr, `${formatClock(new Date())}  reconnected to sentinel ${where}`);
      wasReady = true;
      isUp = true;
      client.psubscribe('*').catch((error: unknown) => {
        writeLine(io.stderr, `sentinel ${where}: PSUBSCRIBE failed: ${describeError(error)}`);
      });
    });
    client.on('close', () => {
      if (!isUp || isClosing()) return;
      isUp = false;
      writeLine(
        io.stderr,
        `${formatClock(new Date())}  lost sentinel ${where}${lastError ? ` (${lastError})` : ''}; reconnecting`,
      );
    });
    client.on('pmessage', (_pattern: string, channel: string, message: string) =>
      onMessage(where, channel, message),
    );
    const connected = client.connect().then(
      () => undefined,
      () => `${where}: ${lastError || 'connection failed'}`,
    );
    return { client, connected };
  });
}

/** Runs `watch` until SIGINT or SIGTERM; resolves with the exit code. */
export async function runWatch(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs(args, WATCH_SPEC);
  const named = targetFrom(WATCH_SPEC.name, values, values.name, io.env);
  if (values.timeline && named.name === undefined) {
    throw new UsageError('--timeline needs --name: the master group whose client to run', WATCH_SPEC.name);
  }
  const plan = planWatch(named.name, await Promise.all(named.sentinels.map((s) => checkSentinel(s, named))));
  if (plan.fatal) {
    writeLine(io.stderr, `${io.program} watch: ${plan.fatal[0]}`);
    for (const line of plan.fatal.slice(1)) writeLine(io.stderr, line);
    return 2;
  }
  for (const note of plan.notes) writeLine(io.stderr, note);
  const target = {
    ...named,
    sentinels: named.sentinels.filter((s) => plan.subscribeTo.includes(formatAddress(s))),
  };
  const paint = painterFor(io.stdout, io.env);
  let count = 0;
  const merger = new EventMerger({ gatherMs: GATHER_MS, dedupMs: DEDUP_MS }, (event) => {
    count++;
    printEvent(event, values.json, io, paint);
  });
  const interrupted = waitForInterrupt();
  let isClosing = false;
  const subscribers = subscribe(
    target,
    (sentinel, channel, message) => {
      if (channel === HELLO_CHANNEL) return;
      const master = masterNameOf(channel, message);
      if (target.name !== undefined && master !== undefined && master !== target.name) return;
      merger.add(sentinel, channel, message);
    },
    io,
    () => isClosing,
  );
  const startedAt = Date.now();
  let timeline: Timeline | undefined;
  try {
    const failures = (await Promise.all(subscribers.map((s) => s.connected))).filter((f) => f !== undefined);
    if (failures.length === subscribers.length) {
      writeLine(io.stderr, `${io.program} watch: no sentinel answered: ${failures.join('; ')}`);
      return 2;
    }
    for (const failure of failures) writeLine(io.stderr, `not connected yet (retrying): ${failure}`);
    const about = target.name === undefined ? 'every master' : `"${target.name}"`;
    writeLine(
      io.stderr,
      `watching ${subscribers.length - failures.length} of ${named.sentinels.length} sentinels for ${about}; Ctrl-C to stop`,
    );
    if (values.timeline && target.name !== undefined) {
      timeline = startTimeline(target, target.name, (event) => printTimeline(event, values.json, io, paint));
      writeLine(io.stderr, `timeline: a client of "${target.name}" sends PING every ${PROBE_INTERVAL_MS} ms`);
    }
    await interrupted.promise;
    merger.flush();
    writeLine(io.stderr, `stopped after ${Math.round((Date.now() - startedAt) / 1000)} s, ${count} events`);
    return 0;
  } finally {
    isClosing = true;
    await timeline?.stop();
    interrupted.dispose();
    merger.close();
    for (const { client } of subscribers) client.disconnect();
  }
}
