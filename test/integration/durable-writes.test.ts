/**
 * Durable writes (`waitForReplicas`) on a real 1 master + 2 replicas + 3 sentinels topology:
 * concurrent writes share one WAIT (counted on the master), a write too few replicas confirm
 * rejects with ReplicationTimeoutError although it is on the master, no write that resolved is
 * lost when the master is SIGKILLed under load, and invalid options are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MasterPool, ReplicationTimeoutError, SentinelConfigError } from '../../src/index.js';
import { eventually } from '../../src/testing/index.js';
import { BackgroundWriter, commandCalls, onNode } from '../helpers/replication.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

/** Writers pushing sequence numbers to one list, one write at a time each; bounded in count and time. */
class PushLoad {
  readonly acked: number[] = [];
  readonly errors = new Map<string, number>();
  /** The first message of each error name. */
  readonly firstMessages = new Map<string, string>();
  private next = 0;
  private isStopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly pool: MasterPool,
    private readonly key: string,
    writers: number,
    maxMs: number,
  ) {
    const deadline = performance.now() + maxMs;
    const loop = async () => {
      while (!this.isStopped && this.next < 1_000_000 && performance.now() < deadline) {
        const n = this.next++;
        try {
          await this.pool.rpush(this.key, String(n));
          this.acked.push(n);
        } catch (error) {
          const name = error instanceof Error ? error.name : String(error);
          this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
          if (!this.firstMessages.has(name)) this.firstMessages.set(name, (error as Error).message);
          await sleep(5);
        }
        await sleep(0);
      }
    };
    this.done = Promise.all(Array.from({ length: writers }, loop)).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    await this.done;
  }

  describeErrors(): string {
    return `${JSON.stringify(Object.fromEntries(this.errors))} ${JSON.stringify(Object.fromEntries(this.firstMessages))}`;
  }
}

