/**
 * Questions the kit asks its nodes (ROLE, SENTINEL MASTER/REPLICAS/SENTINELS), and the checks
 * built on them. Each check throws an Error saying what is not (yet) as expected, so that
 * `eventually` can report the last reason at its deadline.
 */

import { DOWN_FLAGS } from '../topology.js';
import type { NodeAddress, RedisProcess } from './redis-process.js';

/** A parsed ROLE reply. */
export interface RoleReply {
  /** `master`, `slave` or `sentinel`. */
  role: string;
  /** For a replica: the port of its master. */
  masterPort?: number;
  /** For a replica: `connect`, `connecting`, `sync` or `connected` (link up). */
  linkState?: string;
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return '';
}

/** Parses a ROLE reply. */
export function parseRole(reply: unknown): RoleReply {
  if (!Array.isArray(reply)) return { role: 'unknown' };
  const role = asString(reply[0]);
  if (role !== 'slave') return { role };
  return { role, masterPort: Number(asString(reply[2])), linkState: asString(reply[3]) };
}

/** Turns a flat RESP2 `[key, value, key, value…]` reply into a record. */
export function parseFields(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[asString(reply[i])] = asString(reply[i + 1]);
  return fields;
}

/** Parses a `SENTINEL GET-MASTER-ADDR-BY-NAME` reply (`null` for an unknown name). */
export function parseMasterAddress(reply: unknown): NodeAddress | undefined {
  if (!Array.isArray(reply) || reply.length < 2) return undefined;
  const port = Number(asString(reply[1]));
  return Number.isInteger(port) ? { host: asString(reply[0]), port } : undefined;
}

/** The first of `bad` among the comma-separated `flags`, if any. */
export function badFlag(flags: string | undefined, bad: readonly string[]): string | undefined {
  const set = new Set((flags ?? '').split(','));
  return bad.find((flag) => set.has(flag));
}

/** Asks a node for its ROLE. */
export function askRole(node: RedisProcess): Promise<RoleReply> {
  return node.ask(async (client) => parseRole(await client.call('ROLE')));
}

/** Asks a sentinel which master it reports for `masterName`. */
export function askMasterAddress(
  sentinel: RedisProcess,
  masterName: string,
): Promise<NodeAddress | undefined> {
  return sentinel.ask(async (client) =>
    parseMasterAddress(await client.call('SENTINEL', ['GET-MASTER-ADDR-BY-NAME', masterName])),
  );
}

/** Throws unless `node` says it is a replica of `127.0.0.1:masterPort` with its link up. */
export async function assertReplicaOf(node: RedisProcess, masterPort: number): Promise<void> {
  const role = await askRole(node);
  if (role.role !== 'slave' || role.masterPort !== masterPort || role.linkState !== 'connected') {
    throw new Error(
      `${node} reports ROLE ${role.role}` +
        (role.role === 'slave' ? ` of :${role.masterPort} (${role.linkState})` : '') +
        `, expected a replica of :${masterPort} with its link up`,
    );
  }
}

/** Throws unless `node` says ROLE master. */
export async function assertMaster(node: RedisProcess): Promise<void> {
  const role = await askRole(node);
  if (role.role !== 'master') throw new Error(`${node} reports ROLE ${role.role}, expected master`);
}

/** What part of a sentinel's view is not as expected yet. */
export type ViewAspect = 'master' | 'replicas' | 'sentinels';

/** A sentinel's view differs from the expected one. */
export class SentinelViewError extends Error {
  /**
   * @param isSlowToClear the difference clears only at the sentinel's next INFO to the node, which
   *   it sends every 10 s (a replica it does not list yet, or last saw in another role)
   */
  constructor(
    readonly sentinel: RedisProcess,
    readonly aspect: ViewAspect,
    message: string,
    readonly isSlowToClear = false,
  ) {
    super(`${sentinel} ${message}`);
  }
}

/** What a healthy sentinel should see. */
export interface SentinelExpectation {
  masterName: string;
  /** The master every sentinel should report. */
  masterPort: number;
  /** Every replica, healthy and attached to the master. */
  replicas: readonly NodeAddress[];
  /** Every other sentinel, reachable. */
  otherSentinelPorts: readonly number[];
}

