/**
 * The steps that several of discovery's decisions share: suspect the master, adopt a new one,
 * schedule a replica recheck. Each works on a {@link Draft}, the next state being built and the
 * effects so far. Pure: no I/O, no timers, no clock.
 */
import { type Address, formatAddress, sameAddress } from '../address.js';
import { isAllowedAddress, translateAddress } from '../address-policy.js';
import { AddressNotAllowedError } from '../errors.js';
import type { DiscoverySettings, DiscoveryStep } from './discovery-state.js';

/** Replica rechecks after a replica event, while Sentinel still reports it unhealthy. */
export const REPLICA_RECHECKS = 20;

/** A step being built: a copy of the state, and the effects so far. */
export interface Draft extends DiscoveryStep {
  settings: DiscoverySettings;
}

/**
 * Translates an announced address (natMap) and checks it against allowedHosts; a refusal and
 * a policy function that failed go to `report`. `via` names who announced it, for the error.
 */
export function admitAddress(
  announced: Address,
  via: string,
  settings: DiscoverySettings,
  report: (error: Error) => void,
): Address | undefined {
  const address = translateAddress(announced, settings.natMap, report);
  if (isAllowedAddress(address, settings.allowedHosts, report)) return address;
  report(new AddressNotAllowedError(settings.name, formatAddress(address), via));
  return undefined;
}

/** A natMap or allowedHosts function that threw or returned junk: reported, never thrown. */
export function reporter(draft: Draft): (error: Error) => void {
  return (error) => draft.effects.push({ kind: 'report', error });
}

/** A debug line about this group; the shell writes it. */
export function log(draft: Draft, line: string): void {
  draft.effects.push({ kind: 'log', line: `${draft.settings.name}: ${line}` });
}

/** Ends a fast poll: its timer is cleared and a round still under way is ignored. */
export function stopPolling(draft: Draft): void {
  draft.state.isPolling = false;
  draft.effects.push({ kind: 'stopPoll' });
}

/**
 * Asks every sentinel repeatedly (bounded by `failoverTimeout`) until one names another master;
 * a suspicion during a poll only moves its deadline.
 */
export function suspectMaster(draft: Draft, reason: string, now: number): void {
  if (draft.state.isClosed) return;
  draft.state.pollDeadline = now + draft.settings.failoverTimeout;
  if (draft.state.isPolling) return;
  log(draft, `asking every sentinel for the master (${reason})`);
  draft.state.isPolling = true;
  draft.effects.push({ kind: 'schedulePoll' });
}

/** Refreshes the topology soon, and a bounded number of times after that. */
export function scheduleReplicaRecheck(draft: Draft, reset: boolean): void {
  const { state } = draft;
  if (state.isClosed) return;
  if (reset) state.rechecksLeft = REPLICA_RECHECKS;
  if (state.isRecheckPending || state.rechecksLeft <= 0) return;
  state.rechecksLeft -= 1;
  state.isRecheckPending = true;
  draft.effects.push({ kind: 'scheduleRecheck' });
}

/** Epochs only grow: an answer with an older one must not lower what a later answer is judged by. */
export function raiseEpoch(draft: Draft, epoch: number | undefined): void {
  if (epoch !== undefined && epoch > draft.state.epoch) draft.state.epoch = epoch;
}

/**
 * Adopts `to` as the master (nothing if it is already): ends a fast poll, announces
 * `masterChanged` (which ends a pool's hold) and follows the replicas as they reconfigure.
 */
export function applyMaster(draft: Draft, to: Address, sentinel: Address, via: string, epoch?: number): void {
  const { state, settings } = draft;
  if (sameAddress(to, state.master)) return;
  raiseEpoch(draft, epoch);
  const from = state.master;
  state.master = { ...to };
  state.replicas = state.replicas.filter((r) => !sameAddress(r, to));
  stopPolling(draft);
  const fromText = from ? formatAddress(from) : '(none)';
  log(draft, `master changed ${fromText} -> ${formatAddress(to)} via ${via} from ${formatAddress(sentinel)}`);
  const payload = { name: settings.name, from, to: { ...to }, sentinel: { ...sentinel } };
  draft.effects.push({ kind: 'emit', event: 'masterChanged', payload, reason: via });
  // Replicas are reconfigured over the next seconds; follow them.
  scheduleReplicaRecheck(draft, true);
}
