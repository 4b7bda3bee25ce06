/**
 * The recipe's split brain on a real partition (network namespaces; `npm run test:partition`,
 * root only): three hosts, each with one Redis and one Sentinel, quorum 2, down-after 1000 ms.
 * Clients write from their own processes, side by side in one partition run: three on an
 * application host that stays with the old master (defaults, `writeLeaseMs`, `waitForReplicas`),
 * one on an application host on the majority side. The link between the sides is cut for 10 s,
 * then healed; once the old master is a replica again, each client's acknowledged writes are
 * looked for on the final master.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type PartitionRunResult, runPartition } from '../../bench/lib/partition-run.js';
import { LocalTopology } from '../../src/testing/index.js';

const isRoot = process.getuid?.() === 0;
const LEASE_MS = 500;
/** A lease lapses at most a lease after the last confirmation; this covers event-loop delays. */
const MARGIN_MS = 250;

function clientOf(run: PartitionRunResult, label: string) {
  const client = run.clients.find((c) => c.spec.label === label);
  assert.ok(client, `client ${label} ran`);
  return client;
}

function describeClient(run: PartitionRunResult, label: string): string {
  const c = clientOf(run, label);
  const rel = (t: number) => Math.round(t - run.cutAt);
  return JSON.stringify({
    acked: c.log.acked.length,
    lost: c.lost.length,
    lostAckedAtFromCut: c.lostAt.length ? [rel(Math.min(...c.lostAt)), rel(Math.max(...c.lostAt))] : [],
    healAtFromCut: rel(run.healAt),
    errors: c.log.errors,
  });
}

describe('split brain on a real partition', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  let topology: LocalTopology;
  let run: PartitionRunResult;

  before(async () => {
    topology = await LocalTopology.start({
      network: 'namespaces',
      replicas: 2,
      sentinels: 3,
      quorum: 2,
      downAfterMilliseconds: 1000,
      applicationHosts: 2,
    });
    run = await runPartition(
      topology,
      [
        { label: 'defaults', variant: 'defaults', side: 'minority' },
        { label: 'lease', variant: 'write-lease', side: 'minority' },
        { label: 'wait', variant: 'wait-for-replicas', side: 'minority' },
        { label: 'managed-lease', variant: 'managed-write-lease', side: 'minority' },
        { label: 'majority', variant: 'defaults', side: 'majority' },
      ],
      { cutMs: 10_000, writers: 4, pauseMs: 10, writeLeaseMs: LEASE_MS, warmupMs: 1000, minReplicas: false },
    );
  });

  after(async () => {
    await topology?.stop();
  });

  it('sees the loss: without a lease, writes acknowledged by the cut-off master are lost', (t) => {
    const c = clientOf(run, 'defaults');
    t.diagnostic(describeClient(run, 'defaults'));
    assert.ok(c.lost.length > 0, `the test must see lost writes: ${describeClient(run, 'defaults')}`);
    assert.ok(
      c.lostAt.every((at) => at > run.cutAt - 100),
      `only writes acknowledged after the cut are lost: ${describeClient(run, 'defaults')}`,
    );
  });

  it(`writeLeaseMs ${LEASE_MS}: nothing acknowledged later than the lease after the cut is lost, nothing after the heal`, (t) => {
    const c = clientOf(run, 'lease');
    t.diagnostic(`${describeClient(run, 'lease')} writes unavailable ${Math.round(c.longestGapMs)} ms`);
    const late = c.lostAt.filter((at) => at > run.cutAt + LEASE_MS + MARGIN_MS);
    assert.deepEqual(late, [], describeClient(run, 'lease'));
    assert.equal(
      c.lostAt.filter((at) => at >= run.healAt).length,
      0,
      `none after the heal: ${describeClient(run, 'lease')}`,
    );
    assert.ok(
      c.log.ackedAt.some((at) => at > run.healAt),
      `it writes again after the heal: ${describeClient(run, 'lease')}`,
    );
  });

  it(`redisFor() with writeLeaseMs ${LEASE_MS}: the same, for a managed ioredis client`, (t) => {
    const c = clientOf(run, 'managed-lease');
    t.diagnostic(
      `${describeClient(run, 'managed-lease')} writes unavailable ${Math.round(c.longestGapMs)} ms`,
    );
    const late = c.lostAt.filter((at) => at > run.cutAt + LEASE_MS + MARGIN_MS);
    assert.deepEqual(late, [], describeClient(run, 'managed-lease'));
    assert.ok(
      c.log.ackedAt.some((at) => at > run.healAt),
      `it writes again after the heal: ${describeClient(run, 'managed-lease')}`,
    );
  });

  it('waitForReplicas { replicas: 1, timeoutMs: 200 }: nothing resolved is lost', (t) => {
    const c = clientOf(run, 'wait');
    t.diagnostic(describeClient(run, 'wait'));
    assert.equal(c.lost.length, 0, describeClient(run, 'wait'));
    assert.ok(
      Object.keys(c.log.errors).some((e) => e.startsWith('ReplicationTimeoutError')),
      `writes during the cut reject: ${describeClient(run, 'wait')}`,
    );
  });

  it('on the majority side: follows the new master within milliseconds and loses nothing', (t) => {
    const c = clientOf(run, 'majority');
    assert.equal(c.lost.length, 0, describeClient(run, 'majority'));
    const changedAt = c.log.masterChangedAt.find((at) => at > run.cutAt);
    assert.ok(changedAt !== undefined, 'the client heard of the new master');
    const firstAck = c.log.ackedAt.filter((at) => at >= changedAt).sort((a, b) => a - b)[0];
    t.diagnostic(
      `${describeClient(run, 'majority')} masterChanged ${Math.round(changedAt - run.cutAt)} ms after the cut, first write on the new master ${firstAck === undefined ? 'never' : Math.round(firstAck - changedAt)} ms later`,
    );
    assert.ok(
      firstAck !== undefined && firstAck - changedAt < 500,
      `first write on the new master ${firstAck === undefined ? 'never' : `${Math.round(firstAck - changedAt)} ms`} after masterChanged`,
    );
    assert.ok(changedAt < run.healAt, 'during the partition');
  });
});
