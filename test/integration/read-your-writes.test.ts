/**
 * Read-your-writes sessions on a real 1 master + 2 replicas + 3 sentinels topology: a value
 * written through a session is what the session's replica read returns, under load with lagging
 * replicas (while plain replicaFor reads are seen stale in the same test), through a token in a
 * second Sentinel, with replicas that cannot catch up (master fallback or ConsistencyTimeoutError),
 * with replicas whose link is down, and across a failover.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConnectionLostError,
  ConsistencyTimeoutError,
  InvalidTokenError,
  type MasterPool,
  type Session,
} from '../../src/index.js';
import type { NodeAddress } from '../../src/testing/index.js';
import {
  BackgroundWriter,
  commandCalls,
  detachReplica,
  Hiccups,
  onNode,
  pauseReplication,
  reattachReplica,
  unpause,
} from '../helpers/replication.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const CALLERS = 50;

/** What a write-then-read loop saw. */
interface Tally {
  reads: number;
  stale: number;
  /** The first few stale reads: key, written, read. */
  examples: string[];
  errors: Map<string, number>;
}

function tally(): Tally {
  return { reads: 0, stale: 0, examples: [], errors: new Map() };
}

function record(t: Tally, key: string, written: string, read: unknown): void {
  t.reads += 1;
  if (read === written) return;
  t.stale += 1;
  if (t.examples.length < 5) t.examples.push(`${key}: wrote ${written}, read ${String(read)}`);
}

function recordError(t: Tally, error: unknown): void {
  const name = error instanceof Error ? error.name : String(error);
  t.errors.set(name, (t.errors.get(name) ?? 0) + 1);
}

function describeTally(t: Tally): string {
  const pct = t.reads > 0 ? ((100 * t.stale) / t.reads).toFixed(2) : '0';
  const errors = JSON.stringify(Object.fromEntries(t.errors));
  return `${t.stale}/${t.reads} stale (${pct} %), errors ${errors}`;
}

