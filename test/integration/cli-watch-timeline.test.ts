/**
 * `sentinel-pool watch --timeline` (the built CLI, a child process) against a real topology with
 * a graceful failover: besides the sentinels' events it prints the client's timeline from the
 * diagnostics channels (hold start, the new master's announcement, its first answer, hold end),
 * in that order, as text and as NDJSON; `--timeline` without `--name` is a usage error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeAddress } from '../../src/testing/index.js';
import { runCli, startCli } from '../helpers/cli-process.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const address = (a: NodeAddress) => `${a.host}:${a.port}`;

describe('sentinel-pool watch --timeline', () => {
  const fixture = topologyFixture();
  const sentinels = () => fixture.topology.sentinelAddresses().map(address).join(',');

  it('prints hold start, announcement, first answer and hold end of a failover, and exits 0', async () => {
    const name = fixture.topology.masterName;
    const watch = startCli(['watch', '--sentinels', sentinels(), '--name', name, '--timeline']);
    try {
      await watch.waitForLine('stderr', (l) => l.startsWith('timeline: a client of'), 10_000);
      // The client found the master: its first announcement is printed (from "(none)").
      await watch.waitForLine('stdout', (l) => l.includes('client: master announced (none) ->'), 10_000);
      const { from, to } = await fixture.topology.failover();
      const reaction = await watch.waitForLine(
        'stdout',
        (l) => l.includes(`client: first answer from the new master ${address(to)}`),
        15_000,
      );
      assert.match(
        reaction,
        /^\d\d:\d\d:\d\d\.\d{3} {2}client: first answer .*, \d+\.\d ms after the announcement$/,
      );
      await watch.waitForLine('stdout', (l) => l.includes('client: hold end after'), 10_000);
      const result = await watch.stop('SIGINT', 5000);
      assert.equal(result.code, 0, watch.describe());
      const client = result.stdout.split('\n').filter((l) => l.includes('client: '));
      const index = (text: string) => client.findIndex((l) => l.includes(text));
      const announced = index(`client: master announced ${address(from)} -> ${address(to)}`);
      assert.ok(announced >= 0, `the announcement of ${address(to)}:\n${result.stdout}`);
      assert.ok(index('client: hold start') >= 0, `a hold start:\n${result.stdout}`);
      assert.ok(index('client: hold start') < announced, 'the hold starts before the announcement');
      assert.ok(announced < index('client: hold end'), 'the announcement ends the hold');
      assert.ok(index('client: hold end') < index('client: first answer'), 'then the new master answers');
      assert.match(
        client[index('client: hold end')]!,
        /hold end after \d+ ms, \d+ commands? held \(masterChanged\)/,
      );
      // The sentinels' own events are still there.
      assert.ok(result.stdout.includes('+switch-master'), result.stdout);
    } finally {
      await watch.stop('SIGKILL', 5000);
    }
  });

  it('--json prints the timeline as NDJSON with the channel payloads', async () => {
    const name = fixture.topology.masterName;
    const watch = startCli(['watch', '--sentinels', sentinels(), '--name', name, '--timeline', '--json']);
    try {
      const line = await watch.waitForLine('stdout', (l) => l.includes('"source":"client"'), 10_000);
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.equal(record.channel, 'master-changed');
      assert.equal(record.name, name);
      assert.equal(record.to, address(fixture.topology.masterAddress()));
      assert.match(String(record.time), /^\d{4}-\d\d-\d\dT/);
      assert.equal((await watch.stop('SIGINT', 5000)).code, 0, watch.describe());
    } finally {
      await watch.stop('SIGKILL', 5000);
    }
  });

  it('--timeline without --name exits 2 and says why', async () => {
    const result = await runCli(['watch', '--sentinels', sentinels(), '--timeline']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--timeline needs --name/);
  });
});
