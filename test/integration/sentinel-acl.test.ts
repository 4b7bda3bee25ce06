/**
 * The sentinel ACL user of docs/sentinel-acl.md, read from that file: with exactly those rights
 * the client discovers, reads from replicas and follows a failover by events, and no sentinel
 * logs a refusal. With an optional right missing (SENTINEL SENTINELS, the event subscription),
 * discovery still works, and the client says so once: one SentinelPermissionError through the
 * `error` event and one debug line; `sentinel-pool status` run as that user reports, per sentinel,
 * which subcommands are denied. On a real 1 master + 2 replicas + 3 sentinels fixture.topology.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SENTINEL_CHANNELS } from '../../src/discovery/sentinel-replies.js';
import { SentinelPermissionError } from '../../src/index.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { runCli } from '../helpers/cli-process.js';
import { DebugCapture } from '../helpers/debug-capture.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const PASSWORD = 'acl-pool-pass-5e2d';

/** The rules of the documented user (everything after `ACL SETUSER sentinel-pool`). */
function documentedRules(): string[] {
  const doc = readFileSync(new URL('../../docs/sentinel-acl.md', import.meta.url), 'utf8');
  const line = doc.split('\n').find((l) => l.startsWith('ACL SETUSER sentinel-pool '));
  assert.ok(line, 'docs/sentinel-acl.md has the ACL SETUSER line');
  return line.split(' ').slice(3);
}

