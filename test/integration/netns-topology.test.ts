/**
 * The testing kit's namespace mode on real processes: every data node / sentinel pair on a host
 * of its own, an application host, partition() and heal() cutting and restoring real links, a
 * failover on the majority side of a cut, and teardown that leaves no namespace, link or process
 * (also after a crashed run). Without root, the mode fails at once with a typed error.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NetworkNamespacesUnavailableError, TopologyError } from '../../src/errors.js';
import { eventually, type HostProcess, LocalTopology, type NodeAddress } from '../../src/testing/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = fileURLToPath(new URL('../helpers/host-probe.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'])
    .toString()
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

function rootLinks(): string {
  return execFileSync('ip', ['-o', 'link', 'show'])
    .toString()
    .split('\n')
    .map((l) => l.split(':')[1]?.trim())
    .sort()
    .join(' ');
}

/** Whether a process runs (a zombie, killed and not yet reaped by its new parent, does not). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

let nextId = 0;
async function request<T>(probe: HostProcess, body: object): Promise<T> {
  const id = ++nextId;
  const answered = probe.waitForMessage(
    (m): m is T & { id: number } => typeof m === 'object' && m !== null && (m as { id?: number }).id === id,
    10_000,
  );
  probe.child.send({ id, ...body });
  return answered;
}

async function reachable(probe: HostProcess, targets: NodeAddress[]): Promise<boolean[]> {
  return (await request<{ reachable: boolean[] }>(probe, { probe: targets })).reachable;
}

async function startProbe(topology: LocalTopology, host: string): Promise<HostProcess> {
  const probe = topology.runOnHost(host, PROBE, [], { execArgv: ['--import', 'tsx'] });
  await probe.waitForMessage((m): m is { ready: true } => (m as { ready?: boolean }).ready === true, 15_000);
  return probe;
}

describe('LocalTopology network namespaces', { skip: !isRoot && 'needs root' }, () => {
  let topology: LocalTopology;
  let linksBefore: string;

  before(async () => {
    linksBefore = rootLinks();
    topology = await LocalTopology.start({
      network: 'namespaces',
      replicas: 2,
      sentinels: 3,
      downAfterMilliseconds: 1000,
      applicationHosts: 1,
    });
  });

  after(async () => {
    await topology?.stop();
  });

  it('puts each data node / sentinel pair on a host of its own, in the test subnet', () => {
    const hosts = topology.hosts();
    assert.deepEqual(
      hosts.map((h) => h.name),
      ['node-0', 'node-1', 'node-2', 'app-0'],
    );
    for (const h of hosts) assert.match(h.address, /^198\.18\.0\.\d+$/);
    const master = topology.masterAddress();
    assert.equal(topology.hostOf(master), 'node-0');
    assert.equal(master.host, hosts[0]?.address);
    assert.deepEqual(
      topology.sentinelAddresses().map((s) => topology.hostOf(s)),
      ['node-0', 'node-1', 'node-2'],
    );
    const ours = namespaces().filter((n) => n.startsWith(`rsp-${process.pid}-`));
    assert.equal(ours.length, 5, `4 hosts and the switch: ${ours.join(' ')}`);
    assert.equal(rootLinks(), linksBefore, 'no interface was added to the root namespace');
  });

  it('partition() cuts the links between groups, heal() joins them again', async () => {
    const probe = await startProbe(topology, 'app-0');
    try {
      const nodes = [...topology.dataAddresses(), ...topology.sentinelAddresses()];
      assert.deepEqual(
        await reachable(probe, nodes),
        nodes.map(() => true),
      );
      const masterHost = topology.hostOf(topology.masterAddress());
      await topology.partition([[masterHost, 'app-0']]);
      const onMasterSide = nodes.map((n) => topology.hostOf(n) === masterHost);
      assert.deepEqual(await reachable(probe, nodes), onMasterSide);
      await topology.heal();
      assert.deepEqual(
        await reachable(probe, nodes),
        nodes.map(() => true),
      );
    } finally {
      await probe.kill();
    }
  });

  it('the majority side of a cut elects a new master; after heal() every sentinel agrees on it', async () => {
    const old = topology.masterAddress();
    const oldHost = topology.hostOf(old);
    const probe = await startProbe(topology, 'app-0');
    try {
      await topology.partition([[oldHost]]);
      const majority = topology.sentinelAddresses().filter((s) => topology.hostOf(s) !== oldHost);
      const cutAt = Date.now();
      const elected = await eventually(
        async () => {
          const replies = await Promise.all(
            majority.map((s) =>
              request<{ reply?: [string, string] }>(probe, {
                ask: s,
                command: ['SENTINEL', 'get-master-addr-by-name', topology.masterName],
              }),
            ),
          );
          const seen = replies.map((r) => r.reply?.join(':'));
          return (
            seen.every((a) => a !== undefined && a === seen[0] && a !== `${old.host}:${old.port}`) && seen[0]
          );
        },
        { timeoutMs: 20_000, intervalMs: 100, message: 'the majority elects a new master' },
      );
      const electedMs = Date.now() - cutAt;
      assert.ok(electedMs > 500, `a failover needs down-after to pass first (${electedMs} ms)`);
      await topology.heal();
      const next = await topology.waitForFailover(old);
      assert.equal(`${next.host}:${next.port}`, elected);
      await topology.restore();
      assert.notEqual(topology.hostOf(topology.masterAddress()), oldHost);
    } finally {
      await probe.kill();
    }
  });

  it('refuses bad partitions and namespace methods on a loopback topology', async () => {
    await assert.rejects(topology.partition([['node-9']]), {
      name: 'TopologyError',
      message: /unknown host "node-9"/,
    });
    await assert.rejects(topology.partition([['node-0'], ['node-0']]), TopologyError);
    assert.throws(() => topology.runOnHost('nowhere', PROBE), {
      name: 'TopologyError',
      message: /no host "nowhere"/,
    });
  });

  it('stop() removes every namespace, link and process it made', async () => {
    const t = await LocalTopology.start({ network: 'namespaces', replicas: 0, sentinels: 1, quorum: 1 });
    const probe = await startProbe(t, 'app-0');
    const pids = [...t.dataAddresses(), ...t.sentinelAddresses()].map((n) => t.pidOf(n) ?? 0);
    pids.push(probe.pid ?? 0);
    await t.partition([['app-0']]);
    await t.stop();
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} was killed`);
    const prefix = `rsp-${process.pid}-`;
    const mine = topology.hosts()[0]?.namespace.replace(/node-0$/, '') ?? '?';
    const left = namespaces().filter((n) => n.startsWith(prefix) && !n.startsWith(mine));
    assert.deepEqual(left, []);
    assert.equal(rootLinks(), linksBefore);
  });

  it('a run that was SIGKILLed is cleaned up by the next one', async () => {
    const kit = new URL('../../src/testing/index.ts', import.meta.url).href;
    const script = `
      import { LocalTopology } from ${JSON.stringify(kit)};
      const t = await LocalTopology.start({ network: 'namespaces', replicas: 0, sentinels: 1, quorum: 1 });
      console.log(JSON.stringify([...t.dataAddresses(), ...t.sentinelAddresses()].map((n) => t.pidOf(n))));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const pids = await eventually(
      () => {
        const line = output.split('\n').find((l) => l.startsWith('['));
        return line === undefined ? false : (JSON.parse(line) as number[]);
      },
      { timeoutMs: 30_000, message: 'the child started its topology' },
    );
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const prefix = `rsp-${child.pid}-`;
    assert.ok(
      namespaces().some((n) => n.startsWith(prefix)),
      'a SIGKILLed run leaves its namespaces',
    );
    // The next run removes them (and the processes in them) before building its own.
    const t = await LocalTopology.start({ network: 'namespaces', replicas: 0, sentinels: 1, quorum: 1 });
    await t.stop();
    assert.deepEqual(
      namespaces().filter((n) => n.startsWith(prefix)),
      [],
    );
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} of the dead run was killed`);
  });
});

describe('LocalTopology network namespaces without root', () => {
  it('fails at once with NetworkNamespacesUnavailableError saying what is missing', async () => {
    const kit = new URL('../../src/testing/index.ts', import.meta.url).href;
    const script = `
      import { LocalTopology } from ${JSON.stringify(kit)};
      const startedAt = Date.now();
      try {
        await LocalTopology.start({ network: 'namespaces' });
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, missing: error.missing, message: error.message, ms: Date.now() - startedAt }));
      }
    `;
    // As root, drop to an unprivileged user for the child; otherwise we are one already.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: '/tmp' },
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    await once(child, 'exit');
    const line = output.split('\n').find((l) => l.startsWith('{'));
    assert.ok(line, `the child reported an error; stderr: ${errors}`);
    const reported = JSON.parse(line) as { name: string; missing: string; message: string; ms: number };
    assert.equal(reported.name, 'NetworkNamespacesUnavailableError');
    assert.equal(reported.missing, 'root');
    assert.match(reported.message, /needs root/);
    assert.ok(reported.ms < 2000, `at once (${reported.ms} ms)`);
    assert.equal(new NetworkNamespacesUnavailableError('ip', 'x').code, 'ERR_NETWORK_NAMESPACES_UNAVAILABLE');
  });
});