describe('durable writes', () => {
  const fixture = topologyFixture();

  it('group commit: concurrent writes share one WAIT, and each is on a replica when it resolves', async () => {
    const sentinel = fixture.open();
    const durable = sentinel.masterFor(fixture.topology.masterName, {
      waitForReplicas: { replicas: 1, timeoutMs: 100 },
    });
    await durable.set('durable:warmup', '1');
    const master = fixture.topology.masterAddress();

    // A burst: 1000 writes issued in one tick.
    let before = await commandCalls(master, 'wait', 'set');
    const keys = Array.from({ length: 1000 }, (_, i) => `durable:burst:${i}`);
    await Promise.all(keys.map((key) => durable.set(key, 'v')));
    let after = await commandCalls(master, 'wait', 'set');
    const burstWaits = after.wait! - before.wait!;
    assert.equal(after.set! - before.set!, 1000);
    // WAIT confirmed each on a replica, and a replica acknowledges what it applied.
    const onReplicas = await Promise.all(
      fixture.topology.replicaAddresses().map((r) => onNode(r, (c) => c.mget(keys))),
    );
    const missing = keys.filter((_, i) => onReplicas.every((values) => values[i] !== 'v'));
    assert.deepEqual(missing, [], 'resolved durable writes that no replica had');

    // Steady: 50 callers, each writing one value at a time.
    before = await commandCalls(master, 'wait', 'set');
    await Promise.all(
      Array.from({ length: 50 }, async (_, caller) => {
        for (let i = 0; i < 40; i++) await durable.set(`durable:steady:${caller}`, String(i));
      }),
    );
    after = await commandCalls(master, 'wait', 'set');
    const steadyWrites = after.set! - before.set!;
    const steadyWaits = after.wait! - before.wait!;
    console.log(
      `# burst: 1000 writes, ${burstWaits} WAIT; steady (50 callers): ${steadyWrites} writes, ${steadyWaits} WAIT`,
    );
    assert.ok(burstWaits >= 1 && burstWaits <= 2, `${burstWaits} WAIT for a burst of 1000 writes`);
    assert.equal(steadyWrites, 2000);
    assert.ok(
      steadyWaits >= 1 && steadyWaits * 10 <= steadyWrites,
      `${steadyWaits} WAIT for ${steadyWrites} writes`,
    );
  });

  it('reads through a durable pool do not wait, and a failed write fails as itself', async () => {
    const sentinel = fixture.open();
    const durable = sentinel.masterFor(fixture.topology.masterName, {
      waitForReplicas: { replicas: 1, timeoutMs: 100 },
    });
    await durable.set('durable:text', 'not a number');
    const master = fixture.topology.masterAddress();
    const before = await commandCalls(master, 'wait');
    assert.equal(await durable.get('durable:text'), 'not a number');
    assert.equal((await commandCalls(master, 'wait')).wait, before.wait, 'a read sent a WAIT');
    await assert.rejects(durable.incr('durable:text'), (error: Error) =>
      /not an integer/.test(error.message),
    );
    // A pipeline or transaction waits once, for all its writes.
    const batchBefore = await commandCalls(master, 'wait');
    const results = await durable.multi().set('durable:a', '1').set('durable:b', '2').exec();
    assert.deepEqual(results, [
      [null, 'OK'],
      [null, 'OK'],
    ]);
    assert.equal((await commandCalls(master, 'wait')).wait! - batchBefore.wait!, 1);
  });

  it('rejects with ReplicationTimeoutError when too few replicas confirm, the write being on the master', async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const durable = sentinel.masterFor(name, { waitForReplicas: { replicas: 3, timeoutMs: 100 } });
    const master = fixture.topology.masterAddress();
    const started = performance.now();
    const error = await durable.set('durable:short', 'v').catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    assert.ok(error instanceof ReplicationTimeoutError, `got ${String(error)}`);
    assert.equal(error.code, 'ERR_REPLICATION_TIMEOUT');
    assert.equal(error.name, 'ReplicationTimeoutError');
    assert.equal(error.confirmedReplicas, 2);
    assert.equal(error.requiredReplicas, 3);
    assert.match(error.message, /on the master/);
    assert.match(error.message, /2 of 3/);
    assert.ok(elapsed >= 90 && elapsed < 1000, `rejected after ${elapsed} ms`);
    assert.equal(await onNode(master, (c) => c.get('durable:short')), 'v', 'the write is on the master');
    for (const replica of fixture.topology.replicaAddresses()) {
      assert.equal(await onNode(replica, (c) => c.get('durable:short')), 'v', 'and on both replicas');
    }

    // Twenty concurrent writes: each rejects, all after the same single WAIT.
    const before = await commandCalls(master, 'wait');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => durable.set(`durable:short:${i}`, 'v')),
    );
    const waits = (await commandCalls(master, 'wait')).wait! - before.wait!;
    assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof ReplicationTimeoutError));
    assert.equal(waits, 1);
    const values = await onNode(master, (c) =>
      c.mget(Array.from({ length: 20 }, (_, i) => `durable:short:${i}`)),
    );
    assert.ok(values.every((v) => v === 'v'));

    // Sessions take the same option.
    const strictSession = sentinel.session(name, { waitForReplicas: { replicas: 3, timeoutMs: 100 } });
    await assert.rejects(strictSession.master.set('durable:session', 'x'), ReplicationTimeoutError);
    const session = sentinel.session(name, { waitForReplicas: { replicas: 2, timeoutMs: 100 } });
    const sessionBefore = await commandCalls(master, 'wait');
    await session.master.set('durable:session', 'y');
    assert.equal((await commandCalls(master, 'wait')).wait! - sessionBefore.wait!, 1);
    for (const replica of fixture.topology.replicaAddresses()) {
      assert.equal(await onNode(replica, (c) => c.get('durable:session')), 'y');
    }
    assert.equal(await session.replica.get('durable:session'), 'y');
  });

  it('a WAIT longer than commandTimeout still ends in ReplicationTimeoutError, on the same connection', async () => {
    const sentinel = fixture.open({ commandTimeout: 300 });
    const durable = sentinel.masterFor(fixture.topology.masterName, {
      waitForReplicas: { replicas: 3, timeoutMs: 800 },
    });
    const master = fixture.topology.masterAddress();
    await durable.get('durable:long-wait'); // connects (reads do not WAIT)
    const connectionsBefore = await commandCalls(master, 'hello');
    const started = performance.now();
    const error = await durable.set('durable:long-wait', 'v').catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    assert.ok(error instanceof ReplicationTimeoutError, `got ${String(error)}`);
    assert.ok(elapsed >= 750, `rejected after ${elapsed} ms, before WAIT's own timeout`);
    // The next write goes out on the same connection: the WAIT did not count as a timeout.
    await assert.rejects(durable.set('durable:long-wait:2', 'v'), ReplicationTimeoutError);
    assert.deepEqual(await commandCalls(master, 'hello'), connectionsBefore, 'the pool reconnected');
  });

  it('loses no write that resolved when the master is SIGKILLed under load', {
    timeout: 120_000,
  }, async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const durable = sentinel.masterFor(name, { waitForReplicas: { replicas: 1, timeoutMs: 200 } });
    const plain = sentinel.masterFor(name);
    await durable.del('durable:seq');
    await plain.del('plain:seq');
    const durableLoad = new PushLoad(durable, 'durable:seq', 16, 60_000);
    const plainLoad = new PushLoad(plain, 'plain:seq', 16, 60_000);
    try {
      // The load is under way once both pools have acknowledged writes (not a fixed pause).
      await eventually(() => durableLoad.acked.length >= 200 && plainLoad.acked.length >= 200, {
        timeoutMs: 10_000,
      });
      const old = fixture.topology.masterAddress();
      const ackedBeforeKill = durableLoad.acked.length;
      await fixture.topology.kill(old, 'SIGKILL');
      const next = await fixture.topology.waitForFailover(old);
      // Keep writing on the new master for a while.
      const target = durableLoad.acked.length + 500;
      const deadline = performance.now() + 15_000;
      while (durableLoad.acked.length < target && performance.now() < deadline) await sleep(20);
      await durableLoad.stop();
      await plainLoad.stop();
      const durableList = new Set((await onNode(next, (c) => c.lrange('durable:seq', 0, -1))).map(Number));
      const plainList = new Set((await onNode(next, (c) => c.lrange('plain:seq', 0, -1))).map(Number));
      const lost = durableLoad.acked.filter((n) => !durableList.has(n));
      const plainLost = plainLoad.acked.filter((n) => !plainList.has(n));
      console.log(
        `# SIGKILL of ${old.port} (new master ${next.port}): durable ${durableLoad.acked.length} resolved (${ackedBeforeKill} before the kill), ${lost.length} lost, errors ${durableLoad.describeErrors()}`,
      );
      console.log(
        `# plain pool alongside: ${plainLoad.acked.length} resolved, ${plainLost.length} lost, errors ${plainLoad.describeErrors()}`,
      );
      assert.ok(ackedBeforeKill > 100, `only ${ackedBeforeKill} durable writes before the kill`);
      assert.ok(durableLoad.acked.length >= target, 'durable writes resumed on the new master');
      assert.deepEqual(lost.slice(0, 20), [], `${lost.length} durable writes resolved and lost`);
    } finally {
      await durableLoad.stop();
      await plainLoad.stop();
    }
  });

  it('loses no resolved durable write when the master dies with its replicas behind, while plain writes are lost', {
    timeout: 120_000,
  }, async () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const durable = sentinel.masterFor(name, { waitForReplicas: { replicas: 1, timeoutMs: 200 } });
    const plain = sentinel.masterFor(name);
    await durable.del('durable:lag');
    await plain.del('plain:lag');
    const durableLoad = new PushLoad(durable, 'durable:lag', 8, 60_000);
    const plainLoad = new PushLoad(plain, 'plain:lag', 8, 60_000);
    const old = fixture.topology.masterAddress();
    const replicas = fixture.topology.replicaAddresses();
    try {
      await eventually(() => durableLoad.acked.length >= 100 && plainLoad.acked.length >= 100, {
        timeoutMs: 10_000,
      });
      // The replicas stop reading; megabytes of other writes fill the socket buffers between
      // them and the master, so that what comes after stays in the master's memory only.
      for (const r of replicas) await fixture.topology.kill(r, 'SIGSTOP');
      const background = BackgroundWriter.start(old, { valueBytes: 1024 * 1024, writers: 1, maxWrites: 24 });
      await sleep(400);
      const durableAtKill = durableLoad.acked.length;
      const plainAtKill = plainLoad.acked.length;
      await fixture.topology.kill(old, 'SIGKILL');
      for (const r of replicas) await fixture.topology.kill(r, 'SIGCONT');
      await background.stop();
      const next = await fixture.topology.waitForFailover(old);
      const target = durableLoad.acked.length + 300;
      const deadline = performance.now() + 15_000;
      while (durableLoad.acked.length < target && performance.now() < deadline) await sleep(20);
      await durableLoad.stop();
      await plainLoad.stop();
      const durableList = new Set((await onNode(next, (c) => c.lrange('durable:lag', 0, -1))).map(Number));
      const plainList = new Set((await onNode(next, (c) => c.lrange('plain:lag', 0, -1))).map(Number));
      const lost = durableLoad.acked.filter((n) => !durableList.has(n));
      const plainLost = plainLoad.acked.filter((n) => !plainList.has(n));
      console.log(
        `# replicas stopped, master killed: durable ${durableLoad.acked.length} resolved (${durableAtKill} at the kill), ${lost.length} lost, errors ${durableLoad.describeErrors()}`,
      );
      console.log(
        `# plain pool alongside: ${plainLoad.acked.length} resolved (${plainAtKill} at the kill), ${plainLost.length} lost`,
      );
      assert.ok(plainLost.length > 0, 'no plain write was lost: the test cannot tell durability from luck');
      assert.ok(durableLoad.acked.length >= target, 'durable writes resumed on the new master');
      assert.deepEqual(lost.slice(0, 20), [], `${lost.length} durable writes resolved and lost`);
    } finally {
      for (const r of replicas) await fixture.topology.kill(r, 'SIGCONT').catch(() => {});
      await durableLoad.stop();
      await plainLoad.stop();
    }
  });

  it('a write on a connection that was reset fails with ConnectionLostError or goes through, never an untyped error', async () => {
    const name = fixture.topology.masterName;
    const master = fixture.topology.masterAddress();
    // The client reaches the master through a proxy that can reset the connection (a server that
    // died): the write is handed to the socket, then the connection is gone.
    const proxy = await TcpProxy.start(master);
    const sentinel = fixture.open({
      natMap: (announced) => (announced.port === master.port ? proxy.address : undefined),
    });
    try {
      const durable = sentinel.masterFor(name, { waitForReplicas: { replicas: 1, timeoutMs: 100 } });
      const session = sentinel.session(name);
      const plain = sentinel.masterFor(name);
      const cases: Array<[string, () => Promise<unknown>]> = [
        ['plain masterFor', () => plain.set('durable:reset', 'p')],
        ['durable masterFor', () => durable.set('durable:reset', 'd')],
        ['session.master', () => session.master.set('durable:reset', 's')],
      ];
      const seen: string[] = [];
      const outcome = (what: string, result: unknown) =>
        `${what}: ${result instanceof Error ? `${result.name}: ${result.message}` : `resolved ${String(result)}`}`;
      for (const [what, write] of cases) {
        // Connected again after the previous case's reset (the first writes may meet it).
        await eventually(write, { timeoutMs: 5000, intervalMs: 20, message: `${what} writes` });
        proxy.resetAll();
        // In flight: handed to the socket when the connection died (maybe applied).
        const inFlight = write().catch((e: unknown) => e);
        // Issued a macrotask later, while the dead connection is still the pool's: never sent.
        await new Promise((resolve) => setImmediate(resolve));
        const after = await write().catch((e: unknown) => e);
        seen.push(outcome(`${what}, in flight`, await inFlight), outcome(`${what}, issued after`, after));
      }
      console.log(`# writes when the connection was reset:\n#   ${seen.join('\n#   ')}`);
      // Either resolved (sent again, or on the new connection) or a typed error of this library.
      for (const line of seen) assert.match(line, /: (resolved |ConnectionLostError: )/, line);
    } finally {
      await proxy.close();
    }
  });

  it('refuses invalid options with SentinelConfigError', () => {
    const sentinel = fixture.open();
    const name = fixture.topology.masterName;
    const bad: Array<[string, unknown]> = [
      ['timeoutMs 0 (WAIT would block forever)', { replicas: 1, timeoutMs: 0 }],
      ['a negative timeoutMs', { replicas: 1, timeoutMs: -5 }],
      ['a fractional timeoutMs', { replicas: 1, timeoutMs: 1.5 }],
      ['no timeoutMs', { replicas: 1 }],
      ['replicas 0', { replicas: 0, timeoutMs: 100 }],
      ['negative replicas', { replicas: -1, timeoutMs: 100 }],
      ['fractional replicas', { replicas: 1.5, timeoutMs: 100 }],
      ['replicas as a string', { replicas: '1', timeoutMs: 100 }],
      ['no replicas', { timeoutMs: 100 }],
      ['null', null],
      ['a number', 1],
    ];
    for (const [what, waitForReplicas] of bad) {
      for (const [where, make] of [
        ['masterFor', () => sentinel.masterFor(name, { waitForReplicas } as never)],
        ['session', () => sentinel.session(name, { waitForReplicas } as never)],
      ] as const) {
        assert.throws(make, SentinelConfigError, `${where} with ${what}`);
      }
    }
    assert.throws(
      // @ts-expect-error: waitForReplicas is not a ReplicaPoolOptions option
      () => sentinel.replicaFor(name, { waitForReplicas: { replicas: 1, timeoutMs: 100 } }),
      (error: unknown) => error instanceof SentinelConfigError && /masterFor/.test(error.message),
    );
    assert.throws(
      () => sentinel.masterFor(name, { waitForReplicas: { replicas: 1, timeoutMs: 0 } }),
      /0 would block forever/,
    );
  });
});
