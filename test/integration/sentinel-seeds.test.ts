/**
 * Sentinels given by host name (`localhost:<port>`): kept as given for ever and dialled by name
 * (resolved again on every connect, so a restarted or moved sentinel is found again), and never
 * connected twice when another sentinel announces the same one by IP (`127.0.0.1:<port>`). A
 * learned sentinel that is removed (killed, and forgotten by the others with SENTINEL RESET)
 * leaves the list; a seed removed the same way stays. On a real 1 master + 2 replicas +
 * 3 sentinels fixture.topology.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from '../../src/index.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { DebugCapture } from '../helpers/debug-capture.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('sentinel seeds by host name', () => {
  const fixture = topologyFixture();
  const debug = new DebugCapture();

  /** How many connections subscribed to a sentinel's event channels (ours and the kit's). */
  async function subscribers(sentinel: NodeAddress): Promise<number> {
    const list = (await withNode(sentinel, (c) => c.client('LIST'))) as string;
    return list.split('\n').filter((line) => /\b(sub|psub)=[1-9]/.test(line)).length;
  }

  it('keeps localhost seeds as given, connected once each, and finds a restarted one by name', async () => {
    const sentinels = fixture.topology.sentinelAddresses();
    const before = await Promise.all(sentinels.map(subscribers));
    debug.start();
    fixture.undo(async () => debug.stop());
    const sentinel = fixture.openWith(sentinels.map((s) => `localhost:${s.port}`));
    await sentinel.discover(fixture.topology.masterName);
    // The sentinel that answered named the two others by IP: both recognised as seeds.
    await eventually(() => debug.lines.filter((line) => line.includes('not connected twice')).length >= 2, {
      message: 'the sentinels announced by IP were recognised as seeds',
    });
    const expected = sentinels.map((s) => ({ host: 'localhost', port: s.port }));
    const sorted = (list: Array<{ host: string; port: number }>) => [...list].sort((a, b) => a.port - b.port);
    assert.deepEqual(sorted(sentinel.sentinels()), sorted(expected));
    await eventually(
      async () => (await Promise.all(sentinels.map(subscribers))).every((n, i) => n === before[i]! + 1),
      { message: 'one subscribed connection of ours per sentinel' },
    );

    // A seed sentinel restarted: dialled again by name, and still on the list.
    const [first] = sentinels as [NodeAddress];
    await fixture.topology.kill(first);
    await fixture.topology.restart(first);
    await eventually(async () => (await subscribers(first)) === before[0]! + 1, {
      timeoutMs: 15_000,
      message: 'reconnected to the restarted seed',
    });
    await sentinel.discover(fixture.topology.masterName);
    assert.deepEqual(sorted(sentinel.sentinels()), sorted(expected));
  });

  it('drops a learned sentinel that was removed (no longer listed, unreachable), keeps a seed removed alike', async () => {
    const [asked, learned, seed] = fixture.topology.sentinelAddresses() as [
      NodeAddress,
      NodeAddress,
      NodeAddress,
    ];
    const name = fixture.topology.masterName;
    const sentinel = fixture.openWith([asked, seed].map((s) => `${s.host}:${s.port}`));
    const removed: Address[] = [];
    sentinel.on('sentinelRemoved', (event) => removed.push(event.sentinel));
    const has = (node: NodeAddress) => sentinel.sentinels().some((s) => s.port === node.port);
    await sentinel.discover(name);
    await eventually(() => has(learned), { message: 'learned the third sentinel from SENTINEL SENTINELS' });

    // Removed from the deployment: killed, then forgotten by the one left (SENTINEL RESET).
    await fixture.topology.kill(learned);
    await fixture.topology.kill(seed);
    await withNode(asked, (c) => c.call('SENTINEL', 'RESET', name));
    await eventually(
      async () => {
        await sentinel.discover(name);
        return !has(learned);
      },
      { timeoutMs: 15_000, message: 'the removed learned sentinel left the list' },
    );
    assert.deepEqual(
      removed.map((a) => a.port),
      [learned.port],
    );
    // More answers change nothing for the seed: it stays, and is dialled again when it is back.
    for (let i = 0; i < 5; i++) await sentinel.discover(name);
    assert.ok(has(seed), 'a seed never leaves');
    assert.ok(has(asked));
  });
});
