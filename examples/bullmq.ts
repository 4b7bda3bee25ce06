// BullMQ on managed clients across a failover: npx tsx examples/bullmq.ts
// Starts 1 master, 2 replicas and 3 sentinels (redis-server on PATH), a Queue and a Worker; adds
// jobs while Sentinel fails over, and checks that every job whose add() resolved was completed.
import { setTimeout as pause } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { Sentinel } from 'redis-sentinel-pool';
import { eventually, LocalTopology } from 'redis-sentinel-pool/testing';

const topology = await LocalTopology.start();
const sentinel = new Sentinel(topology.sentinelAddresses());
const queue = new Queue('mail', {
  connection: sentinel.redisFor(topology.masterName),
  // A job whose completion the failover cut fails (ConnectionLostError): attempts run it again.
  defaultJobOptions: { attempts: 3 },
});
const completed = new Set<number>();
const worker = new Worker('mail', async (job) => completed.add(job.data.n), {
  // Workers want maxRetriesPerRequest: null (the default of redisFor() too).
  connection: sentinel.redisFor(topology.masterName, { maxRetriesPerRequest: null }),
  // A job whose completion the failover cut runs again once its lock expires: 5 s here
  // (BullMQ's default is 30 s).
  lockDuration: 5000,
  stalledInterval: 5000,
});
// BullMQ reports the commands the failover cut (ConnectionLostError) as events, and goes on.
worker.on('error', (error) => console.log(`worker: ${error.name}`));
try {
  const added: number[] = [];
  let stopAt = Number.POSITIVE_INFINITY; // 50 more jobs once the failover is done
  const producer = (async () => {
    for (let n = 0; n < 10_000 && added.length < stopAt; n++) {
      // An add() cut by the failover may or may not have created the job: add it again, with
      // the same jobId, which BullMQ takes as the same job.
      for (let attempt = 0; attempt < 3; attempt++) {
        const ok = await queue.add('send', { n }, { jobId: `mail-${n}` }).then(
          () => true,
          (error: Error) => {
            console.log(`add ${n}: ${error.name}, adding it again`);
            return false;
          },
        );
        if (ok) {
          added.push(n);
          break;
        }
      }
      await pause(5);
    }
  })();
  const { from, to } = await topology.failover();
  stopAt = added.length + 50;
  await producer;
  await eventually(() => added.every((n) => completed.has(n)), {
    timeoutMs: 30_000,
    message: 'every job done',
  });
  console.log(
    `master :${from.port} -> :${to.port}: ${added.length} jobs added, all ${completed.size} completed`,
  );
} finally {
  await worker.close();
  await queue.close();
  await sentinel.quit();
  await topology.stop();
}
