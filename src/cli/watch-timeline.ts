/**
 * `watch --timeline`: what a client of this library does during a failover, next to what the
 * sentinels publish. A Sentinel and a `masterFor(name)` pool that sends PING every
 * {@link PROBE_INTERVAL_MS} (so that there are commands to hold and a first answer to time);
 * the library's diagnostics channels give the lines: the announcement of the new master, the
 * hold's start and end, the first answer from the new master. Formatting is pure
 * ({@link timelineLine}); {@link startTimeline} is the shell.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  CHANNELS,
  type FailoverMessage,
  type MasterChangedMessage,
  type ReactionMessage,
  Sentinel,
} from '../index.js';
import type { Target } from './target.js';

/** How often the probe pool sends PING: often enough to time the reaction within that. */
export const PROBE_INTERVAL_MS = 100;

/** One thing the client did, from one channel. */
export type TimelineEvent =
  | { channel: 'master-changed'; message: MasterChangedMessage }
  | { channel: 'failover'; message: FailoverMessage }
  | { channel: 'reaction'; message: ReactionMessage };

/** The text of one timeline line (without the clock). */
export function timelineLine(event: TimelineEvent): string {
  switch (event.channel) {
    case 'master-changed': {
      const { from, to, via, reason } = event.message;
      return `client: master announced ${from ?? '(none)'} -> ${to} (${reason} from ${via})`;
    }
    case 'failover': {
      const { phase, heldMs, heldCommands, endedBy } = event.message;
      if (phase === 'start') return 'client: hold start (a failover is promoting a replica; commands wait)';
      const count =
        heldCommands === undefined ? '' : `, ${heldCommands} command${heldCommands === 1 ? '' : 's'} held`;
      return `client: hold end after ${Math.round(heldMs ?? 0)} ms${count} (${endedBy})`;
    }
    case 'reaction': {
      const { master, ms } = event.message;
      return `client: first answer from the new master ${master}, ${ms.toFixed(1)} ms after the announcement`;
    }
  }
}

/** A running timeline: stop() unsubscribes, stops the probe and quits the client. */
export interface Timeline {
  stop(): Promise<void>;
}

/**
 * Subscribes to the channels, then starts the client and its probe. `onEvent` gets the events
 * about `name` only (another Sentinel in the process would publish on the same channels).
 */
export function startTimeline(
  target: Target,
  name: string,
  onEvent: (event: TimelineEvent) => void,
): Timeline {
  const listeners = {
    'master-changed': (message: unknown) => {
      const m = message as MasterChangedMessage;
      if (m.name === name) onEvent({ channel: 'master-changed', message: m });
    },
    failover: (message: unknown) => {
      const m = message as FailoverMessage;
      if (m.name === name && m.kind === 'masterFor') onEvent({ channel: 'failover', message: m });
    },
    reaction: (message: unknown) => {
      const m = message as ReactionMessage;
      if (m.name === name && m.kind === 'masterFor') onEvent({ channel: 'reaction', message: m });
    },
  };
  subscribe(CHANNELS.masterChanged, listeners['master-changed']);
  subscribe(CHANNELS.failover, listeners.failover);
  subscribe(CHANNELS.reaction, listeners.reaction);
  const sentinel = new Sentinel(target.sentinels, {
    sentinelUsername: target.sentinelAuth.username,
    sentinelPassword: target.sentinelAuth.password,
    username: target.dataAuth.username,
    password: target.dataAuth.password,
    tls: target.tls,
    sentinelTLS: target.tls,
    connectTimeout: target.timeoutMs,
    commandTimeout: target.timeoutMs,
  });
  // Background errors (a sentinel down) are the sentinels' lines' business, not a crash.
  sentinel.on('error', () => {});
  const pool = sentinel.masterFor(name);
  let isProbing = false;
  const probe = setInterval(() => {
    if (isProbing) return;
    isProbing = true;
    pool.ping().then(
      () => {
        isProbing = false;
      },
      () => {
        isProbing = false;
      },
    );
  }, PROBE_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(probe);
      unsubscribe(CHANNELS.masterChanged, listeners['master-changed']);
      unsubscribe(CHANNELS.failover, listeners.failover);
      unsubscribe(CHANNELS.reaction, listeners.reaction);
      await sentinel.disconnect();
    },
  };
}
