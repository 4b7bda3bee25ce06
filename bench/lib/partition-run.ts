/**
 * The recipe's split brain, once, with several clients side by side (used by
 * test/partition/ and bench/split-brain.ts): each client writes from its own process on an
 * application host (partition-client.ts); the old master's host and the minority application
 * host are cut off from the two other hosts for `cutMs`; then the network heals, and once the
 * old master answers ROLE as a replica, the writers stop and every client's acknowledged numbers
 * are looked for on the final master.
 *
 * The topology must run in namespace mode with two application hosts: `app-0` goes with the old
 * master (the minority side), `app-1` stays with the majority.
 */
import { fileURLToPath } from 'node:url';
import type { HostProcess, LocalTopology, NodeAddress } from '../../src/testing/index.js';
import { eventually } from '../../src/testing/index.js';
import { now, sleep } from './clock.js';
import type { PartitionClientConfig, PartitionClientLog, PartitionVariant } from './partition-client.js';

const CLIENT_SCRIPT = fileURLToPath(new URL('./partition-client.ts', import.meta.url));

/** One client of a run. */
export interface PartitionClientSpec {
  /** A label, unique in the run (the list key is derived from it). */
  label: string;
  variant: PartitionVariant;
  /** `'minority'`: on app-0 with the old master; `'majority'`: on app-1. */
  side: 'minority' | 'majority';
}

export interface PartitionRunSettings {
  cutMs: number;
  writers: number;
  pauseMs: number;
  writeLeaseMs: number;
  /** Writing before the cut. */
  warmupMs: number;
  /** `min-replicas-to-write 1` / `min-replicas-max-lag 10` on every data node for this run. */
  minReplicas: boolean;
}

/** What one client did, as checked on the final master. */
export interface PartitionClientResult {
  spec: PartitionClientSpec;
  log: PartitionClientLog;
  /** Acknowledged numbers absent from the final master. */
  lost: number[];
  /** When each lost number was acknowledged (wall-clock ms). */
  lostAt: number[];
  /** The longest time between two acknowledgements from the cut on (ms): writes unavailable. */
  longestGapMs: number;
}

export interface PartitionRunResult {
  /** When partition() was called, and when it resolved (the cut is in force). */
  cutStartedAt: number;
  cutAt: number;
  healAt: number;
  /** When the test saw the old master answer ROLE as a replica. */
  demotedAt: number;
  oldMaster: NodeAddress;
  finalMaster: NodeAddress;
  clients: PartitionClientResult[];
}

let nextAsk = 0;

/** Runs `command` on `target` from the host of `via` (the root namespace cannot reach it). */
export async function askFrom(via: HostProcess, target: NodeAddress, command: string[]): Promise<unknown> {
  const id = ++nextAsk;
  const answered = via.waitForMessage(
    (m): m is { type: 'answer'; id: number; reply?: unknown; error?: string } =>
      typeof m === 'object' && m !== null && (m as { id?: number }).id === id,
    10_000,
  );
  via.child.send({ type: 'ask', id, target, command });
  const answer = await answered;
  if (answer.error !== undefined) throw new Error(`${command.join(' ')} on ${target.port}: ${answer.error}`);
  return answer.reply;
}

function keyOf(label: string): string {
  return `split-brain:${label}`;
}

