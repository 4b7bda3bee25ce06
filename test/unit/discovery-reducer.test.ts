import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reduceDiscovery } from '../../src/discovery/discovery-reducer.js';
import {
  type DiscoveryEffect,
  type DiscoveryEvent,
  type DiscoveryState,
  initialDiscoveryState,
  type TopologyAnswer,
} from '../../src/discovery/discovery-state.js';
import { REPLICA_RECHECKS } from '../../src/discovery/discovery-transitions.js';
import type { ReplicaInfo } from '../../src/topology.js';
import { A, B, NOW, S, settings } from '../helpers/discovery-fixtures.js';

const replica = (port: number, extra: Partial<ReplicaInfo> = {}): ReplicaInfo => ({
  host: '10.0.0.5',
  port,
  flags: ['slave'],
  masterLinkStatus: 'ok',
  ...extra,
});

/** A group whose master is A at epoch 1, nothing under way. */
const known = (extra: Partial<DiscoveryState> = {}): DiscoveryState => ({
  ...initialDiscoveryState(),
  master: A,
  epoch: 1,
  ...extra,
});

/** The effects without debug lines, `emit:<event>` for emits: what a test compares. */
const kinds = (effects: DiscoveryEffect[]): string[] =>
  effects.filter((e) => e.kind !== 'log').map((e) => (e.kind === 'emit' ? `emit:${e.event}` : e.kind));

const topology = (
  master: typeof A,
  epoch: number | undefined,
  replicas: ReplicaInfo[] = [],
): DiscoveryEvent => {
  const answer: TopologyAnswer = { value: { master, epoch, replicas }, sentinel: S };
  return { kind: 'topologyAnswered', answer, now: NOW };
};

describe('discovery reducer: suspicion, confirmation, poll', () => {
  it('a suspicion starts a fast poll with a deadline of failoverTimeout', () => {
    const { state, effects } = reduceDiscovery(
      known(),
      { kind: 'masterSuspected', reason: 'lost', now: NOW },
      settings,
    );
    assert.deepEqual(kinds(effects), ['schedulePoll']);
    assert.equal(state.isPolling, true);
    assert.equal(state.pollDeadline, NOW + settings.failoverTimeout);
  });

  it('a suspicion during a poll only moves its deadline; after close it does nothing', () => {
    const polling = known({ isPolling: true, pollDeadline: NOW });
    const moved = reduceDiscovery(
      polling,
      { kind: 'masterSuspected', reason: 'lost', now: NOW + 5 },
      settings,
    );
    assert.deepEqual(moved.effects, []);
    assert.equal(moved.state.pollDeadline, NOW + 5 + settings.failoverTimeout);
    const closed = known({ isClosed: true });
    const after = reduceDiscovery(closed, { kind: 'masterSuspected', reason: 'lost', now: NOW }, settings);
    assert.deepEqual(after, { state: closed, effects: [] });
  });

  it('confirming the known master stops the poll; confirming another address does not', () => {
    const polling = known({ isPolling: true });
    const same = reduceDiscovery(polling, { kind: 'masterConfirmed', address: { ...A } }, settings);
    assert.deepEqual(kinds(same.effects), ['stopPoll']);
    assert.equal(same.state.isPolling, false);
    const other = reduceDiscovery(polling, { kind: 'masterConfirmed', address: B }, settings);
    assert.deepEqual(other, { state: polling, effects: [] });
  });

  it('a poll answer adopts the newer master and ends the poll', () => {
    const polling = known({ isPolling: true, pollDeadline: NOW + 100 });
    const answer = { value: { master: B, epoch: 2 }, sentinel: S };
    const { state, effects } = reduceDiscovery(polling, { kind: 'pollAnswered', answer, now: NOW }, settings);
    assert.deepEqual(kinds(effects), ['stopPoll', 'emit:masterChanged', 'scheduleRecheck', 'stopPoll']);
    assert.deepEqual(effects.find((e) => e.kind === 'emit')?.payload, {
      name: 'mymaster',
      from: A,
      to: B,
      sentinel: S,
    });
    assert.deepEqual([state.master, state.epoch, state.isPolling], [B, 2, false]);
  });

  it('no answer asks again before the deadline and gives up after it', () => {
    const polling = known({ isPolling: true, pollDeadline: NOW + 100 });
    const again = reduceDiscovery(polling, { kind: 'pollAnswered', answer: undefined, now: NOW }, settings);
    assert.deepEqual(kinds(again.effects), ['schedulePoll']);
    assert.equal(again.state.isPolling, true);
    const late = reduceDiscovery(
      polling,
      { kind: 'pollAnswered', answer: undefined, now: NOW + 100 },
      settings,
    );
    assert.deepEqual(kinds(late.effects), ['stopPoll']);
    assert.equal(late.state.isPolling, false);
  });

  it('a round that ends after its poll was stopped, or after close, changes nothing', () => {
    const answer = { value: { master: B, epoch: 2 }, sentinel: S };
    for (const state of [known(), known({ isPolling: true, isClosed: true })]) {
      const step = reduceDiscovery(state, { kind: 'pollAnswered', answer, now: NOW }, settings);
      assert.deepEqual(step, { state, effects: [] });
    }
  });

  it('close stops the poll and is remembered', () => {
    const { state, effects } = reduceDiscovery(known({ isPolling: true }), { kind: 'closed' }, settings);
    assert.deepEqual(kinds(effects), ['stopPoll']);
    assert.deepEqual([state.isClosed, state.isPolling], [true, false]);
  });
});

