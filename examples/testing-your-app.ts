// Test your own app against real failovers: node --import tsx --test examples/testing-your-app.ts
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Sentinel } from 'redis-sentinel-pool';
import { LocalTopology } from 'redis-sentinel-pool/testing';

let topology: LocalTopology;
let sentinel: Sentinel;

before(async () => {
  topology = await LocalTopology.start(); // 1 master, 2 replicas, 3 sentinels, quorum 2
  sentinel = new Sentinel(topology.sentinelAddresses());
});
after(async () => {
  await sentinel?.quit();
  await topology?.stop();
});

it('keeps its data across a graceful failover', async () => {
  const master = sentinel.masterFor(topology.masterName);
  await master.set('k', '1');
  const { from, to } = await topology.failover(); // SENTINEL FAILOVER, waits for every sentinel
  assert.notDeepEqual(to, from);
  assert.equal(await master.get('k'), '1');
  await topology.restore();
});

it('writes to the new master after a SIGKILL', async () => {
  const master = sentinel.masterFor(topology.masterName);
  const old = topology.masterAddress();
  await topology.kill(old); // SIGKILL by default; also 'SIGSTOP', 'SIGCONT', 'SIGTERM'
  await topology.waitForFailover(old);
  assert.equal(await master.set('k', '2'), 'OK');
  await topology.restore(); // restarts the killed node as a replica, waits until all is healthy
});
