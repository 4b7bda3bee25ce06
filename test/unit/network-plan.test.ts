import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  namespacesOf,
  ownerPid,
  parseNamespaceList,
  planCreate,
  planHeal,
  planNetwork,
  planPartition,
  resolveGroups,
  runPrefix,
  staleNamespaces,
} from '../../src/testing/netns/network-plan.js';
import { dataNodeConfig, withReplicaOf } from '../../src/testing/node-config.js';
import { resolveTopologyOptions } from '../../src/testing/resolve-topology-options.js';

const plan = planNetwork(runPrefix(4242, 0), 3, 1);

describe('network plan', () => {
  it('names every host under the run prefix, with distinct addresses in the test subnet', () => {
    assert.deepEqual(
      plan.hosts.map((h) => [h.name, h.namespace, h.address, h.port]),
      [
        ['node-0', 'rsp-4242-0-node-0', '198.18.0.11', 'v-node-0'],
        ['node-1', 'rsp-4242-0-node-1', '198.18.0.12', 'v-node-1'],
        ['node-2', 'rsp-4242-0-node-2', '198.18.0.13', 'v-node-2'],
        ['app-0', 'rsp-4242-0-app-0', '198.18.0.101', 'v-app-0'],
      ],
    );
    assert.equal(plan.switchNamespace, 'rsp-4242-0-switch');
    for (const host of plan.hosts) assert.ok(host.port.length <= 15, `${host.port} fits IFNAMSIZ`);
  });

  it('creates veth pairs from inside the switch namespace only: no command touches the root namespace', () => {
    const commands = planCreate(plan);
    for (const command of commands) {
      assert.ok(command[0] === '-n' || command[0] === 'netns', `runs in a namespace: ${command.join(' ')}`);
    }
    const veth = commands.find((c) => c.includes('veth') && c.includes('v-node-1'));
    assert.deepEqual(veth, [
      '-n',
      'rsp-4242-0-switch',
      'link',
      'add',
      'v-node-1',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      'rsp-4242-0-node-1',
    ]);
    assert.ok(commands.some((c) => c.join(' ') === '-n rsp-4242-0-app-0 addr add 198.18.0.101/24 dev eth0'));
    // Namespaces first, so that every later command finds its namespace.
    const firstNonAdd = commands.findIndex((c) => c[0] !== 'netns');
    assert.ok(commands.slice(firstNonAdd).every((c) => c[0] !== 'netns'));
  });

  it('partitions by moving each group onto a bridge of its own; unnamed hosts form one more group', () => {
    assert.deepEqual(planPartition(plan, [['node-0', 'app-0']]), [
      'link set v-node-0 master p0',
      'link set v-app-0 master p0',
      'link set v-node-1 master p1',
      'link set v-node-2 master p1',
    ]);
    assert.deepEqual(
      planHeal(plan),
      plan.hosts.map((h) => `link set ${h.port} master br0`),
    );
  });

  it('refuses unknown hosts, hosts in two groups and empty groups', () => {
    assert.throws(() => resolveGroups(plan, [['node-9']]), /unknown host "node-9"/);
    assert.throws(() => resolveGroups(plan, [['node-0'], ['node-0']]), /more than one group/);
    assert.throws(() => resolveGroups(plan, [[]]), /non-empty/);
    assert.deepEqual(resolveGroups(plan, [['node-0', 'node-1', 'node-2', 'app-0']]), [
      ['node-0', 'node-1', 'node-2', 'app-0'],
    ]);
  });

  it('deletes hosts before the switch', () => {
    assert.equal(namespacesOf(plan).at(-1), 'rsp-4242-0-switch');
    assert.equal(namespacesOf(plan).length, 5);
  });

  it('finds namespaces of dead runs, never of live ones, its own or other names', () => {
    const names = parseNamespaceList(
      'rsp-100-0-node-0 (id: 3)\nrsp-100-0-switch (id: 2)\nrsp-200-1-app-0\nrsp-300-0-node-1\nother-ns\nrsp-x-0-a\n',
    );
    assert.deepEqual(names, [
      'rsp-100-0-node-0',
      'rsp-100-0-switch',
      'rsp-200-1-app-0',
      'rsp-300-0-node-1',
      'other-ns',
      'rsp-x-0-a',
    ]);
    assert.equal(ownerPid('rsp-100-0-node-0'), 100);
    assert.equal(ownerPid('other-ns'), undefined);
    const alive = new Set([200]);
    assert.deepEqual(
      staleNamespaces(names, (pid) => alive.has(pid), 300),
      ['rsp-100-0-node-0', 'rsp-100-0-switch'],
    );
  });

  it('refuses more hosts than the subnet plan holds', () => {
    assert.throws(() => planNetwork('rsp-1-0', 81, 0), RangeError);
  });
});

describe('namespace-mode options and node configs', () => {
  it('defaults to loopback; namespaces get one application host; loopback refuses any', () => {
    assert.equal(resolveTopologyOptions({}).network, 'loopback');
    assert.equal(resolveTopologyOptions({}).applicationHosts, 0);
    assert.equal(resolveTopologyOptions({ network: 'namespaces' }).applicationHosts, 1);
    assert.throws(() => resolveTopologyOptions({ applicationHosts: 1 }), { name: 'TopologyError' });
    assert.throws(
      () => resolveTopologyOptions({ network: 'bridge' as 'loopback' }),
      /'loopback' or 'namespaces'/,
    );
    assert.throws(
      () =>
        resolveTopologyOptions({ network: 'namespaces', tls: { certFile: 'a', keyFile: 'b', caFile: 'c' } }),
      /tls is not supported/,
    );
  });

  it('binds to the host address, adds the kit socket, and points at the master by its host', () => {
    const lines = dataNodeConfig({
      port: 7002,
      dir: '/tmp/n',
      host: '198.18.0.12',
      unixSocket: '/tmp/n/redis.sock',
      masterPort: 7001,
      masterHost: '198.18.0.11',
      minReplicasToWrite: 0,
      minReplicasMaxLag: 10,
      extra: [],
    });
    assert.ok(lines.includes('"bind" "198.18.0.12"'));
    assert.ok(lines.includes('"unixsocket" "/tmp/n/redis.sock"'));
    assert.ok(lines.includes('"protected-mode" "no"'));
    assert.ok(lines.includes('"replicaof" "198.18.0.11" 7001'));
    assert.equal(
      withReplicaOf('"replicaof" "198.18.0.11" 7001\n', 7003, '198.18.0.13'),
      '"replicaof" "198.18.0.13" 7003\n',
    );
  });
});
