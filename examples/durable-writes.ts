// Durable writes: a write resolves only once WAIT confirms it on enough replicas.
import { ReplicationTimeoutError, Sentinel } from 'redis-sentinel-pool';

const sentinel = new Sentinel(process.env.SENTINELS ?? '127.0.0.1:26379');
const orders = sentinel.masterFor('mymaster', { waitForReplicas: { replicas: 1, timeoutMs: 100 } });

try {
  await orders.set('order:42', 'paid'); // resolves once 1 replica has it
} catch (error) {
  if (error instanceof ReplicationTimeoutError) {
    // On the master, but only error.confirmedReplicas of error.requiredReplicas confirmed it in time.
    console.error(`${error.confirmedReplicas} of ${error.requiredReplicas} replicas confirmed the write`);
  }
  throw error;
} finally {
  await sentinel.quit();
}
