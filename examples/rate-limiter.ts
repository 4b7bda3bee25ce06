// Two rate-limiter-flexible limiters on one managed client across a failover:
// npx tsx examples/rate-limiter.ts
// Starts 1 master, 2 replicas and 3 sentinels (redis-server on PATH), consumes points while
// Sentinel fails over, and compares the points each limiter counted with those it acknowledged.
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { Sentinel } from 'redis-sentinel-pool';
import { LocalTopology } from 'redis-sentinel-pool/testing';

const topology = await LocalTopology.start();
const sentinel = new Sentinel(topology.sentinelAddresses());
const client = sentinel.redisFor(topology.masterName);
// Each limiter defines its Lua script on the client; defining the same script again is a no-op.
const limiters = {
  perUser: new RateLimiterRedis({ storeClient: client, keyPrefix: 'rl-user', points: 1e6, duration: 600 }),
  perIp: new RateLimiterRedis({ storeClient: client, keyPrefix: 'rl-ip', points: 1e6, duration: 600 }),
};
try {
  const acknowledged = { perUser: 0, perIp: 0 };
  let isDone = false;
  const consume = async (name: keyof typeof limiters, key: string) => {
    for (let i = 0; i < 100_000 && !isDone; i++) {
      // A consume() cut by the failover rejects (ConnectionLostError): the point may or may not
      // be counted. A request that sees it would be let through or refused, as the app decides.
      await limiters[name].consume(key).then(
        () => acknowledged[name]++,
        (error: Error) => console.log(`${name}: ${error.name}`),
      );
    }
  };
  const consuming = Promise.all([consume('perUser', 'alice'), consume('perIp', '10.0.0.1')]);
  const { from, to } = await topology.failover();
  isDone = true;
  await consuming;
  for (const [name, key] of [
    ['perUser', 'alice'],
    ['perIp', '10.0.0.1'],
  ] as const) {
    const counted = (await limiters[name].get(key))?.consumedPoints;
    console.log(`${name}: ${acknowledged[name]} points acknowledged, ${counted} counted on the master`);
  }
  console.log(`master :${from.port} -> :${to.port}`);
} finally {
  await sentinel.quit();
  await topology.stop();
}
