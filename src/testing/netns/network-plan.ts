/**
 * The network of a namespace-mode topology, planned (pure): namespace names, addresses, and the
 * `ip` commands that build it, cut it into groups, heal it and find what a dead run left behind.
 * network-shell.ts runs them.
 *
 * Layout: every host is a network namespace with one interface, `eth0`, the far end of a veth pair
 * whose near end sits in a kit-owned "switch" namespace. There, every near end is a port of
 * bridge `br0` while the network is whole; a partition moves the ports of group k to a bridge of
 * their own (`p<k>`), so frames no longer cross between groups (no RST, no ICMP: a real cut), and
 * heal() moves them back. The veth pairs are created inside the switch namespace with their far
 * end sent straight into the host (`peer name eth0 netns …`), so nothing ever appears in the root
 * namespace, and interface names cannot collide with another run's.
 */

/** Every name of a run starts with this, then the PID that owns it: `rsp-<pid>-<seq>-…`. */
export const NAMESPACE_PREFIX = 'rsp';

/**
 * The test subnet, which exists only inside the namespaces: 198.18.0.0/15 is reserved for
 * benchmarking network devices (RFC 2544), so it collides with nothing real.
 */
export const SUBNET_PREFIX = '198.18.0';
export const SUBNET_BITS = 24;
/** Host i of the data/sentinel pairs gets `.${NODE_HOST_BASE + i}`, application host j `.${APP_HOST_BASE + j}`. */
const NODE_HOST_BASE = 11;
const APP_HOST_BASE = 101;
/** At most this many hosts of each kind (addresses stay within one /24 without overlap). */
export const MAX_HOSTS_PER_KIND = 80;

/** A host of the topology: its name (as tests use it), namespace and address. */
export interface HostPlan {
  /** `node-<i>` (data node i and sentinel i) or `app-<j>`. */
  readonly name: string;
  readonly kind: 'node' | 'app';
  /** The network namespace, e.g. `rsp-4242-0-node-1`. */
  readonly namespace: string;
  /** Its address in the test subnet, e.g. `198.18.0.12`. */
  readonly address: string;
  /** The switch-side end of its veth pair, e.g. `v-node-1` (at most 15 characters). */
  readonly port: string;
}

/** The whole network of one topology. */
export interface NetworkPlan {
  /** `rsp-<pid>-<seq>`: every namespace of this run starts with it. */
  readonly prefix: string;
  /** The namespace that holds the bridges. */
  readonly switchNamespace: string;
  readonly hosts: readonly HostPlan[];
}

/** One `ip` invocation: its arguments, without the leading `ip`. */
export type IpCommand = readonly string[];

/** The prefix of a run: unique per process (`pid`) and per topology in it (`sequence`). */
export function runPrefix(pid: number, sequence: number): string {
  return `${NAMESPACE_PREFIX}-${pid}-${sequence}`;
}

/** Plans `nodeHosts` data/sentinel hosts and `appHosts` application hosts under `prefix`. */
export function planNetwork(prefix: string, nodeHosts: number, appHosts: number): NetworkPlan {
  if (nodeHosts > MAX_HOSTS_PER_KIND || appHosts > MAX_HOSTS_PER_KIND) {
    throw new RangeError(`at most ${MAX_HOSTS_PER_KIND} hosts of each kind`);
  }
  const host = (kind: 'node' | 'app', index: number): HostPlan => {
    const name = `${kind}-${index}`;
    const octet = (kind === 'node' ? NODE_HOST_BASE : APP_HOST_BASE) + index;
    return {
      name,
      kind,
      namespace: `${prefix}-${name}`,
      address: `${SUBNET_PREFIX}.${octet}`,
      port: `v-${name}`,
    };
  };
  return {
    prefix,
    switchNamespace: `${prefix}-switch`,
    hosts: [
      ...Array.from({ length: nodeHosts }, (_, i) => host('node', i)),
      ...Array.from({ length: appHosts }, (_, j) => host('app', j)),
    ],
  };
}

/** Bridge of partition group k (br0 is the whole network). */
function groupBridge(k: number): string {
  return `p${k}`;
}

