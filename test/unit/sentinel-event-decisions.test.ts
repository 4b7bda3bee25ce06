import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reduceDiscovery } from '../../src/discovery/discovery-reducer.js';
import {
  type DiscoveryEffect,
  type DiscoverySettings,
  type DiscoveryState,
  type DiscoveryStep,
  initialDiscoveryState,
} from '../../src/discovery/discovery-state.js';
import { REPLICA_RECHECKS } from '../../src/discovery/discovery-transitions.js';
import { parseSentinelEvent } from '../../src/discovery/sentinel-replies.js';
import { AddressNotAllowedError, SentinelConfigError } from '../../src/errors.js';
import type { ReplicaInfo } from '../../src/topology.js';
import { A, B, C, NOW, S, settings } from '../helpers/discovery-fixtures.js';

const replica = (address: typeof A): ReplicaInfo => ({
  ...address,
  flags: ['slave'],
  masterLinkStatus: 'ok',
});

/** A group whose master is A, with replicas B and C, nothing under way. */
const known = (extra: Partial<DiscoveryState> = {}): DiscoveryState => ({
  ...initialDiscoveryState(),
  master: A,
  epoch: 1,
  replicas: [replica(B), replica(C)],
  ...extra,
});

/** Feeds one message, as a sentinel publishes it, to the reducer. */
function publish(
  state: DiscoveryState,
  channel: string,
  message: string,
  now = NOW,
  overrides: Partial<DiscoverySettings> = {},
): DiscoveryStep {
  const event = parseSentinelEvent(channel, message);
  assert.ok(event, `${channel} ${message} parses`);
  return reduceDiscovery(
    state,
    { kind: 'sentinelEvent', event, sentinel: S, now },
    { ...settings, ...overrides },
  );
}

/** The effects without debug lines, `emit:<event>` for emits: what a test compares. */
const kinds = (effects: DiscoveryEffect[]): string[] =>
  effects.filter((e) => e.kind !== 'log').map((e) => (e.kind === 'emit' ? `emit:${e.event}` : e.kind));

const emitted = (step: DiscoveryStep, event: string): unknown => {
  for (const effect of step.effects)
    if (effect.kind === 'emit' && effect.event === event) return effect.payload;
  return undefined;
};

// Wire formats: `<type> <name> <ip> <port> @ <master-name> <master-ip> <master-port>`.
const PROMOTING_B = 'slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379';
const PROMOTING_C_FROM_B = 'slave 10.0.0.3:6379 10.0.0.3 6379 @ mymaster 10.0.0.2 6379';

describe('published events: the master moves', () => {
  it('+switch-master from the known master is applied at once', () => {
    const step = publish(known(), '+switch-master', 'mymaster 10.0.0.1 6379 10.0.0.2 6379');
    assert.deepEqual(kinds(step.effects), ['stopPoll', 'emit:masterChanged', 'scheduleRecheck']);
    assert.deepEqual(emitted(step, 'masterChanged'), { name: 'mymaster', from: A, to: B, sentinel: S });
    assert.deepEqual(step.state.master, B);
    assert.deepEqual(
      step.state.replicas.map((r) => r.host),
      [C.host],
      'the new master is no replica',
    );
    assert.equal(step.state.rechecksLeft, REPLICA_RECHECKS - 1);
  });

  it('+promoted-slave names the old master after @', () => {
    const step = publish(known(), '+promoted-slave', PROMOTING_B);
    assert.deepEqual(step.state.master, B);
  });

  it('the same switch announced again by another sentinel changes nothing', () => {
    const step = publish(known({ master: B }), '+switch-master', 'mymaster 10.0.0.1 6379 10.0.0.2 6379');
    assert.deepEqual(kinds(step.effects), []);
  });

  it('a switch from a master we do not know is checked by asking the sentinels', () => {
    const step = publish(known({ master: C }), '+switch-master', 'mymaster 10.0.0.1 6379 10.0.0.2 6379');
    assert.deepEqual(kinds(step.effects), ['schedulePoll']);
    assert.deepEqual(step.state.master, C);
  });

  it('a switch to an address outside allowedHosts is refused and reported', () => {
    const step = publish(known(), '+switch-master', 'mymaster 10.0.0.1 6379 10.0.0.2 6379', NOW, {
      allowedHosts: [A.host],
    });
    assert.deepEqual(kinds(step.effects), ['report']);
    const report = step.effects.find((e) => e.kind === 'report');
    assert.ok(report?.kind === 'report' && report.error instanceof AddressNotAllowedError);
    assert.deepEqual(step.state.master, A);
  });

  it('natMap translates announced addresses; a natMap that throws is reported, not thrown', () => {
    const natMap = { '10.0.0.2:6379': { host: 'public.example', port: 1 } };
    const mapped = publish(known(), '+switch-master', 'mymaster 10.0.0.1 6379 10.0.0.2 6379', NOW, {
      natMap,
    });
    assert.deepEqual(mapped.state.master, { host: 'public.example', port: 1 });
    const throwing = publish(
      known(),
      '+sdown',
      'slave 10.0.0.7:6379 10.0.0.7 6379 @ mymaster 10.0.0.1 6379',
      NOW,
      {
        natMap: () => {
          throw new Error('boom');
        },
      },
    );
    const report = throwing.effects.find((e) => e.kind === 'report');
    assert.ok(report?.kind === 'report' && report.error instanceof SentinelConfigError);
  });
});

