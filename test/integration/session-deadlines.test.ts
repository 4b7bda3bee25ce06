/**
 * Session reads keep their deadline whatever the replicas do: with every replica frozen
 * (SIGSTOP: connections stay open, nothing answers), a read resolves from the master about
 * `timeoutMs` after it started, or fails with ConsistencyTimeoutError with `fallbackToMaster:
 * false`, which never reads the master, not even once the replica pool has no replica left and
 * would fall back by itself. On a real 1 master + 2 replicas + 3 sentinels topology.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ConsistencyTimeoutError, type Sentinel, type Session } from '../../src/index.js';
import { eventually, type LocalTopology } from '../../src/testing/index.js';
import { rejection } from '../helpers/rejection.js';
import { commandCalls } from '../helpers/replication.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const TIMEOUT_MS = 300;
/** Generous slack over timeoutMs plus one master round trip: a loaded machine must not fail these. */
const SLACK_MS = 1500;

describe('session read deadlines', () => {
  const fixture = topologyFixture();
  // The restore after each test sends SIGCONT to the frozen replicas.
  let topology: LocalTopology;
  before(() => {
    topology = fixture.topology;
  });
  const open = () => fixture.open();

  /** A Sentinel whose replica pool has connected to every replica, then every replica frozen. */
  async function freezeReplicas(key: string): Promise<Sentinel> {
    const sentinel = open();
    const name = topology.masterName;
    await sentinel.masterFor(name).set(key, 'old');
    const replica = sentinel.replicaFor(name);
    // The pool connects on first use.
    await replica.get(key);
    await eventually(() => replica.replicas().length === 2, { message: 'both replicas in the pool' });
    for (const r of topology.replicaAddresses()) await topology.kill(r, 'SIGSTOP');
    return sentinel;
  }

  /** A session without fallback, at `writer`'s position if given. */
  function strictSession(sentinel: Sentinel, writer?: Session): Session {
    const after = writer ? { after: writer.token } : {};
    return sentinel.session(topology.masterName, {
      timeoutMs: TIMEOUT_MS,
      fallbackToMaster: false,
      ...after,
    });
  }

  /** The read fails with ConsistencyTimeoutError after timeoutMs, within the slack; its duration. */
  async function assertTimesOut(session: Session, key: string): Promise<number> {
    const { error, ms } = await rejection(() => session.replica.get(key));
    assert.ok(error instanceof ConsistencyTimeoutError, `got ${String(error)} after ${ms} ms`);
    assert.ok(ms >= TIMEOUT_MS - 5, `failed after ${ms} ms, before timeoutMs`);
    assert.ok(ms < TIMEOUT_MS + SLACK_MS, `failed after ${ms} ms`);
    return ms;
  }

  async function masterGets(): Promise<number> {
    return (await commandCalls(topology.masterAddress(), 'get')).get!;
  }

  it('reads from the master about timeoutMs after it started when every replica is frozen', async () => {
    const sentinel = await freezeReplicas('deadline:fallback');
    const session = sentinel.session(topology.masterName, { timeoutMs: TIMEOUT_MS });
    await session.master.set('deadline:fallback', 'new');
    const started = performance.now();
    assert.equal(await session.replica.get('deadline:fallback'), 'new');
    const ms = performance.now() - started;
    console.log(
      `# every replica frozen: the master answered after ${ms.toFixed(0)} ms (timeoutMs ${TIMEOUT_MS})`,
    );
    assert.ok(ms >= TIMEOUT_MS - 5, `answered after ${ms} ms, before timeoutMs`);
    assert.ok(ms < TIMEOUT_MS + SLACK_MS, `answered after ${ms} ms`);

    // A session that has not written yet is bounded the same way.
    const fresh = sentinel.session(topology.masterName, { timeoutMs: TIMEOUT_MS });
    const freshStarted = performance.now();
    assert.equal(await fresh.replica.get('deadline:fallback'), 'new');
    const freshMs = performance.now() - freshStarted;
    assert.ok(freshMs < TIMEOUT_MS + SLACK_MS, `a session without writes answered after ${freshMs} ms`);
  });

  it('fails with ConsistencyTimeoutError after timeoutMs without fallback, never reading the master', async () => {
    const sentinel = await freezeReplicas('deadline:strict');
    const name = topology.masterName;
    const writer = sentinel.session(name);
    await writer.master.set('deadline:strict', 'new');
    const before = await masterGets();
    const ms = await assertTimesOut(strictSession(sentinel, writer), 'deadline:strict');
    console.log(`# every replica frozen, no fallback: ConsistencyTimeoutError after ${ms.toFixed(0)} ms`);
    assert.equal((await masterGets()) - before, 0, 'the master served a read of a session without fallback');
  });

  it('without fallback, never reads the master even once the replica pool has no replica left', async () => {
    const sentinel = await freezeReplicas('deadline:empty');
    const name = topology.masterName;
    const replica = sentinel.replicaFor(name);
    // The sentinels report the frozen replicas down (down-after-milliseconds): the pool drops
    // them, and its own reads then go to the master.
    await eventually(() => replica.replicas().length === 0, {
      timeoutMs: 20_000,
      message: 'the frozen replicas left the pool',
    });
    const writer = sentinel.session(name);
    await writer.master.set('deadline:empty', 'new');
    const before = await masterGets();
    // With the session's writes, and without any.
    await assertTimesOut(strictSession(sentinel, writer), 'deadline:empty');
    await assertTimesOut(strictSession(sentinel), 'deadline:empty');
    assert.equal((await masterGets()) - before, 0, 'the master served a read of a session without fallback');
    // With fallback, the same read is the master's.
    const lenient = sentinel.session(name, { timeoutMs: TIMEOUT_MS, after: writer.token });
    assert.equal(await lenient.replica.get('deadline:empty'), 'new');
  });
});
