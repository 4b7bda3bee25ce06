// The socket.io Redis adapter on managed clients across a failover: npx tsx examples/socket-io.ts
// Starts 1 master, 2 replicas and 3 sentinels (redis-server on PATH) and two socket.io servers
// (no HTTP needed) that exchange events through Redis pub/sub while Sentinel fails over.
import { setTimeout as pause } from 'node:timers/promises';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Sentinel } from 'redis-sentinel-pool';
import { eventually, LocalTopology } from 'redis-sentinel-pool/testing';
import { Server } from 'socket.io';

/**
 * The adapter does not handle a failed PUBLISH: one in flight when the old master's socket is
 * dropped rejects (ConnectionLostError), and an unhandled rejection ends the process. Pub/sub is
 * at most once anyway: count it as a lost event.
 */
function tolerateLostPublish(pub: Redis): Redis {
  const publish = pub.publish.bind(pub) as (channel: string, message: string | Buffer) => Promise<number>;
  pub.publish = ((channel: string, message: string | Buffer) =>
    publish(channel, message).catch(() => 0)) as Redis['publish'];
  return pub;
}

const topology = await LocalTopology.start();
const sentinel = new Sentinel(topology.sentinelAddresses());
const servers = [0, 1].map(() => {
  const pub = tolerateLostPublish(sentinel.redisFor(topology.masterName));
  const io = new Server();
  io.adapter(createAdapter(pub, pub.duplicate())); // the duplicate is managed too
  return io;
});
const [sender, receiver] = servers as [Server, Server];
const received = new Set<number>();
receiver.on('tick', (n: number) => received.add(n));
try {
  // Events sent before the adapters have subscribed are lost: wait until one arrives.
  const isReady = () => {
    sender.serverSideEmit('tick', -1);
    return received.has(-1);
  };
  await eventually(isReady, { message: 'adapters ready' });
  let sent = 0;
  let stopAt = Number.POSITIVE_INFINITY; // 100 more events once the failover is done
  const sending = (async () => {
    for (; sent < 10_000 && sent < stopAt; sent++) {
      sender.serverSideEmit('tick', sent);
      await pause(5);
    }
  })();
  const { from, to } = await topology.failover();
  stopAt = sent + 100;
  await sending;
  await eventually(() => received.has(sent - 1), { message: 'the last event' });
  const lost = [...Array(sent).keys()].filter((n) => !received.has(n));
  console.log(
    `master :${from.port} -> :${to.port}: ${sent} events sent, ${lost.length} lost while the subscribers moved (events ${lost[0]}–${lost.at(-1)}), every later one delivered`,
  );
  console.log(`servers seen through Redis: ${await sender.of('/').adapter.serverCount()}`);
} finally {
  // io.close() would also close the HTTP engine, which these servers have none of.
  for (const io of servers) await io.of('/').adapter.close();
  await sentinel.quit();
  await topology.stop();
}
