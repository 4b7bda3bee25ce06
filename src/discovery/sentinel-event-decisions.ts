/**
 * What one message published by a sentinel changes: a promotion adopts the new master, a
 * failover's first steps start the hold (`failoverStarted`), its end or abort ends it, replica
 * and sentinel events keep the topology current. Pure.
 */
import { type Address, formatAddress, sameAddress } from '../address.js';
import { isAllowedAddress, translateAddress } from '../address-policy.js';
import { AddressNotAllowedError } from '../errors.js';
import type { FailoverEndedEvent } from '../events.js';
import type { PublishedEvent } from './discovery-state.js';
import {
  admitAddress,
  applyMaster,
  type Draft,
  reporter,
  scheduleReplicaRecheck,
  suspectMaster,
} from './discovery-transitions.js';
import { describeEvent } from './sentinel-replies.js';

/** Handles one event published by a sentinel about this master group. */
export function decideSentinelEvent(draft: Draft, published: PublishedEvent): void {
  const { state, settings, effects } = draft;
  const { event, sentinel, now } = published;
  effects.push({ kind: 'log', line: `${describeEvent(event)} from ${formatAddress(sentinel)}` });
  const instance = translateAddress(event.instance, settings.natMap, reporter(draft));
  switch (event.channel) {
    case '+switch-master':
    case '+promoted-slave':
      onPromotion(draft, published, instance);
      return;
    case '+selected-slave':
    case '+failover-state-send-slaveof-noone':
      onFailoverStep(draft, published, instance);
      return;
    case '+failover-end':
    case '-failover-abort-not-elected':
    case '-failover-abort-no-good-slave':
    case '-failover-abort-slave-timeout':
      state.failoverStartedAt = 0;
      effects.push({ kind: 'emit', event: 'failoverEnded', payload: failoverEnded(draft, published) });
      return;
    case '+sentinel': {
      if (!settings.updateSentinels) return;
      const address = admitAddress(event.instance, formatAddress(sentinel), settings, reporter(draft));
      if (address) effects.push({ kind: 'addSentinel', address });
      return;
    }
    case '+odown':
      if (event.instanceType === 'master' && sameAddress(instance, state.master))
        suspectMaster(draft, '+odown', now);
      return;
    case '+sdown':
      if (event.instanceType === 'slave') dropReplica(draft, instance, sentinel);
      return;
    case '-sdown':
    case '+slave':
    case '+convert-to-slave':
      if (event.instanceType === 'slave') scheduleReplicaRecheck(draft, true);
      return;
    default:
      return;
  }
}

/** `+switch-master` or `+promoted-slave`: `instance` (translated) is the new master. */
function onPromotion(draft: Draft, { event, sentinel, now }: PublishedEvent, instance: Address): void {
  const { state, settings } = draft;
  const old = event.channel === '+switch-master' ? event.previous : event.master;
  if (sameAddress(instance, state.master)) return; // the same switch, announced again
  if (!isAllowedAddress(instance, settings.allowedHosts, reporter(draft))) {
    const error = new AddressNotAllowedError(settings.name, formatAddress(instance), formatAddress(sentinel));
    draft.effects.push({ kind: 'report', error });
    return;
  }
  // Apply at once only when the announcement continues from the master we know; a late
  // or out-of-order one is checked by asking the sentinels instead.
  const from = old && translateAddress(old, settings.natMap, reporter(draft));
  if (state.master === undefined || sameAddress(from, state.master))
    applyMaster(draft, instance, sentinel, event.channel);
  else suspectMaster(draft, `${event.channel} from an unexpected master`, now);
}

/**
 * `+selected-slave` or `+failover-state-send-slaveof-noone`: a leader is promoting `instance`
 * (translated). `failoverStarted` makes pools hold writes until `masterChanged` ends the hold.
 */
function onFailoverStep(draft: Draft, { event, sentinel, now }: PublishedEvent, instance: Address): void {
  const { state, settings } = draft;
  // A failover of a master we have already left (the event came late, after a poll had
  // found the new master, or another sentinel tries one of its own) must not hold
  // commands: no masterChanged would come to end the hold.
  const failing = event.master && translateAddress(event.master, settings.natMap, reporter(draft));
  if (state.master !== undefined && failing !== undefined && !sameAddress(failing, state.master)) {
    suspectMaster(draft, `${event.channel} for a master we already left`, now);
    return;
  }
  // The leader publishes both, ~0 ms apart: one failoverStarted per failover.
  if (now - state.failoverStartedAt > settings.failoverTimeout) {
    state.failoverStartedAt = now;
    const payload = { name: settings.name, candidate: instance, sentinel: { ...sentinel } };
    draft.effects.push({ kind: 'emit', event: 'failoverStarted', payload });
  }
  suspectMaster(draft, event.channel, now);
}

/** `+sdown` of a replica: it leaves the healthy set at once, before the next refresh says so. */
function dropReplica(draft: Draft, address: Address, sentinel: Address): void {
  const { state, settings } = draft;
  const replica = state.replicas.find((r) => sameAddress(r, address));
  if (!replica) return;
  state.replicas = state.replicas.filter((r) => r !== replica);
  const payload = { name: settings.name, replica: { ...replica }, sentinel: { ...sentinel } };
  draft.effects.push({ kind: 'emit', event: 'replicaDown', payload });
}

/** The end (`+failover-end`) or an abort (`-failover-abort-*`) ends the hold. */
function failoverEnded({ settings }: Draft, { event, sentinel }: PublishedEvent): FailoverEndedEvent {
  return { name: settings.name, aborted: event.channel !== '+failover-end', sentinel };
}