function longestGap(ackedAt: readonly number[], from: number): number {
  const times = ackedAt.filter((t) => t >= from).sort((a, b) => a - b);
  let longest = times.length === 0 ? Number.POSITIVE_INFINITY : times[0]! - from;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

/** Starts the clients, cuts, heals, waits for the demotion, and checks every client's writes. */
export async function runPartition(
  topology: LocalTopology,
  specs: readonly PartitionClientSpec[],
  settings: PartitionRunSettings,
): Promise<PartitionRunResult> {
  const oldMaster = topology.masterAddress();
  const oldHost = topology.hostOf(oldMaster);
  const sentinels = topology.sentinelAddresses();
  const processes = specs.map((spec) => {
    const config: PartitionClientConfig = {
      variant: spec.variant,
      sentinels,
      masterName: topology.masterName,
      key: keyOf(spec.label),
      writers: settings.writers,
      pauseMs: settings.pauseMs,
      writeLeaseMs: settings.writeLeaseMs,
      maxMs: 120_000,
    };
    const host = spec.side === 'minority' ? 'app-0' : 'app-1';
    return topology.runOnHost(host, CLIENT_SCRIPT, [JSON.stringify(config)], {
      execArgv: ['--import', 'tsx'],
    });
  });
  try {
    // An observer on the majority side asks the nodes (any client process answers `ask`).
    const observer = processes[specs.findIndex((s) => s.side === 'majority')] ?? processes[0]!;
    // Longer than a child's own bounds (client creation 20 s, first write 20 s), so that a child
    // that cannot start reports why (its output is in the error) rather than this timeout.
    await Promise.all(
      processes.map((p) =>
        p.waitForMessage((m): m is { type: 'ready' } => (m as { type?: string }).type === 'ready', 45_000),
      ),
    );
    const lag = settings.minReplicas ? ['1', '10'] : ['0', '10'];
    for (const node of topology.dataAddresses()) {
      await askFrom(observer, node, [
        'CONFIG',
        'SET',
        'min-replicas-to-write',
        lag[0]!,
        'min-replicas-max-lag',
        lag[1]!,
      ]);
    }
    await sleep(settings.warmupMs);
    const cutStartedAt = now();
    await topology.partition([[oldHost, 'app-0']]);
    // In force from here (applying it takes tens of ms: `ip netns exec` in the switch).
    const cutAt = now();
    await sleep(settings.cutMs);
    const healAt = now();
    await topology.heal();
    // Sentinel demotes the old master ~10 s after the heal: until then it still takes writes.
    let lastRole: unknown;
    await eventually(
      async () => {
        lastRole = await askFrom(observer, oldMaster, ['ROLE']).catch((error: unknown) => String(error));
        const role = Array.isArray(lastRole) ? lastRole : [];
        return role[0] === 'slave' && role[3] === 'connected';
      },
      {
        timeoutMs: 60_000,
        intervalMs: 200,
        message: `the old master is a replica again (last ROLE: ${JSON.stringify(lastRole)})`,
      },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last ROLE of the old master: ${JSON.stringify(lastRole)}`);
    });
    const demotedAt = now();
    const finalMaster = await topology.waitForFailover(oldMaster);
    const results: PartitionClientResult[] = [];
    // Listening before `stop`: a host process's messages are not kept for a later listener.
    const logs = Promise.all(
      processes.map((p) =>
        p.waitForMessage(
          (m): m is { type: 'result'; log: PartitionClientLog } => (m as { type?: string }).type === 'result',
          60_000,
        ),
      ),
    );
    for (const p of processes) p.child.send({ type: 'stop' });
    for (const [i, { log }] of (await logs).entries()) {
      const spec = specs[i]!;
      const entries = (await askFrom(observer, finalMaster, [
        'LRANGE',
        keyOf(spec.label),
        '0',
        '-1',
      ])) as string[];
      const present = new Set(entries.map(Number));
      const lost: number[] = [];
      const lostAt: number[] = [];
      log.acked.forEach((n, j) => {
        if (!present.has(n)) {
          lost.push(n);
          lostAt.push(log.ackedAt[j]!);
        }
      });
      results.push({ spec, log, lost, lostAt, longestGapMs: longestGap(log.ackedAt, cutAt) });
    }
    for (const node of topology.dataAddresses()) {
      await askFrom(observer, node, ['CONFIG', 'SET', 'min-replicas-to-write', '0']).catch(() => undefined);
    }
    return { cutStartedAt, cutAt, healAt, demotedAt, oldMaster, finalMaster, clients: results };
  } finally {
    await topology.heal().catch(() => undefined);
    await Promise.all(processes.map((p) => p.kill()));
  }
}
