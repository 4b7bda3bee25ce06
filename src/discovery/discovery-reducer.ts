/**
 * Every decision of a master group's discovery, as a pure function: `(state, event, settings)`
 * gives the next state and the effects to perform, in order. Events are what the world said (a
 * published Sentinel message, the answer to a discovery round or a fast poll, a suspicion from a
 * pool, a timer); effects are plain data that the shell, `MasterDiscovery`, performs (emit,
 * poll, recheck, add a sentinel, log). No I/O, no timers, no clock: time comes in on the event, so each
 * branch is unit-tested without sockets.
 *
 * The only functions called from here are the user's natMap and allowedHosts, through the
 * address policy; what they throw becomes a `report` effect.
 */
import { formatAddress, sameAddress } from '../address.js';
import { hasDownFlag } from '../topology.js';
import type {
  DiscoveryEvent,
  DiscoverySettings,
  DiscoveryState,
  DiscoveryStep,
  TopologyAnswer,
} from './discovery-state.js';
import {
  applyMaster,
  type Draft,
  log,
  raiseEpoch,
  scheduleReplicaRecheck,
  stopPolling,
  suspectMaster,
} from './discovery-transitions.js';
import { decideSentinelEvent } from './sentinel-event-decisions.js';
import type { SentinelAnswer } from './sentinel-set.js';
import { diffReplicas, healthyReplicas, isNewerMaster, type MasterAnswer } from './topology-diff.js';

/** Decides what one event changes. Never mutates `state`. */
export function reduceDiscovery(
  state: DiscoveryState,
  event: DiscoveryEvent,
  settings: DiscoverySettings,
): DiscoveryStep {
  const draft: Draft = { state: { ...state }, effects: [], settings };
  switch (event.kind) {
    case 'sentinelEvent':
      if (!state.isClosed) decideSentinelEvent(draft, event);
      break;
    case 'topologyAnswered':
      applyTopology(draft, event.answer, event.now);
      break;
    case 'pollAnswered':
      onPollAnswered(draft, event.answer, event.now);
      break;
    case 'masterSuspected':
      suspectMaster(draft, event.reason, event.now);
      break;
    case 'masterConfirmed':
      if (sameAddress(event.address, state.master)) stopPolling(draft);
      break;
    case 'recheckDue':
      draft.state.isRecheckPending = false;
      draft.effects.push({ kind: 'rediscover' });
      break;
    case 'closed':
      draft.state.isClosed = true;
      stopPolling(draft);
      break;
  }
  return { state: draft.state, effects: draft.effects };
}

/** Whether a fast-poll answer names a master newer than the one known. */
export function isNewerThanKnown(state: DiscoveryState, answer: MasterAnswer): boolean {
  return isNewerMaster(state.master, state.epoch, answer);
}

/** A fast-poll round ended: adopt the newer master it found, ask again, or give up at the deadline. */
function onPollAnswered(draft: Draft, answer: SentinelAnswer<MasterAnswer> | undefined, now: number): void {
  // A poll stopped meanwhile (a master change, a confirmation, close) has nothing left to say.
  if (draft.state.isClosed || !draft.state.isPolling) return;
  if (!answer && now < draft.state.pollDeadline) {
    draft.effects.push({ kind: 'schedulePoll' }); // the next round; the poll goes on
    return;
  }
  if (answer) applyMaster(draft, answer.value.master, answer.sentinel, 'answer', answer.value.epoch);
  else log(draft, 'no sentinel named a new master within failoverTimeout');
  stopPolling(draft);
}

/**
 * A discovery round's answer: adopt its master if newer (a lagging sentinel's older one starts a
 * fast poll instead), then diff the healthy replicas.
 */
function applyTopology(draft: Draft, answer: TopologyAnswer, now: number): void {
  const { state, settings } = draft;
  const { master: named, epoch, replicas: reported } = answer.value;
  if (sameAddress(named, state.master)) raiseEpoch(draft, epoch);
  else if (isNewerMaster(state.master, state.epoch, answer.value)) {
    applyMaster(draft, named, answer.sentinel, 'refresh', epoch);
  } else {
    // A lagging sentinel: keep the master we know, and let the others settle it.
    const known = state.master && formatAddress(state.master);
    log(draft, `${formatAddress(answer.sentinel)} still names ${formatAddress(named)}; keeping ${known}`);
    suspectMaster(draft, 'sentinels disagree', now);
    return;
  }
  // The sentinel did not say which replicas it sees: keep those we know.
  if (reported === undefined) return;
  const master = state.master ?? named;
  const healthy = healthyReplicas(reported, master);
  for (const change of diffReplicas(state.replicas, healthy, master)) {
    const payload = { name: settings.name, replica: change.replica, sentinel: undefined };
    draft.effects.push({ kind: 'emit', event: change.kind, payload });
  }
  state.replicas = healthy;
  // Sentinel reads a replica's INFO about once a second while its link is down: look again
  // soon while one it knows is not healthy yet, instead of waiting for the next refresh.
  if (reported.some((r) => !hasDownFlag(r.flags) && r.masterLinkStatus !== 'ok' && !sameAddress(r, master))) {
    scheduleReplicaRecheck(draft, false);
  }
}