const BAD_NODE_FLAGS = DOWN_FLAGS;
const BAD_MASTER_FLAGS = [...DOWN_FLAGS, 'failover_in_progress'];

/** What is wrong with a sentinel's record of a replica, and whether only an INFO (10 s) clears it. */
function replicaProblem(
  replica: Record<string, string> | undefined,
  masterPort: number,
): { problem: string; isSlowToClear: boolean } | undefined {
  if (replica === undefined) return { problem: 'is not listed', isSlowToClear: true };
  const flag = badFlag(replica.flags, BAD_NODE_FLAGS);
  if (flag) return { problem: `is flagged ${flag}`, isSlowToClear: false };
  if (replica['role-reported'] !== 'slave' || Number(replica['master-port']) !== masterPort) {
    const seen = `${replica['role-reported']} of :${replica['master-port']}`;
    return { problem: `was last seen as ${seen}, not a replica of :${masterPort}`, isSlowToClear: true };
  }
  // A link seen down makes Sentinel ask INFO every second: this clears by itself.
  if (replica['master-link-status'] !== 'ok') {
    return { problem: `was last seen with its link ${replica['master-link-status']}`, isSlowToClear: false };
  }
  return undefined;
}

/**
 * Throws a {@link SentinelViewError} unless the sentinel sees the expected master with no trouble
 * flag and no failover in progress, every expected replica as a healthy replica of it (as of its
 * last INFO) and every other sentinel.
 */
export async function assertSentinelView(
  sentinel: RedisProcess,
  expected: SentinelExpectation,
): Promise<void> {
  const name = expected.masterName;
  const [masterReply, replicasReply, sentinelsReply] = await sentinel.ask((client) =>
    Promise.all([
      client.call('SENTINEL', ['MASTER', name]),
      client.call('SENTINEL', ['REPLICAS', name]),
      client.call('SENTINEL', ['SENTINELS', name]),
    ]),
  );
  const master = parseFields(masterReply);
  const masterPort = Number(master.port);
  if (masterPort !== expected.masterPort) {
    throw new SentinelViewError(
      sentinel,
      'master',
      `monitors :${masterPort}, expected :${expected.masterPort}`,
    );
  }
  const masterFlag = badFlag(master.flags, BAD_MASTER_FLAGS);
  if (masterFlag)
    throw new SentinelViewError(sentinel, 'master', `flags master :${masterPort} ${masterFlag}`);
  const replicas = Array.isArray(replicasReply) ? replicasReply.map(parseFields) : [];
  for (const { host, port } of expected.replicas) {
    const replica = replicas.find((r) => Number(r.port) === port && r.ip === host);
    const found = replicaProblem(replica, masterPort);
    if (found) {
      const message = `sees replica :${port}: it ${found.problem}`;
      throw new SentinelViewError(sentinel, 'replicas', message, found.isSlowToClear);
    }
  }
  const sentinels = Array.isArray(sentinelsReply) ? sentinelsReply.map(parseFields) : [];
  for (const port of expected.otherSentinelPorts) {
    const other = sentinels.find((s) => Number(s.port) === port);
    if (other === undefined)
      throw new SentinelViewError(sentinel, 'sentinels', `does not know sentinel :${port}`);
    const flag = badFlag(other.flags, BAD_NODE_FLAGS);
    if (flag) throw new SentinelViewError(sentinel, 'sentinels', `flags sentinel :${port} ${flag}`);
  }
}

/** The nodes of a topology, as the checks below need them. */
export interface TopologyNodes {
  masterName: string;
  data: readonly RedisProcess[];
  sentinels: readonly RedisProcess[];
}

/** Finds a node by port. */
export function nodeByPort(nodes: TopologyNodes, port: number): RedisProcess | undefined {
  return [...nodes.data, ...nodes.sentinels].find((n) => n.port === port);
}

/**
 * One check: every running sentinel reports the same master, it satisfies `predicate`, it is one
 * of ours and it says ROLE master. Returns it; throws what is not so.
 */
