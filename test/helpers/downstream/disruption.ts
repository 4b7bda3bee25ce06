/**
 * The two failovers the downstream workloads run across, and when their data can be counted:
 *
 * - `graceful`: `SENTINEL FAILOVER`. The old master keeps accepting writes until Sentinel demotes
 *   it (5–8 s later), and the demotion discards them: count on the new master once the old one
 *   says `ROLE slave`.
 * - `sigkill`: the master is SIGKILLed. Writes it acknowledged but had not yet sent to the replica
 *   that is promoted are gone; no client can prevent that (docs/failover.md). The new master can
 *   be counted as soon as every sentinel reports it (the old one stays dead until `restore()`).
 */
import { eventually, type LocalTopology, type NodeAddress } from '../../../src/testing/index.js';
import { roleOf } from '../node-client.js';

export const DISRUPTIONS = ['graceful', 'sigkill'] as const;
export type Disruption = (typeof DISRUPTIONS)[number];

/** What a disruption did, with its moments (`performance.now()`). */
export interface Switch {
  disruption: Disruption;
  from: NodeAddress;
  to: NodeAddress;
  /** When the failover was asked for, or the master killed. */
  triggeredAt: number;
  /** When every sentinel reported the new master. */
  switchedAt: number;
}

/** Runs the failover `disruption` names; resolves once every sentinel reports the new master. */
export async function disrupt(topology: LocalTopology, disruption: Disruption): Promise<Switch> {
  const triggeredAt = performance.now();
  if (disruption === 'graceful') {
    const { from, to } = await topology.failover();
    return { disruption, from, to, triggeredAt, switchedAt: performance.now() };
  }
  const from = topology.masterAddress();
  await topology.kill(from, 'SIGKILL');
  const to = await topology.waitForFailover(from);
  return { disruption, from, to, triggeredAt, switchedAt: performance.now() };
}

/**
 * Resolves once the data on `sw.to` is final: after a graceful failover, once the old master is a
 * replica (it took writes until then, which the demotion discarded); after a SIGKILL at once.
 */
export async function whenCountable(sw: Switch): Promise<void> {
  if (sw.disruption === 'sigkill') return;
  await eventually(async () => (await roleOf(sw.from)) === 'slave', {
    timeoutMs: 40_000,
    intervalMs: 200,
    message: 'Sentinel demotes the old master',
  });
}

/**
 * How many of the acknowledgements at `ackedAt` (`performance.now()` values) came in the `windowMs`
 * before the master was killed: the most a SIGKILL may take with it on loopback, where a replica
 * has a write within milliseconds (docs/failover.md, "What asynchronous replication can still
 * lose"). After a graceful failover nothing may be lost: 0.
 */
export function lossAllowance(sw: Switch, ackedAt: readonly number[], windowMs = 1000): number {
  if (sw.disruption === 'graceful') return 0;
  return ackedAt.filter((at) => at <= sw.triggeredAt && at > sw.triggeredAt - windowMs).length;
}

/** The lost acknowledged steps of a load, and how many the failover may take. */
export interface LossReport {
  /** For each lost step, how long before the kill it was acknowledged, in ms (negative: after it). */
  lostAges: number[];
  /** See {@link lossAllowance}. */
  lossAllowance: number;
}

/** Which of the steps `load` acknowledged are lost (`isHeld` false on the final master). */
export function lossReport(
  sw: Switch,
  load: { resolved: readonly number[]; resolvedAt: readonly number[] },
  isHeld: (step: number) => boolean,
): LossReport {
  const lostAges = load.resolved.flatMap((n, i) =>
    isHeld(n) ? [] : [Math.round(sw.triggeredAt - load.resolvedAt[i]!)],
  );
  return { lostAges, lossAllowance: lossAllowance(sw, load.resolvedAt) };
}