describe('discovery reducer: discovery rounds and rechecks', () => {
  it('the first answer sets the master and announces the healthy replicas', () => {
    const reported = [replica(1), replica(2, { flags: ['s_down', 'slave'] })];
    const { state, effects } = reduceDiscovery(initialDiscoveryState(), topology(A, 0, reported), settings);
    assert.deepEqual(kinds(effects), ['stopPoll', 'emit:masterChanged', 'scheduleRecheck', 'emit:replicaUp']);
    assert.deepEqual(state.master, A);
    assert.deepEqual(
      state.replicas.map((r) => r.port),
      [1],
    );
    assert.equal(state.rechecksLeft, REPLICA_RECHECKS - 1);
  });

  it('the same master raises the epoch and diffs the replicas', () => {
    const start = known({ replicas: [replica(1)] });
    const { state, effects } = reduceDiscovery(start, topology(A, 4, [replica(2)]), settings);
    assert.deepEqual(kinds(effects), ['emit:replicaUp', 'emit:replicaDown']);
    assert.equal(state.epoch, 4);
    assert.equal(state.master, A, 'the master object is kept');
  });

  it('an answer without the replicas (SENTINEL REPLICAS failed) keeps the replicas known', () => {
    const start = known({ replicas: [replica(1), replica(2)] });
    const answer: TopologyAnswer = { value: { master: A, epoch: 4, replicas: undefined }, sentinel: S };
    const event: DiscoveryEvent = { kind: 'topologyAnswered', answer, now: NOW };
    const { state, effects } = reduceDiscovery(start, event, settings);
    assert.deepEqual(kinds(effects), [], 'no replica leaves because a question timed out');
    assert.deepEqual(
      state.replicas.map((r) => r.port),
      [1, 2],
    );
    assert.equal(state.epoch, 4);
  });

  it('a lagging sentinel naming an older master is not believed: the others are asked', () => {
    const start = known({ master: B, epoch: 3, replicas: [replica(1)] });
    const { state, effects } = reduceDiscovery(start, topology(A, 2, []), settings);
    assert.deepEqual(kinds(effects), ['schedulePoll']);
    assert.deepEqual([state.master, state.replicas], [B, start.replicas]);
  });

  it('a replica whose link is not up yet is looked at again, within the recheck budget', () => {
    const linking = [replica(1, { masterLinkStatus: 'err' })];
    const withBudget = reduceDiscovery(known({ rechecksLeft: 2 }), topology(A, 1, linking), settings);
    assert.deepEqual(kinds(withBudget.effects), ['scheduleRecheck']);
    assert.deepEqual([withBudget.state.rechecksLeft, withBudget.state.isRecheckPending], [1, true]);
    const spent = reduceDiscovery(known({ rechecksLeft: 0 }), topology(A, 1, linking), settings);
    assert.deepEqual(kinds(spent.effects), []);
    const pending = reduceDiscovery(
      known({ rechecksLeft: 2, isRecheckPending: true }),
      topology(A, 1, linking),
      settings,
    );
    assert.deepEqual(kinds(pending.effects), [], 'one recheck timer at a time');
  });

  it('a due recheck asks for the whole topology again', () => {
    const { state, effects } = reduceDiscovery(
      known({ isRecheckPending: true }),
      { kind: 'recheckDue' },
      settings,
    );
    assert.deepEqual(kinds(effects), ['rediscover']);
    assert.equal(state.isRecheckPending, false);
  });

  it('an answer after close still updates the state but schedules nothing', () => {
    const { state, effects } = reduceDiscovery(known({ isClosed: true }), topology(B, 2, []), settings);
    assert.deepEqual(kinds(effects), ['stopPoll', 'emit:masterChanged']);
    assert.deepEqual(state.master, B);
  });

  it('never changes the state it is given', () => {
    const start = known({ replicas: [replica(1)] });
    const copy = structuredClone(start);
    reduceDiscovery(start, topology(B, 2, [replica(2)]), settings);
    assert.deepEqual(start, copy);
  });
});
