/**
 * The built command line, run as a child process (`node dist/esm/cli/main.js …`; `npm test`
 * builds first): `status` and its exit codes on a real topology (healthy, a replica killed,
 * `min-replicas-to-write 0`), `status --json` against the topology, `watch` printing a
 * failover, `demo --json` on a topology of its own, and usage errors.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { runCli, startCli } from '../helpers/cli-process.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const address = (a: NodeAddress) => `${a.host}:${a.port}`;

interface StatusJson {
  name: string;
  master: { address: string; role: string; minReplicasToWrite: number | null };
  replicas: { address: string; masterLinkStatus: string; lagBytes: number | null; flags: string[] }[];
  sentinels: { address: string; isNamed: boolean; isReachable: boolean | null; master: string | null }[];
  quorum: { quorum: number; sentinelCount: number; isReachable: boolean };
  warnings: { code: string; message: string }[];
  exitCode: number;
}

describe('sentinel-pool CLI', () => {
  // The split-brain guard on, so that a healthy topology gets no warning.
  const fixture = topologyFixture({ minReplicasToWrite: 1 }, { restore: false });
  let sentinels: string;

  before(() => {
    sentinels = fixture.topology.sentinelAddresses().map(address).join(',');
  });

  const status = async (...extra: string[]) =>
    runCli(['status', '--sentinels', sentinels, '--name', fixture.topology.masterName, ...extra]);
  const statusJson = async () => {
    const result = await status('--json');
    return { result, report: JSON.parse(result.stdout) as StatusJson };
  };

  it('exits 2 with a one-line hint on bad arguments', async () => {
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['status', '--name', 'mymaster'],
      ['status', '--sentinels', '127.0.0.1:notaport', '--name', 'mymaster'],
      ['status', '--sentinels', '127.0.0.1:26379', '--name', 'mymaster', '--bogus'],
      ['status', '--sentinels', '127.0.0.1:26379', '--name', 'my master'],
      ['watch', '--sentinels'],
      ['demo', '--json=yes'],
      ['demo', 'extra'],
    ];
    const results = await Promise.all(cases.map((args) => runCli(args)));
    for (const [i, result] of results.entries()) {
      const what = `sentinel-pool ${cases[i]!.join(' ')}`;
      assert.equal(result.code, 2, `${what}: exit code\n${result.stderr}`);
      assert.equal(result.stdout, '', `${what}: nothing on stdout`);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${what}: one line on stderr, got:\n${result.stderr}`);
      assert.match(lines[0]!, /--help/, `${what}: the line says where to look`);
    }
  });

  it('prints --help for each command and exits 0', async () => {
    for (const command of ['demo', 'status', 'watch']) {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: .* ${command}`));
      assert.match(result.stdout, /--json/);
    }
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /demo[\s\S]*status[\s\S]*watch/);
  });

  it('status: a healthy topology exits 0 with no warning', async () => {
    const result = await status();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`master ${address(fixture.topology.masterAddress())}`));
    assert.match(result.stdout, /min-replicas-to-write 1/);
    assert.match(result.stdout, /healthy: no warning/);
    for (const replica of fixture.topology.replicaAddresses())
      assert.match(result.stdout, new RegExp(address(replica)));
    console.log(`# status (healthy) took ${result.ms.toFixed(0)} ms`);
  });

  it('status --json parses and matches the topology', async () => {
    const { result, report } = await statusJson();
    assert.equal(result.code, 0, result.stdout);
    assert.equal(report.name, fixture.topology.masterName);
    assert.equal(report.master.address, address(fixture.topology.masterAddress()));
    assert.equal(report.master.role, 'master');
    assert.equal(report.master.minReplicasToWrite, 1);
    assert.deepEqual(
      report.replicas.map((r) => r.address).sort(),
      fixture.topology.replicaAddresses().map(address).sort(),
    );
    for (const replica of report.replicas) {
      assert.equal(replica.masterLinkStatus, 'ok');
      assert.equal(typeof replica.lagBytes, 'number');
    }
    assert.deepEqual(
      report.sentinels.map((s) => s.address).sort(),
      fixture.topology.sentinelAddresses().map(address).sort(),
    );
    for (const sentinel of report.sentinels) {
      assert.equal(sentinel.isReachable, true);
      assert.equal(sentinel.master, address(fixture.topology.masterAddress()));
    }
    assert.deepEqual(report.quorum, { quorum: 2, sentinelCount: 3, majority: 2, isReachable: true });
    assert.deepEqual(report.warnings, []);
    assert.equal(report.exitCode, 0);
  });

  it('status: min-replicas-to-write 0 on the master exits 1 with that warning', async () => {
    const master = fixture.topology.masterAddress();
    await withNode(master, (c) => c.config('SET', 'min-replicas-to-write', '0'));
    try {
      const { result, report } = await statusJson();
      assert.equal(result.code, 1, result.stdout);
      assert.deepEqual(
        report.warnings.map((w) => w.code),
        ['no-min-replicas-to-write'],
      );
      const text = await status();
      assert.equal(text.code, 1);
      assert.match(text.stdout, /min-replicas-to-write 0: in a split brain/);
    } finally {
      await withNode(master, (c) => c.config('SET', 'min-replicas-to-write', '1'));
    }
    assert.equal((await status()).code, 0, 'healthy again once restored');
  });

  it('status: a killed replica exits 1 with a replica-down warning once Sentinel sees it down', async () => {
    const [replica] = fixture.topology.replicaAddresses();
    await fixture.topology.kill(replica!, 'SIGKILL');
    try {
      const report = await eventually(
        async () => {
          const { result, report } = await statusJson();
          assert.equal(result.code, 1, result.stdout);
          const down = report.replicas.find((r) => r.address === address(replica!));
          assert.ok(down?.flags.includes('s_down'), `Sentinel flags: ${down?.flags}`);
          return report;
        },
        { timeoutMs: 15_000, intervalMs: 250, message: 'status reports the replica down' },
      );
      const warning = report.warnings.find((w) => w.code === 'replica-down');
      assert.match(warning?.message ?? '', new RegExp(`replica ${address(replica!)} is down`));
    } finally {
      await fixture.topology.restore();
    }
    assert.equal((await status()).code, 0, 'healthy again once restored');
  });

  it('watch prints the switch once, with the sentinels that announced it, and exits 0 on Ctrl-C', async () => {
    const watch = startCli(['watch', '--sentinels', sentinels, '--name', fixture.topology.masterName]);
    try {
      await watch.waitForLine('stderr', (l) => l.startsWith('watching 3 of 3 sentinels'), 10_000);
      const { from, to } = await fixture.topology.failover();
      const switchLine = `+switch-master`;
      const line = await watch.waitForLine(
        'stdout',
        (l) => l.includes(switchLine) && l.includes(`${from.port} 127.0.0.1 ${to.port}`),
        10_000,
      );
      assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} {2}\+switch-master/);
      assert.match(line, /\[127\.0\.0\.1:\d+/);
      await watch.waitForLine('stdout', (l) => l.includes('+failover-end'), 10_000);
      const result = await watch.stop('SIGINT', 5000);
      assert.equal(result.code, 0, watch.describe());
      const switches = result.stdout.split('\n').filter((l) => l.includes(switchLine));
      assert.equal(switches.length, 1, `one line per switch, not one per sentinel:\n${result.stdout}`);
      assert.doesNotMatch(result.stdout, /__sentinel__:hello/);
    } finally {
      await watch.stop('SIGKILL', 5000);
    }
  });

  it('demo --json completes with zero stale session reads and a measured reaction time', async () => {
    const demo = startCli(['demo', '--json']);
    const result = await demo.result(90_000);
    assert.equal(result.code, 0, demo.describe());
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.staleSessionReads, 0);
    assert.equal(typeof summary.stalePlainReads, 'number');
    assert.equal(summary.readYourWrites.firstWrite.readBack, summary.readYourWrites.firstWrite.value);
    assert.deepEqual(
      summary.failovers.map((f: { kind: string }) => f.kind),
      ['graceful', 'sigkill'],
    );
    for (const failover of summary.failovers) {
      assert.equal(typeof failover.reactionMs, 'number', JSON.stringify(failover));
      assert.ok(Math.abs(failover.reactionMs) < 5000, `reaction ${failover.reactionMs} ms`);
      assert.notEqual(failover.from, failover.to);
    }
    const durable = summary.failovers.find((f: { kind: string }) => f.kind === 'sigkill');
    assert.equal(durable.durableWrites, true);
    assert.equal(durable.lostWrites, 0, 'durable writes survive a SIGKILL of the master');
    assert.equal(typeof summary.errors, 'object');
    assert.match(result.stderr, /stopping every process the demo started/);
    console.log(
      `# demo --json: ${(result.ms / 1000).toFixed(1)} s; stale plain ${summary.stalePlainReads}/${summary.readYourWrites.samples}; reaction ${summary.failovers.map((f: { reactionMs: number }) => f.reactionMs).join(' / ')} ms; lost ${summary.lostWrites}`,
    );
  });
});