describe('sentinel ACL', () => {
  const fixture = topologyFixture();
  const debug = new DebugCapture();

  /** Creates `user` with `rules` (the password replaced) on every sentinel, and clears ACL LOG. */
  async function createUser(user: string, rules: readonly string[]): Promise<void> {
    const withPassword = rules.map((rule) => (rule.startsWith('>') ? `>${PASSWORD}` : rule));
    for (const sentinel of fixture.topology.sentinelAddresses()) {
      await withNode(sentinel, async (c) => {
        await c.call('ACL', 'SETUSER', user, 'reset', ...withPassword);
        await c.call('ACL', 'LOG', 'RESET');
      });
    }
  }

  const open = (user: string, seeds?: NodeAddress[]) =>
    fixture.openWith(seeds ?? fixture.topology.sentinelAddresses(), {
      sentinelUsername: user,
      sentinelPassword: PASSWORD,
    });

  it('documents every event channel the client subscribes to', () => {
    const channels = documentedRules()
      .filter((rule) => rule.startsWith('&'))
      .map((rule) => rule.slice(1));
    assert.deepEqual([...channels].sort(), [...SENTINEL_CHANNELS].sort());
  });

  it('works with exactly the documented user: discovery, replica reads, a failover by events', async () => {
    await createUser('sentinel-pool', documentedRules());
    const sentinel = open('sentinel-pool');
    const errors: Error[] = [];
    sentinel.on('error', (error) => errors.push(error));
    const name = fixture.topology.masterName;
    const master = sentinel.masterFor(name);
    await master.set('acl:k', 'v');
    const replica = sentinel.replicaFor(name);
    await eventually(async () => (await replica.get('acl:k')) === 'v', {
      message: 'a replica serves the read',
    });
    assert.equal(replica.replicas().length, 2, 'SENTINEL REPLICAS answered');
    const sentinels = fixture.topology.sentinelAddresses();
    // Learned by IP from SENTINEL SENTINELS: the seeds are given by IP too, so nothing new.
    assert.equal(sentinel.sentinels().length, sentinels.length);
    const changed = once(sentinel, 'masterChanged');
    const { to } = await fixture.topology.failover();
    const [event] = (await changed) as [{ to: NodeAddress }];
    assert.equal(event.to.port, to.port);
    await master.set('acl:k', 'after');
    assert.deepEqual(errors, []);
    for (const node of sentinels) {
      const log = (await withNode(node, (c) => c.call('ACL', 'LOG'))) as unknown[];
      assert.deepEqual(
        log,
        [],
        `sentinel ${node.port} refused something: ${JSON.stringify(log).slice(0, 300)}`,
      );
    }
  });

  it('goes on without SENTINEL SENTINELS when it is refused, and says so once', async () => {
    await createUser(
      'no-sentinels',
      documentedRules().filter((rule) => rule !== '+sentinel|sentinels'),
    );
    debug.start();
    fixture.undo(async () => debug.stop());
    const [seed] = fixture.topology.sentinelAddresses() as [NodeAddress];
    const sentinel = open('no-sentinels', [seed]);
    const errors: Error[] = [];
    sentinel.on('error', (error) => errors.push(error));
    for (let i = 0; i < 3; i++) await sentinel.discover(fixture.topology.masterName);
    await sentinel.masterFor(fixture.topology.masterName).set('acl:degraded', 'v');
    assert.equal(errors.length, 1, errors.map((e) => e.message).join('; '));
    const [error] = errors;
    assert.ok(error instanceof SentinelPermissionError, String(error));
    assert.equal(error.code, 'ERR_SENTINEL_NOPERM');
    assert.equal(error.command, 'sentinel|sentinels');
    assert.equal(error.sentinel, `${seed.host}:${seed.port}`);
    assert.match(error.message, /no sentinel-list refresh/);
    assert.ok(!error.message.includes(PASSWORD));
    assert.deepEqual(sentinel.sentinels(), [seed], 'no sentinel was learned');
    const lines = debug.lines.filter((line) => line.includes('sentinel|sentinels'));
    assert.equal(lines.length, 1, lines.join('\n'));
    debug.assertNoneContains([PASSWORD]);
  });

  it('sentinel-pool status says which Sentinel subcommands each sentinel denies to the user', async () => {
    // The CLI user needs +sentinel|ckquorum besides the application's rights (docs/sentinel-acl.md).
    const rules = [
      ...documentedRules().filter((rule) => rule !== '+sentinel|sentinels'),
      '+sentinel|ckquorum',
    ];
    await createUser('status-no-sentinels', rules);
    const sentinels = fixture.topology.sentinelAddresses();
    const args = [
      'status',
      '--sentinels',
      sentinels.map((s) => `${s.host}:${s.port}`).join(','),
      '--name',
      fixture.topology.masterName,
      '--sentinel-username',
      'status-no-sentinels',
      '--sentinel-password',
      PASSWORD,
    ];
    const json = await runCli([...args, '--json']);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as {
      sentinels: Array<{ address: string; isNamed: boolean; denied: string[] }>;
      warnings: Array<{ code: string; message: string }>;
    };
    const named = report.sentinels.filter((s) => s.isNamed);
    assert.equal(named.length, sentinels.length);
    for (const sentinel of named) assert.deepEqual(sentinel.denied, ['sentinel|sentinels'], sentinel.address);
    const denials = report.warnings.filter((w) => w.code === 'sentinel-denied');
    assert.equal(denials.length, sentinels.length, JSON.stringify(report.warnings));
    assert.match(denials[0]!.message, /refuses sentinel\|sentinels .*learns no other sentinel/);
    assert.ok(!json.stdout.includes(PASSWORD));

    const text = await runCli(args);
    assert.match(text.stdout, /denied sentinel\|sentinels/);
    console.log(`# status as a user without sentinel|sentinels: ${denials[0]!.message}`);
  });

  it('goes on without events when the subscription is refused, and says so once per sentinel', async () => {
    await createUser(
      'no-events',
      documentedRules().filter((rule) => rule !== '+subscribe'),
    );
    const sentinels = fixture.topology.sentinelAddresses();
    const sentinel = open('no-events');
    const errors: Error[] = [];
    sentinel.on('error', (error) => errors.push(error));
    await sentinel.masterFor(fixture.topology.masterName).set('acl:no-events', 'v');
    await eventually(() => errors.length >= sentinels.length, {
      message: 'each refused subscription is reported',
    });
    await sentinel.discover(fixture.topology.masterName);
    for (const error of errors) {
      assert.ok(error instanceof SentinelPermissionError, String(error));
      assert.equal(error.command, 'subscribe');
      assert.match(error.message, /polling/);
    }
    const reporters = errors.map((e) => (e as SentinelPermissionError).sentinel).sort();
    assert.deepEqual(reporters, sentinels.map((s) => `${s.host}:${s.port}`).sort(), 'once per sentinel');
  });
});
