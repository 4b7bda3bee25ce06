/**
 * The socket.io Redis adapter (`@socket.io/redis-adapter`) on managed clients, in its documented
 * pattern `createAdapter(pub, pub.duplicate())`: two socket.io servers (no HTTP needed) talk
 * through Redis pub/sub before and after a graceful failover.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { eventually } from '../../src/testing/index.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('socket.io Redis adapter on managed clients', () => {
  const fixture = topologyFixture();

  it('carries server-side events between two servers across a graceful failover', async () => {
    const sentinel = fixture.open();
    const servers = [0, 1].map(() => {
      const pub = sentinel.redisFor(fixture.topology.masterName);
      const io = new Server();
      io.adapter(createAdapter(pub, pub.duplicate()));
      return io;
    });
    fixture.undo(async () => {
      for (const io of servers) await io.close();
    });
    const [first, second] = servers as [Server, Server];
    const received: string[] = [];
    second.on('greeting', (text: string) => received.push(text));
    await eventually(
      async () => {
        first.serverSideEmit('greeting', 'before');
        return received.includes('before');
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'an event before the failover' },
    );
    assert.equal(await first.of('/').adapter.serverCount(), 2);
    await fixture.topology.failover();
    // Pub/sub is at most once: events sent while the subscriber moves may be lost, so send again
    // until one arrives.
    await eventually(
      async () => {
        first.serverSideEmit('greeting', 'after');
        return received.includes('after');
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'an event after the failover' },
    );
    assert.equal(await first.of('/').adapter.serverCount(), 2, 'both subscribers on the new master');
  });
});
