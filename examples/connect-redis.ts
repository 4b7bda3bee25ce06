// express-session's store (connect-redis 7) on a managed client across a failover:
// npx tsx examples/connect-redis.ts
// Starts 1 master, 2 replicas and 3 sentinels (redis-server on PATH), saves sessions while
// Sentinel fails over, and reads every saved one back through the store.
import { promisify } from 'node:util';
import RedisStore from 'connect-redis';
import type { SessionData } from 'express-session';
import { Sentinel } from 'redis-sentinel-pool';
import { LocalTopology } from 'redis-sentinel-pool/testing';

const topology = await LocalTopology.start();
const sentinel = new Sentinel(topology.sentinelAddresses());
// In an app: app.use(session({ store, secret, resave: false, saveUninitialized: false })).
const store = new RedisStore({ client: sentinel.redisFor(topology.masterName) });
const set = promisify(store.set.bind(store)) as (sid: string, session: SessionData) => Promise<void>;
const get = promisify(store.get.bind(store)) as (sid: string) => Promise<SessionData | null | undefined>;
const session = (visits: number) =>
  ({
    cookie: { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000) },
    visits,
  }) as SessionData;

try {
  const saved: string[] = [];
  let stopAt = Number.POSITIVE_INFINITY; // 100 more sessions once the failover is done
  const saving = (async () => {
    for (let n = 0; n < 10_000 && saved.length < stopAt; n++) {
      // A set() cut by the failover fails (ConnectionLostError); express-session reports it to
      // the request, whose user tries again.
      await set(`sid-${n}`, session(n)).then(
        () => saved.push(`sid-${n}`),
        (error: Error) => console.log(`sid-${n}: ${error.name}`),
      );
    }
  })();
  const { from, to } = await topology.failover();
  stopAt = saved.length + 100;
  await saving;
  // The client follows the new master, so these reads are answered there.
  let found = 0;
  for (const sid of saved) if (await get(sid)) found++;
  console.log(`master :${from.port} -> :${to.port}: ${saved.length} sessions saved, ${found} read back`);
} finally {
  await sentinel.quit();
  await topology.stop();
}
