// Commands that block or change their connection (BLPOP, WATCH, SUBSCRIBE…) run on a
// dedicated connection, a plain ioredis Redis lent by the pool.
import { Sentinel } from 'redis-sentinel-pool';

const sentinel = new Sentinel(process.env.SENTINELS ?? '127.0.0.1:26379');
const master = sentinel.masterFor('mymaster');

// BLPOP on a connection of its own; its timeout (seconds) bounds it, not commandTimeout.
await master.rpush('jobs', 'job-1');
console.log(await master.withConnection((conn) => conn.blpop('jobs', 1))); // ['jobs', 'job-1']

// Optimistic locking with WATCH.
await master.set('balance', '100');
const result = await master.withConnection(async (conn) => {
  await conn.watch('balance');
  const balance = Number(await conn.get('balance'));
  // null if 'balance' changed since the WATCH
  return conn
    .multi()
    .set('balance', String(balance - 10))
    .exec();
});
console.log(result); // [[null, 'OK']]

// A long-lived subscription: acquire, and release when done.
const subscriber = await master.acquire();
subscriber.on('message', (channel: string, message: string) => console.log(channel, message));
await subscriber.subscribe('news');
await master.publish('news', 'hello'); // PUBLISH runs on the pool
await new Promise((resolve) => setTimeout(resolve, 100));
master.release(subscriber); // a subscribed connection is closed, not reused

await sentinel.quit();