export async function assertAgreedMaster(
  nodes: TopologyNodes,
  predicate: (master: NodeAddress) => boolean = () => true,
): Promise<NodeAddress> {
  const sentinels = nodes.sentinels.filter((s) => s.isRunning && !s.isStopped);
  if (sentinels.length === 0) throw new Error('no sentinel is running');
  const answers = await Promise.all(sentinels.map((s) => askMasterAddress(s, nodes.masterName)));
  const first = answers[0];
  if (
    first === undefined ||
    answers.some((a) => a === undefined || a.host !== first.host || a.port !== first.port)
  ) {
    const said = answers.map((a, i) => `:${sentinels[i]?.port} says ${a ? `:${a.port}` : 'none'}`).join(', ');
    throw new Error(`sentinels disagree on the master (${said})`);
  }
  if (!predicate(first)) throw new Error(`sentinels report master :${first.port}, which does not match`);
  const node = nodes.data.find((d) => d.port === first.port && first.host === d.host);
  if (node === undefined)
    throw new Error(`sentinels report master ${first.host}:${first.port}, not one of ours`);
  await assertMaster(node);
  return { ...first };
}

/** Whether every sentinel monitors `masterPort` with no down flag and no failover in progress. */
async function isMasterCalm(nodes: TopologyNodes, masterPort: number): Promise<boolean> {
  try {
    const replies = await Promise.all(
      nodes.sentinels.map((s) => s.ask((client) => client.call('SENTINEL', ['MASTER', nodes.masterName]))),
    );
    return replies
      .map(parseFields)
      .every((m) => Number(m.port) === masterPort && badFlag(m.flags, BAD_MASTER_FLAGS) === undefined);
  } catch {
    return false;
  }
}

/** Hooks that may help Sentinel along while {@link assertHealthy} waits (see restore()). */
export interface HealthAssist {
  /** Called with the data nodes that should be replicas of `master` but say otherwise. */
  onStrayDataNodes(stray: RedisProcess[], master: NodeAddress): Promise<void>;
  /**
   * Called with the sentinels whose view of the replicas lags in a way only their next INFO (up to
   * 10 s away) clears, while every data node is fine.
   */
  onLaggingSentinels(lagging: RedisProcess[]): Promise<void>;
}

/**
 * One check of everything `start()` and `restore()` promise: every node runs; every sentinel
 * agrees on a master that says ROLE master; every other data node is its replica with the link
 * up; every sentinel sees all that and every other sentinel. Returns the master; throws what is
 * not so yet.
 */
export async function assertHealthy(nodes: TopologyNodes, assist?: HealthAssist): Promise<NodeAddress> {
  const down = [...nodes.data, ...nodes.sentinels].find((n) => !n.isRunning || n.isStopped);
  if (down) throw new Error(`${down} is not running`);
  const master = await assertAgreedMaster(nodes);
  const replicas = nodes.data.filter((d) => d.port !== master.port);
  const roles = await Promise.allSettled(replicas.map((replica) => assertReplicaOf(replica, master.port)));
  const stray = replicas.filter((_, i) => roles[i]?.status === 'rejected');
  if (stray.length > 0) {
    // Never second-guess Sentinel while it is failing over (a double failover promotes a replica
    // of a master everyone still agrees on).
    if (assist && (await isMasterCalm(nodes, master.port))) await assist.onStrayDataNodes(stray, master);
    throw (roles.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
  }
  const views = await Promise.allSettled(
    nodes.sentinels.map((sentinel) =>
      assertSentinelView(sentinel, {
        masterName: nodes.masterName,
        masterPort: master.port,
        replicas: replicas.map((r) => r.address),
        otherSentinelPorts: nodes.sentinels.filter((s) => s !== sentinel).map((s) => s.port),
      }),
    ),
  );
  const failures = views.flatMap((v) => (v.status === 'rejected' ? [v.reason as unknown] : []));
  if (failures.length > 0) {
    const lagging = failures.flatMap((f) =>
      f instanceof SentinelViewError && f.aspect === 'replicas' && f.isSlowToClear ? [f.sentinel] : [],
    );
    const isMasterFine = !failures.some((f) => f instanceof SentinelViewError && f.aspect === 'master');
    if (lagging.length > 0 && isMasterFine) await assist?.onLaggingSentinels(lagging);
    throw failures[0];
  }
  return master;
}
