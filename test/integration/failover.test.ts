/**
 * Failover under steady load, on a real 1 master + 2 replicas + 3 sentinels topology: writes
 * (`RPUSH seq:<test> n` through `masterFor`) and reads (`replicaFor().get`) keep running while
 * the master is failed over gracefully, SIGKILLed or SIGSTOPped. What the application sees
 * (errors by name) and what the servers hold afterwards (acknowledged numbers missing, numbers
 * applied twice) are both checked. Also: `quit()` leaves no socket or timer behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConnectionLostError, type MasterPool, type ReplicaPool, Sentinel } from '../../src/index.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { ReadLoad } from '../helpers/read-load.js';
import { SentinelSpy } from '../helpers/sentinel-spy.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { checkWrites, readSequence, WriteLoad } from '../helpers/write-load.js';

const WRITERS = 4;
/** The value every reader expects under `PROBE_KEY`. */
const PROBE_KEY = 'failover:probe';
const PROBE_VALUE = 'steady';
/** How long the load keeps running after a switch before the checks (load duration, not a sync). */
const LOAD_AFTER_SWITCH_MS = 1500;
const QUIT_PROBE = fileURLToPath(new URL('../helpers/quit-probe.ts', import.meta.url));

describe('failover', () => {
  const fixture = topologyFixture();

  /** Pools connected and serving, the probe key on every replica, a spy on every sentinel. */
  async function setUp(): Promise<{ master: MasterPool; replicas: ReplicaPool; spy: SentinelSpy }> {
    const sentinel = fixture.open();
    const master = sentinel.masterFor(fixture.topology.masterName);
    const replicas = sentinel.replicaFor(fixture.topology.masterName);
    await master.set(PROBE_KEY, PROBE_VALUE);
    await eventually(async () => {
      for (const replica of fixture.topology.replicaAddresses()) {
        assert.equal(await withNode(replica, (c) => c.get(PROBE_KEY)), PROBE_VALUE);
      }
      return true;
    });
    assert.equal(await replicas.get(PROBE_KEY), PROBE_VALUE);
    const spy = fixture.track(await SentinelSpy.start(fixture.topology.sentinelAddresses()));
    return { master, replicas, spy };
  }

  function startLoads(master: MasterPool, replicas: ReplicaPool, key: string) {
    const writes = WriteLoad.start(master, { key, writers: WRITERS, identifyingWriters: 1, maxMs: 60_000 });
    const reads = ReadLoad.start({
      read: () => replicas.get(PROBE_KEY),
      isExpected: (v) => v === PROBE_VALUE,
      readers: 2,
      maxMs: 60_000,
    });
    fixture.track(writes);
    fixture.track(reads);
    return { writes, reads };
  }

  /**
   * Lets the load run until `count` more writes were acknowledged and at least `minMs` passed
   * (load duration, not a synchronization).
   */
  async function runLoad(writes: WriteLoad, count = 200, minMs = 0): Promise<void> {
    const since = performance.now();
    await eventually(() => writes.acksSince(since) >= count && performance.now() - since >= minMs, {
      timeoutMs: 10_000 + minMs,
      message: `${count} acks`,
    });
  }

  /** Waits for progress on the new master after a switch, then prints switch → first ack. */
  async function timeSwitchToAck(
    what: string,
    spy: SentinelSpy,
    writes: WriteLoad,
    to: NodeAddress,
    since: number,
  ): Promise<number> {
    const { firstSwitch, firstAck } = await eventually(
      () => {
        const firstSwitch = spy.first('+switch-master', since);
        const firstAck = writes.firstAckFrom(to.port, since);
        return firstSwitch !== undefined && firstAck !== undefined && { firstSwitch, firstAck };
      },
      {
        timeoutMs: 15_000,
        message: 'a +switch-master and a write acknowledged by the new master',
      },
    );
    const delta = firstAck.at - firstSwitch.at;
    console.log(
      `# ${what}: first write acknowledged by the new master ${delta.toFixed(1)} ms after the first +switch-master`,
    );
    return delta;
  }

  /** Runs `fn` with every sentinel stopped (SIGSTOP), so that none acts meanwhile; SIGCONT after. */
  async function withSentinelsStopped<T>(fn: () => Promise<T>): Promise<T> {
    const sentinels = fixture.topology.sentinelAddresses();
    await Promise.all(sentinels.map((s) => fixture.topology.kill(s, 'SIGSTOP')));
    try {
      return await fn();
    } finally {
      await Promise.all(sentinels.map((s) => fixture.topology.kill(s, 'SIGCONT')));
    }
  }

  it('leaves no socket or timer behind after quit()', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    const baseline = process
      .getActiveResourcesInfo()
      .filter((r) => r !== 'TTYWrap')
      .sort();
    const sentinel = new Sentinel(fixture.topology.sentinelAddresses());
    const master = sentinel.masterFor(fixture.topology.masterName);
    const replicas = sentinel.replicaFor(fixture.topology.masterName);
    await master.set('failover:quit', '1');
    await replicas.get('failover:quit');
    await master.pipeline().get('failover:quit').incr('failover:quit:n').exec();
    await master.withConnection((conn) => conn.ping());
    await sentinel.quit();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      process
        .getActiveResourcesInfo()
        .filter((r) => r !== 'TTYWrap')
        .sort(),
      baseline,
    );
  });

  it('leaves nothing behind after quit() right after a SIGKILL failover: the process exits', async () => {
    // In a child process: a leak keeps its event loop alive, and must not hang this one.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        QUIT_PROBE,
        JSON.stringify({
          sentinels: fixture.topology.sentinelAddresses(),
          masterName: fixture.topology.masterName,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const hasExited = () => child.exitCode !== null || child.signalCode !== null;
    try {
      await eventually(() => stdout.includes('ready\n') || hasExited(), {
        timeoutMs: 20_000,
        message: 'probe ready',
      });
      assert.ok(!hasExited(), `the probe exited early: ${stderr}`);
      const old = fixture.topology.masterAddress();
      await fixture.topology.kill(old, 'SIGKILL');
      const left = await eventually(() => /^left (.*)$/m.exec(stdout)?.[1] ?? hasExited(), {
        timeoutMs: 30_000,
        message: 'probe quit after the failover',
      });
      assert.equal(typeof left, 'string', `the probe exited early: ${stderr}`);
      // Bounded: a timer still pending would end by then; a client that reconnects never does.
      const exited = await eventually(hasExited, { timeoutMs: 5000 }).then(
        () => true,
        () => false,
      );
      assert.deepEqual(
        { left: JSON.parse(left as string), exited, exitCode: child.exitCode },
        { left: [], exited: true, exitCode: 0 },
        `active resources right after quit(), and whether the process exited within 5 s. ${stderr}`,
      );
    } finally {
      if (!hasExited()) child.kill('SIGKILL');
    }
  });

  /** A stall this long may reach into Sentinel's tick between announcing and promoting. */
  const STALL_WINDOW_MS = 40;

  it('loses nothing and shows no error through a graceful failover (unless the client stalls into the window)', async () => {
    const key = 'seq:graceful';
    const { master, replicas, spy } = await setUp();
    const { writes, reads } = startLoads(master, replicas, key);
    await runLoad(writes);
    const since = performance.now();
    // The one window docs/failover.md names: a write is lost only if this process (the client)
    // stalls about one Sentinel timer tick between the leader's announcement and its REPLICAOF
    // NO ONE. Measured here, so that the test holds the claim rather than assumes it.
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const { from, to, switches } = await fixture.topology.failover();
    loopDelay.disable();
    const stallMs = loopDelay.max / 1e6;
    assert.equal(switches.length, 1, 'one switch (no double failover)');
    const delta = await timeSwitchToAck('graceful', spy, writes, to, since);
    await runLoad(writes);
    await Promise.all([writes.stop(), reads.stop()]);

    assert.equal(writes.allErrors().length, 0, `write errors: ${writes.describeErrors()}`);
    assert.equal(reads.allErrors().length + reads.wrong.length, 0, reads.describe());
    const check = await checkWrites(to, key, writes.acks);
    console.log(
      `# graceful ${from.port} -> ${to.port}: ${check.acknowledged} acknowledged, ${check.present} present, ${reads.answered} reads; the event loop stalled at most ${stallMs.toFixed(1)} ms during the failover`,
    );
    if (stallMs < STALL_WINDOW_MS) {
      assert.deepEqual(check.missing, [], 'acknowledged writes missing on the new master');
    } else {
      // Stalled into the window (a loaded CI machine): a few writes of the stall may be lost.
      assert.ok(
        check.missing.length <= 20,
        `${check.missing.length} acknowledged writes missing after a ${stallMs.toFixed(1)} ms stall: ${check.missing.slice(0, 20).join(', ')}`,
      );
    }
    assert.deepEqual(check.duplicates, [], 'writes applied twice');
    assert.ok(delta > -5000 && delta < 5000, `switch to first ack: ${delta} ms`);
  });

  it('surfaces only in-flight writes as ConnectionLostError when the master is SIGKILLed', async () => {
    const key = 'seq:sigkill';
    const { master, replicas, spy } = await setUp();
    const { writes, reads } = startLoads(master, replicas, key);
    await runLoad(writes);
    const old = fixture.topology.masterAddress();
    const killedAt = performance.now();
    await fixture.topology.kill(old, 'SIGKILL');
    const to = await fixture.topology.waitForFailover(old);
    const delta = await timeSwitchToAck('SIGKILL', spy, writes, to, killedAt);
    await runLoad(writes, 200, LOAD_AFTER_SWITCH_MS);
    await Promise.all([writes.stop(), reads.stop()]);

    assert.deepEqual(writes.errorsOtherThan('ConnectionLostError'), [], writes.describeErrors());
    const lost = writes.errors.get('ConnectionLostError') ?? [];
    assert.ok(lost.length <= WRITERS, `at most one in-flight write per writer: ${writes.describeErrors()}`);
    for (const error of lost) {
      assert.ok(error instanceof ConnectionLostError);
      assert.equal(error.maybeApplied, true);
    }
    assert.equal(reads.allErrors().length + reads.wrong.length, 0, reads.describe());
    const check = await checkWrites(to, key, writes.acks);
    console.log(
      `# SIGKILL: ${lost.length} ConnectionLostError, ${check.missing.length} acknowledged writes lost (async replication), ${check.present} present`,
    );
    assert.deepEqual(check.duplicates, [], 'writes applied twice');
    assert.ok(writes.acksSince(killedAt) > 0, 'writes continue on the new master');
    assert.ok(delta > -5000 && delta < 5000, `switch to first ack: ${delta} ms`);
  });

  it('moves off a SIGSTOPped master and never writes to it again after it wakes', async () => {
    const key = 'seq:sigstop';
    const { master, replicas, spy } = await setUp();
    const { writes, reads } = startLoads(master, replicas, key);
    await runLoad(writes);
    const old = fixture.topology.masterAddress();
    const stoppedAt = performance.now();
    await fixture.topology.kill(old, 'SIGSTOP');
    const to = await fixture.topology.waitForFailover(old);
    const delta = await timeSwitchToAck('SIGSTOP', spy, writes, to, stoppedAt);
    const switchAt = spy.first('+switch-master', stoppedAt)!.at;
    await runLoad(writes, 200, LOAD_AFTER_SWITCH_MS);

    // The old master wakes up still a master, with its own data, until Sentinel demotes it. Only
    // then do its contents show whether the client wrote to it after the switch: once demoted, it
    // resyncs from the new master and holds those writes anyway. Sentinel demotes it 8 s after it
    // first reports itself a master again (SENTINEL_PUBLISH_PERIOD*4 in sentinel.c), so a read
    // right after SIGCONT almost always comes first; with the sentinels stopped from before the
    // wake-up until the read, it always does. (A few ms: far below Sentinel's 2 s TILT trigger.)
    const entries = await withSentinelsStopped(async () => {
      await fixture.topology.kill(old, 'SIGCONT');
      const [[, role], [, list]] = (await withNode(old, (c) =>
        c.multi().role().lrange(key, 0, -1).exec(),
      ))! as [[null, unknown[]], [null, string[]]];
      assert.equal(role[0], 'master', 'the old master woke up a master');
      return list;
    });
    const grewWhileMaster: number[] = [];
    await eventually(
      async () => {
        const [[, r], [, length]] = (await withNode(old, (c) => c.multi().role().llen(key).exec()))! as [
          [null, unknown[]],
          [null, number],
        ];
        if (r[0] === 'master' && length !== entries.length) grewWhileMaster.push(length);
        return r[0] === 'slave';
      },
      { timeoutMs: 40_000, intervalMs: 200, message: 'Sentinel demotes the old master' },
    );
    await Promise.all([writes.stop(), reads.stop()]);

    const ackedAfterSwitch = new Set(writes.acks.filter((a) => a.at > switchAt).map((a) => a.n));
    const onOldMaster = entries.map(Number).filter((n) => ackedAfterSwitch.has(n));
    assert.deepEqual(onOldMaster, [], 'writes acknowledged after the switch found on the old master');
    assert.deepEqual(grewWhileMaster, [], 'the old master received writes after it woke up');
    assert.deepEqual(writes.errorsOtherThan('ConnectionLostError'), [], writes.describeErrors());
    assert.equal(reads.allErrors().length + reads.wrong.length, 0, reads.describe());
    const onNewMaster = new Set(await readSequence(to, key));
    const missing = [...ackedAfterSwitch].filter((n) => !onNewMaster.has(n));
    assert.deepEqual(missing, [], 'writes acknowledged after the switch missing on the new master');
    const check = await checkWrites(to, key, writes.acks);
    assert.deepEqual(check.duplicates, [], 'writes applied twice');
    console.log(
      `# SIGSTOP: ${ackedAfterSwitch.size} acknowledged after the switch, errors ${writes.describeErrors()}, ${check.missing.length} lost before it`,
    );
    assert.ok(delta > -5000 && delta < 5000, `switch to first ack: ${delta} ms`);
  });
});
