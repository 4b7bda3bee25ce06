// Against your own sentinels: the ones `npm run demo -- --keep` prints, or docker-compose.yml's:
//   SENTINELS=127.0.0.1:26380,127.0.0.1:26381,127.0.0.1:26382 node --import tsx examples/your-sentinels.ts
import { Sentinel } from 'redis-sentinel-pool';

const name = process.env.MASTER_NAME ?? 'mymaster';
const sentinel = new Sentinel(process.env.SENTINELS ?? '127.0.0.1:26379', {
  password: process.env.REDIS_PASSWORD, // of the master and replicas, if they have one
});
sentinel.on('error', (error) => console.error('redis-sentinel-pool:', error.message));
sentinel.on('masterChanged', ({ name, to }) => console.log(`${name}: master is now ${to.host}:${to.port}`));

// Fail fast on configuration: a wrong master name or unreachable sentinels reject here with
// MasterNotFoundError (its message says what each sentinel answered), instead of every command
// waiting failoverTimeout (30 s) for a master that will never come.
try {
  const { master, replicas, sentinels } = await sentinel.discover(name);
  console.log(`master ${master.port}: ${replicas.length} replicas, ${sentinels.length} sentinels`);
} catch (error) {
  await sentinel.quit();
  throw error;
}

const master = sentinel.masterFor(name);
const replica = sentinel.replicaFor(name, { balance: 'round-robin' });
await master.set('foo', 'bar');
console.log(await replica.get('foo')); // 'bar', or null if that replica has not caught up yet

await sentinel.quit();
