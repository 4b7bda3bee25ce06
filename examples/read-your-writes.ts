// Read-your-writes sessions: a replica read sees the session's own writes, with no sleep.
import { Sentinel } from 'redis-sentinel-pool';

const sentinel = new Sentinel(process.env.SENTINELS ?? '127.0.0.1:26379');

const session = sentinel.session('mymaster', { timeoutMs: 100 });
await session.master.hset('user:42', 'name', 'Ada');
console.log(await session.replica.hget('user:42', 'name')); // 'Ada', no sleep

// Hand the position to another process: an HTTP header, a cookie, a job payload.
const token = session.token; // an opaque string, 'rsp1.…'

// In the other process: a session that starts from that position sees those writes too.
const next = sentinel.session('mymaster', { after: token });
console.log(await next.replica.hget('user:42', 'name')); // 'Ada'

await sentinel.quit();
