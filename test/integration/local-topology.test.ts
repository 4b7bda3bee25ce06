/**
 * The testing kit itself, on real redis-server processes: a 1 master + 2 replicas + 3 sentinels
 * topology comes up with every sentinel agreeing; SIGKILL and SIGSTOP of the master end in a new
 * master everyone agrees on; failover() twice in a row; restart(); nothing is left behind after
 * stop(), a failed test body or a crashed test process; a missing binary is reported clearly.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { RedisServerNotFoundError, TopologyError } from '../../src/errors.js';
import { eventually, LocalTopology } from '../../src/testing/index.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

interface Auth {
  username?: string;
  password?: string;
}

/** Runs one command on 127.0.0.1:port with a short-lived client. */
async function ask(port: number, args: string[], auth: Auth = {}): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    ...auth,
    lazyConnect: true,
    protocol: 2,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 1000,
    disconnectTimeout: 100,
  });
  client.on('error', () => {});
  try {
    const [command, ...rest] = args;
    return await client.call(command!, rest);
  } finally {
    const ended = once(client, 'end');
    client.disconnect();
    await ended;
  }
}

const asArray = (reply: unknown): unknown[] => (Array.isArray(reply) ? reply : []);

function fields(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const flat = asArray(reply);
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

async function role(port: number): Promise<unknown[]> {
  return asArray(await ask(port, ['ROLE']));
}

async function masterPortSeenBy(sentinelPort: number, masterName: string): Promise<number> {
  const reply = asArray(await ask(sentinelPort, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]));
  return Number(reply[1]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

/** PIDs of this process's children (Linux `pgrep -P`). */
function childPids(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is no child
  }
}

/**
 * Runs `fn` with os.tmpdir() pointing at a fresh dir of its own, so that what the kit leaves there
 * is ours alone (other test files start topologies at the same time), and asserts it is empty.
 */
async function inPrivateTmpdir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'local-topology-test-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    const result = await fn(dir);
    const left = readdirSync(dir).filter((name) => name.startsWith('redis-sentinel-pool-'));
    assert.deepEqual(left, [], 'the kit removed its temp dirs');
    return result;
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LocalTopology', () => {
  const fixture = topologyFixture();

  before(() => {
    console.log(
      `LocalTopology.start() 1 master + 2 replicas + 3 sentinels: ${Math.round(fixture.startMs)} ms`,
    );
  });

  it('comes up with every sentinel agreeing on the master, the replicas and each other', async (t: TestContext) => {
    t.diagnostic(`start() took ${Math.round(fixture.startMs)} ms`);
    const master = fixture.topology.masterAddress();
    const replicas = fixture.topology.replicaAddresses();
    const sentinels = fixture.topology.sentinelAddresses();
    assert.equal(fixture.topology.dataAddresses().length, 3);
    assert.equal(replicas.length, 2);
    assert.equal(sentinels.length, 3);
    for (const node of [...fixture.topology.dataAddresses(), ...sentinels]) {
      assert.equal(node.host, '127.0.0.1');
      assert.notEqual(node.port, 6379);
      assert.equal(typeof fixture.topology.pidOf(node), 'number');
    }
    assert.equal((await role(master.port))[0], 'master');
    for (const replica of replicas) {
      const [kind, , masterPort, state] = await role(replica.port);
      assert.deepEqual([kind, Number(masterPort), state], ['slave', master.port, 'connected']);
    }
    for (const sentinel of sentinels) {
      assert.equal(await masterPortSeenBy(sentinel.port, fixture.topology.masterName), master.port);
      const seen = asArray(
        await ask(sentinel.port, ['SENTINEL', 'REPLICAS', fixture.topology.masterName]),
      ).map(fields);
      assert.deepEqual(seen.map((r) => Number(r.port)).sort(), replicas.map((r) => r.port).sort());
      for (const r of seen) {
        assert.equal(r.flags, 'slave');
        assert.equal(r['master-link-status'], 'ok');
      }
      const others = asArray(
        await ask(sentinel.port, ['SENTINEL', 'SENTINELS', fixture.topology.masterName]),
      ).map(fields);
      assert.deepEqual(
        others.map((s) => Number(s.port)).sort(),
        sentinels
          .filter((s) => s.port !== sentinel.port)
          .map((s) => s.port)
          .sort(),
      );
    }
    assert.deepEqual(fixture.topology.switches(), []);
  });

  it('SIGKILL of the master ends in a new master that every sentinel agrees on', async (t: TestContext) => {
    const old = fixture.topology.masterAddress();
    const killedAt = performance.now();
    await fixture.topology.kill(old);
    assert.equal(fixture.topology.pidOf(old), undefined);
    const next = await fixture.topology.waitForFailover(old);
    const failoverMs = performance.now() - killedAt;
    t.diagnostic(`SIGKILL failover took ${Math.round(failoverMs)} ms (down-after 1500 ms)`);
    console.log(
      `SIGKILL of the master -> every sentinel reports the new master: ${Math.round(failoverMs)} ms`,
    );
    assert.notDeepEqual(next, old);
    assert.deepEqual(fixture.topology.masterAddress(), next);
    for (const sentinel of fixture.topology.sentinelAddresses()) {
      assert.equal(await masterPortSeenBy(sentinel.port, fixture.topology.masterName), next.port);
    }
    assert.equal((await role(next.port))[0], 'master');
    assert.ok(fixture.topology.replicaAddresses().some((r) => r.port === old.port));
    await eventually(
      () => fixture.topology.switches().some((s) => s.from.port === old.port && s.to.port === next.port),
      {
        timeoutMs: 5000,
        message: '+switch-master recorded',
      },
    );
    assert.equal(fixture.topology.doubleFailoverCount, 0);
  });

  it('SIGSTOP of the master fails over, and after SIGCONT the old master is a replica', async (t: TestContext) => {
    const old = fixture.topology.masterAddress();
    const pid = fixture.topology.pidOf(old);
    const stoppedAt = performance.now();
    await fixture.topology.kill(old, 'SIGSTOP');
    assert.equal(fixture.topology.pidOf(old), pid, 'a stopped node still has its PID');
    const next = await fixture.topology.waitForFailover(old);
    t.diagnostic(`SIGSTOP failover took ${Math.round(performance.now() - stoppedAt)} ms`);
    for (const sentinel of fixture.topology.sentinelAddresses()) {
      assert.equal(await masterPortSeenBy(sentinel.port, fixture.topology.masterName), next.port);
    }
    await fixture.topology.kill(old, 'SIGCONT');
    const resumedAt = performance.now();
    // Sentinel alone (not restore()) turns the returning old master into a replica.
    await eventually(
      async () => {
        const [kind, , masterPort] = await role(old.port);
        assert.deepEqual([kind, Number(masterPort)], ['slave', next.port]);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'old master is a replica of the new one' },
    );
    t.diagnostic(`old master became a replica ${Math.round(performance.now() - resumedAt)} ms after SIGCONT`);
  });

  it('failover() works twice in a row', async (t: TestContext) => {
    const startedAt = performance.now();
    const first = await fixture.topology.failover();
    const second = await fixture.topology.failover();
    t.diagnostic(`two failovers took ${Math.round(performance.now() - startedAt)} ms`);
    assert.notDeepEqual(first.to, first.from);
    assert.deepEqual(second.from, first.to);
    assert.notDeepEqual(second.to, second.from);
    assert.deepEqual(fixture.topology.masterAddress(), second.to);
    for (const result of [first, second]) {
      assert.ok(result.switches.length >= 1, 'the switch was seen on +switch-master');
      assert.deepEqual(result.switches[0]?.from, result.from);
      assert.deepEqual(result.switches[0]?.to, result.to);
    }
    for (const sentinel of fixture.topology.sentinelAddresses()) {
      assert.equal(await masterPortSeenBy(sentinel.port, fixture.topology.masterName), second.to.port);
    }
    assert.equal((await role(second.to.port))[0], 'master');
  });

  it('restart() brings a killed replica and a killed sentinel back', async () => {
    const replica = fixture.topology.replicaAddresses()[0]!;
    const sentinel = fixture.topology.sentinelAddresses()[0]!;
    await fixture.topology.kill(replica);
    await fixture.topology.kill(sentinel);
    assert.equal(fixture.topology.pidOf(replica), undefined);
    await assert.rejects(fixture.topology.kill(sentinel, 'SIGSTOP'), TopologyError);
    await fixture.topology.restart(replica);
    await fixture.topology.restart(sentinel);
    const [kind, , masterPort, state] = await role(replica.port);
    assert.deepEqual(
      [kind, Number(masterPort), state],
      ['slave', fixture.topology.masterAddress().port, 'connected'],
    );
    assert.equal(
      await masterPortSeenBy(sentinel.port, fixture.topology.masterName),
      fixture.topology.masterAddress().port,
    );
    await assert.rejects(fixture.topology.restart(replica), /still running/);
  });

  it('stop() leaves no process behind, also when the test body threw', async () => {
    await inPrivateTmpdir(async () => {
      let small: LocalTopology | undefined;
      let pids: number[] = [];
      let pending: Promise<unknown> = Promise.resolve();
      await assert.rejects(
        async () => {
          small = await LocalTopology.start({ replicas: 0, sentinels: 1, quorum: 1 });
          try {
            pids = [...small.dataAddresses(), ...small.sentinelAddresses()].map((n) => small!.pidOf(n)!);
            assert.equal(pids.length, 2);
            assert.ok(pids.every(isAlive));
            pending = small.waitForMaster(() => false); // a wait still running when the test fails
            pending.catch(() => {});
            throw new Error('the test body failed');
          } finally {
            await small.stop();
          }
        },
        { message: 'the test body failed' },
      );
      for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
      const stoppedAt = performance.now();
      await assert.rejects(pending, TopologyError);
      assert.ok(performance.now() - stoppedAt < 1000, 'stop() ends pending waits at once');
      assert.equal(small?.pidOf(small.masterAddress()), undefined);
      await small?.stop(); // idempotent
      await assert.rejects(small!.restore(), /is stopped/);
    });
  });

  it('a test process that crashes or is terminated leaves no process behind', async () => {
    const kit = new URL('../../src/testing/index.ts', import.meta.url).href;
    for (const ending of ['throw', 'SIGTERM'] as const) {
      const script = `
        import { LocalTopology } from ${JSON.stringify(kit)};
        const t = await LocalTopology.start({ replicas: 0, sentinels: 1, quorum: 1 });
        const pids = [...t.dataAddresses(), ...t.sentinelAddresses()].map((n) => t.pidOf(n));
        console.log(JSON.stringify(pids));
        if (${JSON.stringify(ending)} === 'throw') setTimeout(() => { throw new Error('crash'); }, 10);
        else setInterval(() => {}, 1000);
      `;
      await inPrivateTmpdir(async (dir) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          env: { ...process.env, TMPDIR: dir },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.resume();
        const exited = once(child, 'exit');
        const pids = await eventually(
          () => {
            const line = output.split('\n').find((l) => l.startsWith('['));
            return line === undefined ? false : (JSON.parse(line) as number[]);
          },
          { timeoutMs: 20_000, message: `child (${ending}) printed its PIDs` },
        );
        assert.equal(pids.length, 2);
        if (ending === 'SIGTERM') child.kill('SIGTERM');
        await exited;
        await eventually(() => pids.every((pid) => !isAlive(pid)), {
          timeoutMs: 5000,
          message: `every redis-server of the ${ending} child is gone`,
        });
      });
    }
  });

  it('a missing binary gives RedisServerNotFoundError and spawns nothing', async () => {
    const childrenBefore = new Set(childPids());
    await inPrivateTmpdir(async () => {
      for (const redisServer of ['/nonexistent/bin/redis-server', 'redis-server-that-does-not-exist']) {
        await assert.rejects(LocalTopology.start({ redisServer }), (error: unknown) => {
          assert.ok(error instanceof RedisServerNotFoundError);
          assert.equal(error.code, 'ERR_REDIS_SERVER_NOT_FOUND');
          assert.match(error.message, new RegExp(`looked for "${redisServer}"`));
          assert.match(error.message, /apt-get install|brew install|redisServer option/);
          return true;
        });
      }
    });
    assert.deepEqual(
      childPids().filter((pid) => !childrenBefore.has(pid)),
      [],
    );
  });

  it('a node that fails to start gives a TopologyError with its last log lines, and nothing is left', async () => {
    const childrenBefore = new Set(childPids());
    await inPrivateTmpdir(async () => {
      const start = LocalTopology.start({
        replicas: 1,
        sentinels: 1,
        quorum: 1,
        extraDataConfig: ['no-such-directive yes'],
      });
      await assert.rejects(start, (error: unknown) => {
        assert.ok(error instanceof TopologyError);
        assert.match(error.message, /exited while starting; last log lines:/);
        assert.match(error.message, /no-such-directive/);
        return true;
      });
    });
    assert.deepEqual(
      childPids().filter((pid) => !childrenBefore.has(pid)),
      [],
    );
  });

  it('runs with passwords and ACL users, and never shows a password', async () => {
    const password = 'data "secret" pw';
    const sentinelPassword = 'sentinel-secret-pw';
    const secured = await LocalTopology.start({
      replicas: 1,
      sentinels: 2,
      quorum: 1,
      username: 'app',
      password,
      sentinelUsername: 'watcher',
      sentinelPassword,
    });
    try {
      const master = secured.masterAddress().port;
      const sentinel = secured.sentinelAddresses()[0]!.port;
      await assert.rejects(ask(master, ['PING']), /NOAUTH|NOPERM|WRONGPASS|disabled/i);
      assert.equal(await ask(master, ['PING'], { username: 'app', password }), 'PONG');
      await assert.rejects(ask(sentinel, ['PING']), /NOAUTH|NOPERM|WRONGPASS|disabled/i);
      const auth = { username: 'watcher', password: sentinelPassword };
      const reply = asArray(
        await ask(sentinel, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', secured.masterName], auth),
      );
      assert.equal(Number(reply[1]), master);
      for (const text of [
        inspect(secured),
        String(secured),
        inspect(secured.options),
        JSON.stringify(secured.options),
      ]) {
        assert.ok(!text.includes('secret'), `no password in ${text}`);
      }
      const { from, to } = await secured.failover();
      assert.notEqual(from.port, to.port);
    } finally {
      await secured.stop();
    }
  });
});