describe('read-your-writes', () => {
  const fixture = topologyFixture();

  /** Every replica serves reads and has replicated `key` = `value` (so stale reads are the old value). */
  async function settle(master: MasterPool, key: string, value: string): Promise<void> {
    await master.set(key, value);
    for (const replica of fixture.topology.replicaAddresses()) {
      await onNode(replica, async (c) => {
        for (let i = 0; i < 200 && (await c.get(key)) !== value; i++) await sleep(5);
      });
    }
  }

  it('session reads are never stale under lag, while plain replicaFor reads are', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const master = sentinel.masterFor(name);
    const replica = sentinel.replicaFor(name);
    await master.set('ryw:warmup', '1');
    await replica.get('ryw:warmup');
    const session = tally();
    const plain = tally();
    const masterBefore = await commandCalls(fixture.topology.masterAddress(), 'get', 'role');
    const replicasBefore = await Promise.all(
      fixture.topology.replicaAddresses().map((r) => commandCalls(r, 'get', 'role')),
    );
    const background = BackgroundWriter.start(fixture.topology.masterAddress(), { valueBytes: 256 * 1024 });
    const hiccups = Hiccups.start(fixture.topology, fixture.topology.replicaAddresses(), {
      stoppedMs: 5,
      intervalMs: 40,
    });
    const deadline = performance.now() + 60_000;
    const started = performance.now();
    let rounds = 0;
    try {
      // Rounds of CALLERS callers until both enough session reads and one stale plain read were
      // seen; bounded in time.
      while ((session.reads < 10_000 || plain.stale === 0) && performance.now() < deadline && rounds < 20) {
        rounds += 1;
        await Promise.all(
          Array.from({ length: CALLERS }, async (_, caller) => {
            // Even callers keep one session (its position only grows); odd ones take a new one per
            // iteration, as a web handler does per request.
            let kept: Session | undefined = caller % 2 === 0 ? sentinel.session(name) : undefined;
            for (let i = 0; i < 100; i++) {
              const value = `${rounds}:${caller}:${i}`;
              const s = kept ?? sentinel.session(name);
              const sessionKey = `ryw:s:${caller}`;
              try {
                await s.master.set(sessionKey, value);
                record(session, sessionKey, value, await s.replica.get(sessionKey));
              } catch (error) {
                recordError(session, error);
              }
              const plainKey = `ryw:p:${caller}`;
              try {
                await master.set(plainKey, value);
                record(plain, plainKey, value, await replica.get(plainKey));
              } catch (error) {
                recordError(plain, error);
              }
            }
            kept = undefined;
          }),
        );
      }
    } finally {
      await hiccups.stop();
      await background.stop();
    }
    const elapsed = Math.round(performance.now() - started);
    const masterAfter = await commandCalls(fixture.topology.masterAddress(), 'get', 'role');
    const replicasAfter = await Promise.all(
      fixture.topology.replicaAddresses().map((r) => commandCalls(r, 'get', 'role')),
    );
    const replicaRoles = replicasAfter.reduce(
      (sum, calls, i) => sum + calls.role! - replicasBefore[i]!.role!,
      0,
    );
    const replicaGets = replicasAfter.reduce(
      (sum, calls, i) => sum + calls.get! - replicasBefore[i]!.get!,
      0,
    );
    console.log(
      `# ${rounds} rounds of ${CALLERS} callers in ${elapsed} ms; ${background.writes} background writes of 256 KiB; ${hiccups.count} SIGSTOP/SIGCONT hiccups`,
    );
    console.log(`# session reads: ${describeTally(session)}`);
    console.log(`# plain replicaFor reads: ${describeTally(plain)}`);
    console.log(`# plain stale examples: ${plain.examples.join('; ')}`);
    console.log(
      `# on the servers: master GET ${masterAfter.get! - masterBefore.get!} (session fallbacks), ROLE ${masterAfter.role! - masterBefore.role!}; replicas GET ${replicaGets}, ROLE ${replicaRoles}`,
    );
    assert.equal(session.errors.size, 0, `session errors: ${describeTally(session)}`);
    assert.equal(plain.errors.size, 0, `plain errors: ${describeTally(plain)}`);
    assert.ok(session.reads >= 10_000, `only ${session.reads} session reads`);
    assert.equal(session.stale, 0, `stale session reads: ${session.examples.join('; ')}`);
    assert.ok(plain.stale > 0, 'the test saw no stale plain read: it cannot tell a guarantee from luck');
  });

  it('a token carries the position to another Sentinel instance', async () => {
    const name = fixture.topology.masterName;
    const writer = fixture.open();
    const reader = fixture.open();
    await settle(writer.masterFor(name), 'ryw:token', 'old');
    // Both replicas stop applying the stream: only the master has what comes next.
    const replicas = fixture.topology.replicaAddresses();
    for (const r of replicas) {
      await pauseReplication(r, 800);
      fixture.undo(() => unpause(r));
    }
    const session = writer.session(name);
    await session.master.set('ryw:token', 'new');
    const token = session.token;
    assert.match(token, /^rsp1\./);
    assert.equal(await reader.replicaFor(name).get('ryw:token'), 'old', 'the replicas are behind');
    const later = reader.session(name, { after: token, timeoutMs: 50 });
    assert.equal(await later.replica.get('ryw:token'), 'new');
    assert.deepEqual(later.position, session.position);
    for (const r of replicas) await unpause(r);

    // Without a pause, many writes in one process and reads in the other: never stale.
    const t = tally();
    await Promise.all(
      Array.from({ length: 20 }, async (_, caller) => {
        for (let i = 0; i < 50; i++) {
          const s = writer.session(name);
          const key = `ryw:token:${caller}`;
          const value = `${caller}:${i}`;
          await s.master.set(key, value);
          record(t, key, value, await reader.session(name, { after: s.token }).replica.get(key));
        }
      }),
    );
    console.log(`# token reads in a second Sentinel: ${describeTally(t)}`);
    assert.equal(t.stale, 0, t.examples.join('; '));
    // The empty token asks nothing; a bad token is a typed error, at once.
    const fresh = writer.session(name);
    assert.equal(fresh.token, 'rsp1.-');
    assert.equal(await reader.session(name, { after: fresh.token }).replica.get('ryw:token'), 'new');
    assert.throws(() => reader.session(name, { after: 'rsp1.garbage!' }), InvalidTokenError);
    assert.throws(() => reader.session(name, { after: `${token}x` }), InvalidTokenError);
  });

  it('reads from the master after timeoutMs when no replica catches up, or fails without fallback', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    await settle(sentinel.masterFor(name), 'ryw:fallback', 'old');
    const replica = sentinel.replicaFor(name);
    const replicas = fixture.topology.replicaAddresses();
    for (const r of replicas) {
      await pauseReplication(r, 1000);
      fixture.undo(() => unpause(r));
    }
    const masterBefore = await commandCalls(fixture.topology.masterAddress(), 'get');
    const session = sentinel.session(name, { timeoutMs: 50 });
    await session.master.set('ryw:fallback', 'new');
    let startedAt = performance.now();
    assert.equal(await session.replica.get('ryw:fallback'), 'new');
    const fallbackMs = performance.now() - startedAt;
    const masterAfter = await commandCalls(fixture.topology.masterAddress(), 'get');
    assert.equal(await replica.get('ryw:fallback'), 'old', 'plain reads are stale: the replicas are behind');
    assert.equal(masterAfter.get! - masterBefore.get!, 1, 'the read was served by the master');
    // The deadline is on the millisecond clock: allow its rounding.
    assert.ok(fallbackMs >= 48, `fell back after ${fallbackMs} ms, before timeoutMs`);
    assert.ok(fallbackMs < 500, `fell back after ${fallbackMs} ms`);

    const strict = sentinel.session(name, { timeoutMs: 50, fallbackToMaster: false, after: session.token });
    startedAt = performance.now();
    const error = await strict.replica.get('ryw:fallback').catch((e: unknown) => e);
    const failMs = performance.now() - startedAt;
    assert.ok(error instanceof ConsistencyTimeoutError, `got ${String(error)}`);
    assert.equal(error.code, 'ERR_CONSISTENCY_TIMEOUT');
    assert.match(error.message, new RegExp(name));
    assert.ok(failMs >= 48 && failMs < 500, `failed after ${failMs} ms`);
    console.log(
      `# fallback to the master after ${fallbackMs.toFixed(1)} ms; ConsistencyTimeoutError after ${failMs.toFixed(1)} ms`,
    );

    // Once the replicas catch up, the strict session reads from them again.
    for (const r of replicas) await unpause(r);
    assert.equal(await strict.replica.get('ryw:fallback'), 'new');
  });

  it('tracks writes by transactions, pipelines and scripts, and checks pipelined reads', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const replica = sentinel.replicaFor(name);
    for (const key of ['ryw:multi', 'ryw:pipeline', 'ryw:script'])
      await settle(sentinel.masterFor(name), key, 'old');
    for (const r of fixture.topology.replicaAddresses()) {
      await pauseReplication(r, 1000);
      fixture.undo(() => unpause(r));
    }
    const writes: Array<[string, (s: Session) => Promise<unknown>]> = [
      ['ryw:multi', (s) => s.master.multi().set('ryw:multi', 'new').exec()],
      ['ryw:pipeline', (s) => s.master.pipeline().set('ryw:pipeline', 'new').exec()],
      [
        'ryw:script',
        (s) => s.master.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, 'ryw:script', 'new'),
      ],
    ];
    for (const [key, write] of writes) {
      const session = sentinel.session(name, { timeoutMs: 30 });
      await write(session);
      assert.equal(await replica.get(key), 'old', `${key}: the replicas are behind`);
      assert.equal(await session.replica.get(key), 'new', `${key}: a single read`);
      const results = await session.replica.pipeline().get(key).exists(key).exec();
      assert.deepEqual(results, [
        [null, 'new'],
        [null, 1],
      ]);
    }
  });

  it('never serves a session read from a replica whose link to the master is down', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const master = sentinel.masterFor(name);
    const replica = sentinel.replicaFor(name);
    await settle(master, 'ryw:detached', 'old');
    await replica.get('ryw:detached'); // the replica pool is connected to both replicas
    const [first, second] = fixture.topology.replicaAddresses() as [NodeAddress, NodeAddress];
    fixture.undo(() => reattachReplica(first));
    await detachReplica(first);
    const session = sentinel.session(name, { timeoutMs: 50 });
    await session.master.set('ryw:detached', 'new');
    assert.equal(await onNode(first, (c) => c.get('ryw:detached')), 'old', 'the detached replica is stale');
    const oneDown = tally();
    const plain = tally();
    for (let i = 0; i < 200; i++) {
      record(oneDown, 'ryw:detached', 'new', await session.replica.get('ryw:detached'));
      record(plain, 'ryw:detached', 'new', await replica.get('ryw:detached'));
    }
    console.log(
      `# one replica detached: session ${describeTally(oneDown)}; plain replicaFor ${describeTally(plain)}`,
    );
    assert.equal(oneDown.stale, 0, oneDown.examples.join('; '));

    // Both detached: the master serves (after timeoutMs), or ConsistencyTimeoutError.
    fixture.undo(() => reattachReplica(second));
    await detachReplica(second);
    await session.master.set('ryw:detached', 'newer');
    const bothDown = tally();
    for (let i = 0; i < 20; i++) {
      record(bothDown, 'ryw:detached', 'newer', await session.replica.get('ryw:detached'));
    }
    assert.equal(bothDown.stale, 0, bothDown.examples.join('; '));
    const strict = sentinel.session(name, { timeoutMs: 50, fallbackToMaster: false, after: session.token });
    await assert.rejects(strict.replica.get('ryw:detached'), ConsistencyTimeoutError);
  });

  it('checks a replica once: reads at a position it is known to have pipeline no ROLE', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const session = sentinel.session(name);
    await session.master.set('ryw:known', 'v');
    // Until each replica was seen at the position, reads carry a ROLE; then none.
    for (let i = 0; i < 10; i++) assert.equal(await session.replica.get('ryw:known'), 'v');
    const replicas = fixture.topology.replicaAddresses();
    const before = await Promise.all(replicas.map((r) => commandCalls(r, 'role', 'get')));
    for (let i = 0; i < 100; i++) assert.equal(await session.replica.get('ryw:known'), 'v');
    const after = await Promise.all(replicas.map((r) => commandCalls(r, 'role', 'get')));
    const roles = after.reduce((sum, calls, i) => sum + calls.role! - before[i]!.role!, 0);
    const gets = after.reduce((sum, calls, i) => sum + calls.get! - before[i]!.get!, 0);
    console.log(`# 100 reads at a known position: ${gets} GET and ${roles} ROLE on the replicas`);
    assert.equal(gets, 100);
    assert.equal(roles, 0);
  });

  it('prefers a replica known to be caught up over one that lags', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    await settle(sentinel.masterFor(name), 'ryw:prefer', 'old');
    await sentinel.replicaFor(name).get('ryw:prefer');
    const [lagging, current] = fixture.topology.replicaAddresses() as [NodeAddress, NodeAddress];
    await pauseReplication(lagging, 1000);
    fixture.undo(() => unpause(lagging));
    const session = sentinel.session(name);
    await session.master.set('ryw:prefer', 'new');
    // The first reads find out which replica has the write; later ones should go there directly.
    for (let i = 0; i < 4; i++) assert.equal(await session.replica.get('ryw:prefer'), 'new');
    const before = await Promise.all([lagging, current].map((r) => commandCalls(r, 'get')));
    for (let i = 0; i < 100; i++) assert.equal(await session.replica.get('ryw:prefer'), 'new');
    const after = await Promise.all([lagging, current].map((r) => commandCalls(r, 'get')));
    const onLagging = after[0]!.get! - before[0]!.get!;
    const onCurrent = after[1]!.get! - before[1]!.get!;
    await unpause(lagging);
    console.log(
      `# 100 session reads with one replica lagging: ${onLagging} tried on it, ${onCurrent} on the other`,
    );
    assert.equal(onCurrent, 100);
    // Each read sent to the lagging replica is a wasted round trip before the retry.
    assert.ok(onLagging <= 5, `${onLagging} of 100 reads were tried on the lagging replica first`);
  });

  it('a token read in a Sentinel that has not discovered the master yet is served by a replica', async () => {
    const name = fixture.topology.masterName;
    const writer = fixture.open();
    const session = writer.session(name);
    await session.master.set('ryw:cold', 'v');
    await settle(writer.masterFor(name), 'ryw:cold', 'v');
    const before = await commandCalls(fixture.topology.masterAddress(), 'get');
    const fresh = fixture.open();
    assert.equal(await fresh.session(name, { after: session.token }).replica.get('ryw:cold'), 'v');
    const after = await commandCalls(fixture.topology.masterAddress(), 'get');
    assert.equal(
      after.get! - before.get!,
      0,
      'every replica had the write, yet the read went to the master: the position was compared with a master not yet discovered',
    );
  });

  it('behind NAT (natMap), session reads are still served by caught-up replicas', async () => {
    const name = fixture.topology.masterName;
    // Every data node reached through a proxy, as behind a Docker port mapping: the replicas know
    // their master by its own address, the client by the mapped one.
    const proxies = new Map<number, TcpProxy>();
    for (const node of fixture.topology.dataAddresses()) proxies.set(node.port, await TcpProxy.start(node));
    fixture.undo(async () => Promise.all([...proxies.values()].map((p) => p.close())));
    const sentinel = fixture.open({ natMap: (announced) => proxies.get(announced.port)?.address });
    const session = sentinel.session(name, { timeoutMs: 50, fallbackToMaster: false });
    await session.master.set('ryw:nat', 'v');
    await settle(sentinel.masterFor(name), 'ryw:nat', 'v');
    const before = await commandCalls(fixture.topology.masterAddress(), 'get');
    const read = await session.replica.get('ryw:nat').catch((e: unknown) => e);
    const after = await commandCalls(fixture.topology.masterAddress(), 'get');
    console.log(
      `# natMap: session position ${JSON.stringify(session.position)}, replicas follow ${JSON.stringify(
        (await onNode(fixture.topology.replicaAddresses()[0]!, (c) => c.call('ROLE'))) as unknown[],
      )}; read gave ${String(read)}`,
    );
    assert.equal(read, 'v', 'every replica had the write, yet no replica was accepted');
    assert.equal(after.get! - before.get!, 0);
  });

  it('keeps the guarantee across a failover', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const before = sentinel.session(name);
    await before.master.set('ryw:failover:before', 'v1');
    const positionBefore = before.position!;
    const { host, port } = fixture.topology.masterAddress();
    assert.deepEqual(positionBefore.master, { host, port });
    const token = before.token;

    // Sessions write and read all through the failover; none may read stale data.
    const t = tally();
    let isRunning = true;
    const load = Promise.all(
      Array.from({ length: 20 }, async (_, caller) => {
        const deadline = performance.now() + 60_000;
        for (let i = 0; isRunning && performance.now() < deadline; i++) {
          const s = sentinel.session(name);
          const key = `ryw:failover:${caller}`;
          const value = `${caller}:${i}`;
          try {
            await s.master.set(key, value);
          } catch (error) {
            // An ambiguous write (its connection died) says nothing about reads: skip it.
            recordError(t, error);
            await sleep(1);
            continue;
          }
          try {
            record(t, key, value, await s.replica.get(key));
          } catch (error) {
            recordError(t, error);
          }
          await sleep(1);
        }
      }),
    );
    const { from, to } = await fixture.topology.failover();
    await sleep(500);
    isRunning = false;
    await load;
    console.log(`# sessions during the failover ${from.port} -> ${to.port}: ${describeTally(t)}`);
    assert.equal(t.stale, 0, t.examples.join('; '));
    assert.ok(t.reads > 100, `only ${t.reads} reads`);
    for (const name of t.errors.keys()) {
      assert.equal(name, ConnectionLostError.name, `unexpected errors: ${describeTally(t)}`);
    }

    // Written before, read after: through the same session, and through its token.
    assert.equal(await before.replica.get('ryw:failover:before'), 'v1');
    assert.equal(await sentinel.session(name, { after: token }).replica.get('ryw:failover:before'), 'v1');
    // Written after, read after: the position moves to the new master.
    await before.master.set('ryw:failover:after', 'v2');
    assert.deepEqual(before.position!.master, { host: to.host, port: to.port });
    assert.equal(await before.replica.get('ryw:failover:after'), 'v2');
  });
});