describe('published events: failovers and the hold', () => {
  it('the first step of a failover of our master announces failoverStarted once, and polls', () => {
    const first = publish(known(), '+selected-slave', PROMOTING_B);
    assert.deepEqual(kinds(first.effects), ['emit:failoverStarted', 'schedulePoll']);
    assert.deepEqual(emitted(first, 'failoverStarted'), { name: 'mymaster', candidate: B, sentinel: S });
    assert.equal(first.state.failoverStartedAt, NOW);
    const second = publish(first.state, '+failover-state-send-slaveof-noone', PROMOTING_B, NOW + 1);
    assert.deepEqual(kinds(second.effects), [], 'the leader publishes both; one failoverStarted');
  });

  it('a failover step after failoverTimeout is a new failover', () => {
    const stale = known({ failoverStartedAt: NOW - settings.failoverTimeout - 1 });
    assert.deepEqual(kinds(publish(stale, '+selected-slave', PROMOTING_B).effects), [
      'emit:failoverStarted',
      'schedulePoll',
    ]);
  });

  it('a failover step before any master is known still starts the hold', () => {
    const step = publish(initialDiscoveryState(), '+selected-slave', PROMOTING_B);
    assert.deepEqual(kinds(step.effects), ['emit:failoverStarted', 'schedulePoll']);
  });

  // Commit 7b6ea10: a late failover event about the old master held writes until failoverTimeout.
  it('a failover of a master we already left does not start a hold', () => {
    for (const channel of ['+selected-slave', '+failover-state-send-slaveof-noone']) {
      const step = publish(known({ master: B }), channel, PROMOTING_B);
      assert.equal(emitted(step, 'failoverStarted'), undefined, channel);
      assert.deepEqual(kinds(step.effects), ['schedulePoll'], 'it only makes us ask the sentinels');
      assert.equal(step.state.failoverStartedAt, 0);
    }
    const another = publish(known(), '+selected-slave', PROMOTING_C_FROM_B);
    assert.equal(emitted(another, 'failoverStarted'), undefined);
  });

  it('+failover-end and the aborts end the failover', () => {
    const started = known({ failoverStartedAt: NOW });
    const ended = publish(started, '+failover-end', 'master mymaster 10.0.0.1 6379');
    assert.deepEqual(emitted(ended, 'failoverEnded'), { name: 'mymaster', aborted: false, sentinel: S });
    assert.equal(ended.state.failoverStartedAt, 0);
    for (const channel of [
      '-failover-abort-not-elected',
      '-failover-abort-no-good-slave',
      '-failover-abort-slave-timeout',
    ]) {
      const aborted = publish(started, channel, 'master mymaster 10.0.0.1 6379');
      assert.deepEqual(emitted(aborted, 'failoverEnded'), { name: 'mymaster', aborted: true, sentinel: S });
    }
  });

  it('+odown of our master starts a poll; of another master, nothing', () => {
    const ours = publish(known(), '+odown', 'master mymaster 10.0.0.1 6379 #quorum 2/2');
    assert.deepEqual(kinds(ours.effects), ['schedulePoll']);
    const other = publish(known({ master: B }), '+odown', 'master mymaster 10.0.0.1 6379 #quorum 2/2');
    assert.deepEqual(kinds(other.effects), []);
  });
});

describe('published events: replicas and sentinels', () => {
  it('+sdown of a known replica drops it at once; of an unknown one, nothing', () => {
    const down = publish(known(), '+sdown', 'slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379');
    assert.deepEqual(kinds(down.effects), ['emit:replicaDown']);
    assert.deepEqual(
      down.state.replicas.map((r) => r.host),
      [C.host],
    );
    const unknown = publish(known(), '+sdown', 'slave 10.0.0.7:6379 10.0.0.7 6379 @ mymaster 10.0.0.1 6379');
    assert.deepEqual(kinds(unknown.effects), []);
  });

  it('-sdown, +slave and +convert-to-slave of a replica reset the recheck budget', () => {
    for (const channel of ['-sdown', '+slave', '+convert-to-slave']) {
      const step = publish(known(), channel, 'slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379');
      assert.deepEqual(kinds(step.effects), ['scheduleRecheck'], channel);
      assert.equal(step.state.rechecksLeft, REPLICA_RECHECKS - 1);
    }
    const master = publish(known(), '-sdown', 'master mymaster 10.0.0.1 6379');
    assert.deepEqual(kinds(master.effects), []);
  });

  it('+sentinel adds the sentinel when updateSentinels is on, and within allowedHosts', () => {
    const message = 'sentinel abc123 10.0.0.8 26379 @ mymaster 10.0.0.1 6379';
    const added = publish(known(), '+sentinel', message);
    assert.deepEqual(added.effects.at(-1), {
      kind: 'addSentinel',
      address: { host: '10.0.0.8', port: 26379 },
    });
    assert.deepEqual(
      kinds(publish(known(), '+sentinel', message, NOW, { updateSentinels: false }).effects),
      [],
    );
    const refused = publish(known(), '+sentinel', message, NOW, { allowedHosts: [A.host] });
    assert.deepEqual(kinds(refused.effects), ['report']);
  });

  it('after close, published events are ignored', () => {
    const closed = known({ isClosed: true });
    const step = publish(closed, '+switch-master', 'mymaster 10.0.0.1 6379 10.0.0.2 6379');
    assert.deepEqual(step, { state: closed, effects: [] });
  });
});