/**
 * The commands that build the network, in order: namespaces, the bridges, then per host its veth
 * pair, address and links up. One bridge per possible group is made up front so that partition()
 * is only port moves.
 */
export function planCreate(plan: NetworkPlan): IpCommand[] {
  const sw = plan.switchNamespace;
  const commands: IpCommand[] = [['netns', 'add', sw]];
  for (const host of plan.hosts) commands.push(['netns', 'add', host.namespace]);
  commands.push(['-n', sw, 'link', 'set', 'lo', 'up']);
  const bridges = ['br0', ...plan.hosts.map((_, k) => groupBridge(k))];
  for (const bridge of bridges) {
    commands.push(
      ['-n', sw, 'link', 'add', bridge, 'type', 'bridge'],
      ['-n', sw, 'link', 'set', bridge, 'up'],
    );
  }
  for (const host of plan.hosts) {
    const ns = host.namespace;
    commands.push(
      ['-n', sw, 'link', 'add', host.port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns],
      ['-n', sw, 'link', 'set', host.port, 'master', 'br0'],
      ['-n', sw, 'link', 'set', host.port, 'up'],
      ['-n', ns, 'addr', 'add', `${host.address}/${SUBNET_BITS}`, 'dev', 'eth0'],
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['-n', ns, 'link', 'set', 'eth0', 'up'],
    );
  }
  return commands;
}

/**
 * Checks partition groups against the hosts and returns the groups to apply: every named host in
 * exactly one group; the hosts no group names form one more group together. Throws a message
 * saying what is wrong.
 */
export function resolveGroups(plan: NetworkPlan, groups: readonly (readonly string[])[]): string[][] {
  const names = new Set(plan.hosts.map((h) => h.name));
  const seen = new Set<string>();
  for (const group of groups) {
    if (!Array.isArray(group) || group.length === 0)
      throw new Error('every group must be a non-empty array of host names');
    for (const name of group) {
      if (!names.has(name)) throw new Error(`unknown host "${name}" (hosts: ${[...names].join(', ')})`);
      if (seen.has(name)) throw new Error(`host "${name}" is in more than one group`);
      seen.add(name);
    }
  }
  const rest = plan.hosts.map((h) => h.name).filter((n) => !seen.has(n));
  const resolved = groups.map((g) => [...g]);
  if (rest.length > 0) resolved.push(rest);
  return resolved;
}

/**
 * The switch-namespace commands (for `ip -batch`) that put the hosts of each group on a bridge of
 * their own. Applies to any current state: every port is (re)assigned.
 */
export function planPartition(plan: NetworkPlan, groups: readonly (readonly string[])[]): string[] {
  const resolved = resolveGroups(plan, groups);
  const lines: string[] = [];
  resolved.forEach((group, k) => {
    for (const name of group) {
      const host = plan.hosts.find((h) => h.name === name);
      if (host) lines.push(`link set ${host.port} master ${groupBridge(k)}`);
    }
  });
  return lines;
}

/** The switch-namespace commands (for `ip -batch`) that put every host back on `br0`. */
export function planHeal(plan: NetworkPlan): string[] {
  return plan.hosts.map((h) => `link set ${h.port} master br0`);
}

/** Every namespace of the run, hosts first and the switch last (the order to delete them in). */
export function namespacesOf(plan: NetworkPlan): string[] {
  return [...plan.hosts.map((h) => h.namespace), plan.switchNamespace];
}

/** The names in `ip netns list` output (`name` or `name (id: 3)` per line). */
export function parseNamespaceList(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}

/** The PID that owns a namespace of ours (`rsp-<pid>-…`), or undefined for any other name. */
export function ownerPid(namespace: string): number | undefined {
  const match = new RegExp(`^${NAMESPACE_PREFIX}-(\\d+)-\\d+-`).exec(namespace);
  const pid = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Namespaces a dead run left behind: ours by name, and their owner PID is not alive (and not us).
 * Other names are never touched.
 */
export function staleNamespaces(
  names: readonly string[],
  isAlive: (pid: number) => boolean,
  self: number,
): string[] {
  return names.filter((name) => {
    const pid = ownerPid(name);
    return pid !== undefined && pid !== self && !isAlive(pid);
  });
}
