// A working failover in a minute: starts 1 master, 2 replicas and 3 sentinels on 127.0.0.1
// (needs redis-server on PATH), writes, reads, fails over, and cleans up.
import { Sentinel } from 'redis-sentinel-pool';
import { LocalTopology } from 'redis-sentinel-pool/testing';

const topology = await LocalTopology.start(); // at free ports, in temp dirs
const sentinel = new Sentinel(topology.sentinelAddresses());
try {
  const master = sentinel.masterFor(topology.masterName); // returns at once; connects on first use
  const replica = sentinel.replicaFor(topology.masterName);

  await master.set('greeting', 'hello');
  console.log(await replica.get('greeting')); // 'hello', or null: replication is asynchronous

  const session = sentinel.session(topology.masterName); // read-your-writes
  await session.master.set('greeting', 'hello again');
  console.log(await session.replica.get('greeting')); // 'hello again', from a replica that has it

  sentinel.on('masterChanged', ({ from, to }) => console.log(`master ${from?.port} -> ${to.port}`));
  await topology.failover(); // SENTINEL FAILOVER; waits until every sentinel agrees
  console.log(await master.get('greeting')); // 'hello again', from the new master
} finally {
  await sentinel.quit(); // closes every pool, sentinel connection and timer
  await topology.stop(); // kills every redis-server it started
}
