/**
 * The built command line, run as a child process (`node dist/esm/cli/main.js …`; `npm test`
 * builds first): `status` and its exit codes on a real topology (healthy, a replica killed,
 * `min-replicas-to-write 0`), `status --json` against the topology, `watch` printing a
 * failover, `demo --json` on a topology of its own, and usage errors. Then the diagnosis of
 * what is not a sentinel: a socket that never answers, a data node, an HTTP server on loopback,
 * a closed port, and a master group name no sentinel monitors, for `status` and `watch`.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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

  it('status --write-lease-ms: warns when the lease is not comfortably below down-after-milliseconds', async () => {
    const down = fixture.topology.options.downAfterMilliseconds;
    const close = await status('--write-lease-ms', String(down));
    assert.equal(close.code, 1, close.stdout);
    assert.match(
      close.stdout,
      new RegExp(`writeLeaseMs ${down} .* not comfortably below down-after-milliseconds ${down}`),
    );
    const comfortable = await status('--write-lease-ms', String(Math.floor(down / 4)));
    assert.equal(comfortable.code, 0, comfortable.stdout);
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
      assert.match(text.stdout, /min-replicas-to-write 0 \(Redis's default\): in a split brain/);
      assert.match(
        text.stdout,
        /advice for production: set min-replicas-to-write 1 .*Harmless on a test topology/,
      );
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

  describe('diagnosis of what is not a sentinel', () => {
    // Loopback servers the tests start: not Redis, so plain node servers.
    const silentSockets = new Set<Socket>();
    let silent: Server;
    let http: HttpServer;
    let closedPort: number;
    const portOf = (server: Server | HttpServer) => (server.address() as { port: number }).port;

    before(async () => {
      silent = createServer((socket) => {
        silentSockets.add(socket); // accepts, reads, never answers
        socket.on('close', () => silentSockets.delete(socket));
      }).listen(0, '127.0.0.1');
      http = createHttpServer((_request, response) => response.end('hello')).listen(0, '127.0.0.1');
      const closed = createServer().listen(0, '127.0.0.1');
      await Promise.all([once(silent, 'listening'), once(http, 'listening'), once(closed, 'listening')]);
      closedPort = portOf(closed);
      closed.close();
      await once(closed, 'close');
    });

    after(async () => {
      for (const socket of silentSockets) socket.destroy();
      silent.close();
      http.close();
      http.closeAllConnections();
    });

    const statusOf = (sentinelList: string, ...extra: string[]) =>
      runCli(
        ['status', '--sentinels', sentinelList, '--name', fixture.topology.masterName, ...extra],
        30_000,
      );

    it('status: a socket that never answers is "not answering", not a wrong --name', async () => {
      const result = await statusOf(`127.0.0.1:${portOf(silent)}`, '--timeout', '500');
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stdout, /no answer +accepted the connection but did not answer within 500 ms/);
      assert.match(result.stdout, /\[sentinel-not-answering\]/);
      assert.match(result.stderr, /no sentinel could be asked: .*--timeout waits longer/);
      assert.doesNotMatch(result.stdout + result.stderr, /--name|does not monitor|answered {2}/);
    });

    it('status: a data node given as a sentinel is "not a sentinel"', async () => {
      const result = await statusOf(address(fixture.topology.masterAddress()));
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stdout, /not a sentinel +is a Redis server but not a sentinel/);
      assert.match(
        result.stderr,
        /no sentinel could be asked: check --sentinels: sentinels listen on their own port/,
      );
      assert.doesNotMatch(result.stdout + result.stderr, /--name/);
    });

    it('status: an HTTP server is "not RESP", without ioredis\'s "please report this"', async () => {
      const result = await statusOf(`127.0.0.1:${portOf(http)}`);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        /not RESP +answered, but not in the Redis protocol \(first byte "H"\): an HTTP server/,
      );
      assert.doesNotMatch(result.stdout + result.stderr, /--name|Please report this/);
    });

    it('status: a closed port is "unreachable"; the other sentinels still report', async () => {
      const result = await statusOf(`${sentinels},127.0.0.1:${closedPort}`, '--json');
      assert.equal(result.code, 1, result.stdout);
      const report = JSON.parse(result.stdout) as StatusJson;
      const closed = report.warnings.find((w) => w.code === 'sentinel-unreachable');
      assert.match(closed?.message ?? '', /is unreachable: nothing listens there \(ECONNREFUSED\)/);
      assert.equal(report.master.address, address(fixture.topology.masterAddress()));
    });

    it('status: a name no sentinel monitors says which they do, and did you mean', async () => {
      const name = fixture.topology.masterName;
      const typo = name.slice(0, -2) + name.slice(-1);
      const result = await runCli(['status', '--sentinels', sentinels, '--name', typo], 30_000);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`does not monitor "${typo}": it monitors "${name}"`));
      assert.match(
        result.stderr,
        new RegExp(`no sentinel monitors "${typo}" \\(check --name: did you mean "${name}"\\?\\)`),
      );
    });

    it('watch: a name no sentinel monitors exits 2 at once, with did you mean', async () => {
      const name = fixture.topology.masterName;
      const typo = name.slice(0, -2) + name.slice(-1);
      const result = await runCli(['watch', '--sentinels', sentinels, '--name', typo], 30_000);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stderr, new RegExp(`no sentinel monitors "${typo}": did you mean "${name}"\\?`));
      for (const sentinel of fixture.topology.sentinelAddresses())
        assert.match(result.stderr, new RegExp(`sentinel ${address(sentinel)} monitors "${name}"`));
    });

    it('watch: ignores a data node and an HTTP server, watches the sentinel', async () => {
      const [sentinel] = fixture.topology.sentinelAddresses();
      const list = [
        address(sentinel!),
        address(fixture.topology.masterAddress()),
        `127.0.0.1:${portOf(http)}`,
      ];
      const watch = startCli(['watch', '--sentinels', list.join(','), '--name', fixture.topology.masterName]);
      try {
        await watch.waitForLine('stderr', (l) => l.startsWith('watching 1 of 3 sentinels'), 30_000);
        assert.match(
          watch.stderr,
          /ignoring sentinel 127\.0\.0\.1:\d+, which is a Redis server but not a sentinel/,
        );
        assert.match(
          watch.stderr,
          /ignoring sentinel 127\.0\.0\.1:\d+, which answered, but not in the Redis protocol/,
        );
        const result = await watch.stop('SIGINT', 10_000);
        assert.equal(result.code, 0, watch.describe());
      } finally {
        await watch.stop('SIGKILL', 5000);
      }
    });

    it('watch: no sentinel answering exits 2 with each diagnosis', async () => {
      const list = `127.0.0.1:${portOf(silent)},127.0.0.1:${closedPort}`;
      const result = await runCli(['watch', '--sentinels', list, '--timeout', '500'], 30_000);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stderr, /no sentinel answered:/);
      assert.match(result.stderr, /accepted the connection but did not answer within 500 ms/);
      assert.match(result.stderr, /is unreachable: nothing listens there/);
    });
  });

  describe('command line manners', () => {
    it('suggests the option or command a typo meant', async () => {
      const option = await runCli(['status', '--sentinels', sentinels, '--nmae', 'mymaster']);
      assert.equal(option.code, 2);
      assert.match(option.stderr, /unknown option --nmae \(did you mean --name\?\)/);
      const command = await runCli(['stauts', '--sentinels', sentinels]);
      assert.equal(command.code, 2);
      assert.match(command.stderr, /unknown command "stauts" \(did you mean status\?\)/);
    });

    it('prints the version with --version', async () => {
      const root = join(import.meta.dirname, '..', '..');
      const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
      for (const flag of ['--version', '-V']) {
        const result = await runCli([flag]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `${version}\n`);
      }
    });

    it('takes a space-separated sentinel list, and explains one split by the shell', async () => {
      const spaced = sentinels.split(',').join(' ');
      const result = await status_(spaced);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const [first, second] = sentinels.split(',');
      const split = await runCli([
        'status',
        '--sentinels',
        first!,
        second!,
        '--name',
        fixture.topology.masterName,
      ]);
      assert.equal(split.code, 2);
      assert.match(split.stderr, /unexpected argument ".*" after --sentinels .*separate a list with commas/);
    });

    const status_ = (list: string) =>
      runCli(['status', '--sentinels', list, '--name', fixture.topology.masterName], 30_000);
  });
});
