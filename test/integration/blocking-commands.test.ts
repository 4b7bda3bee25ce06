/**
 * Blocking commands on dedicated connections are never sent again after their connection was
 * lost: a BLPOP or BLMOVE in flight when the socket dies rejects with ConnectionLostError, and an
 * element pushed after the reconnect stays in the list (a resent BLPOP would pop it for nobody).
 * A blocked command the server releases unserved (`-UNBLOCKED`: CLIENT UNBLOCK … ERROR, or the
 * master turned replica) rejects with UnblockedError. During a Sentinel failover the client
 * usually drops the socket first (ConnectionLostError); either way nothing is sent again. On a real 1 master +
 * 2 replicas + 3 sentinels topology.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { ConnectionLostError, type MasterPool, UnblockedError } from '../../src/index.js';
import { findFreePort } from '../../src/testing/free-port.js';
import { eventually, type LocalTopology, type NodeAddress } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

/** The blocking commands tried, each on an empty list with no timeout. */
const BLOCKING: Record<string, (connection: Redis, key: string) => Promise<unknown>> = {
  blpop: (connection, key) => connection.blpop(key, 0),
  blmove: (connection, key) => connection.blmove(key, `${key}:to`, 'LEFT', 'RIGHT', 0),
};

describe('blocking commands on dedicated connections', () => {
  const fixture = topologyFixture();
  let topology: LocalTopology;
  before(() => {
    topology = fixture.topology;
  });
  const masterPool = (): MasterPool => fixture.open().masterFor(topology.masterName);

  /** The commands clients of `node` are blocked in (`CLIENT LIST` flags `b`), by client id. */
  async function blockedClients(node: NodeAddress): Promise<Map<number, string>> {
    const list = (await withNode(node, (c) => c.client('LIST'))) as string;
    const blocked = new Map<number, string>();
    for (const line of list.split('\n')) {
      const fields = Object.fromEntries(line.split(' ').map((f) => f.split('=') as [string, string]));
      if (fields.flags?.includes('b')) blocked.set(Number(fields.id), String(fields.cmd));
    }
    return blocked;
  }

  /** Starts `command` on `connection` and waits until the server has it blocked. */
  async function block(
    connection: Redis,
    command: string,
    key: string,
  ): Promise<{ id: number; outcome: Promise<unknown> }> {
    const id = Number(await connection.client('ID'));
    const outcome = BLOCKING[command]!(connection, key).catch((e: unknown) => e);
    await eventually(async () => (await blockedClients(topology.masterAddress())).get(id) === command, {
      message: `${command} is blocked on the master`,
    });
    return { id, outcome };
  }

  for (const command of Object.keys(BLOCKING)) {
    it(`${command} in flight when its socket is killed rejects with ConnectionLostError and is not sent again`, async () => {
      const master = masterPool();
      const key = `blocking:lost:${command}`;
      await master.del(key, `${key}:to`);
      await master.withConnection(async (connection) => {
        const { id, outcome } = await block(connection, command, key);
        await withNode(topology.masterAddress(), (c) => c.client('KILL', 'ID', String(id)));
        const error = await outcome;
        assert.ok(error instanceof ConnectionLostError, `got ${String(error)}`);
        assert.equal(error.command, command);
        // Reconnected: anything resent would have been written before this answer.
        await eventually(async () => Number(await connection.client('ID')) !== id, {
          message: 'the dedicated connection reconnected',
        });
        assert.deepEqual([...(await blockedClients(topology.masterAddress())).values()], []);
        await master.rpush(key, 'pushed-after');
        assert.deepEqual(await master.lrange(key, 0, -1), ['pushed-after'], `a resent ${command} popped it`);
      });
    });
  }

  it('a blocked command released unserved (CLIENT UNBLOCK … ERROR) rejects with UnblockedError', async () => {
    const master = masterPool();
    for (const command of Object.keys(BLOCKING)) {
      const key = `blocking:unblock:${command}`;
      await master.del(key, `${key}:to`);
      await master.withConnection(async (connection) => {
        const { id, outcome } = await block(connection, command, key);
        await withNode(topology.masterAddress(), (c) => c.client('UNBLOCK', String(id), 'ERROR'));
        const error = await outcome;
        assert.ok(error instanceof UnblockedError, `got ${String(error)}`);
        assert.equal(error.code, 'ERR_UNBLOCKED');
        assert.equal(error.command, command);
        assert.match(String((error.cause as Error).message), /^UNBLOCKED/);
        // The connection serves the next command as usual.
        assert.equal(await connection.ping(), 'PONG');
      });
    }
  });

  it('a BLPOP blocked on a master that becomes a replica rejects with UnblockedError', async () => {
    const master = masterPool();
    const key = 'blocking:demoted';
    await master.del(key);
    const node = topology.masterAddress();
    const nowhere = await findFreePort();
    await master.withConnection(async (connection) => {
      const { outcome } = await block(connection, 'blpop', key);
      // The demotion a failover makes, without the sentinels' help (so that it reaches the
      // blocked client before any switch does), undone at once, well within down-after-milliseconds.
      try {
        await withNode(node, (c) => c.replicaof('127.0.0.1', nowhere));
      } finally {
        await withNode(node, (c) => c.replicaof('NO', 'ONE'));
      }
      const error = await outcome;
      assert.ok(error instanceof UnblockedError, `got ${String(error)}`);
      assert.match(String((error.cause as Error).message), /^UNBLOCKED .*master -> replica/);
      assert.match(error.message, new RegExp(String(node.port)));
    });
  });

  it('a BLPOP blocked on the master during a failover rejects typed and is not sent again', async () => {
    const master = masterPool();
    const key = 'blocking:failover';
    await master.del(key);
    await master.withConnection(async (connection) => {
      const { outcome } = await block(connection, 'blpop', key);
      const { from, to } = await topology.failover();
      const error = await outcome;
      // Which one depends on what reaches the client first: the switch (the pool drops the
      // socket: ConnectionLostError) or the old master's demotion (-UNBLOCKED: UnblockedError).
      console.log(`# BLPOP blocked on the master during a failover: ${String(error)}`);
      assert.ok(
        error instanceof ConnectionLostError || error instanceof UnblockedError,
        `got ${String(error)}`,
      );
      await eventually(async () => (await connection.config('GET', 'port'))[1] === String(to.port), {
        timeoutMs: 15_000,
        message: 'the dedicated connection moved to the new master',
      });
      await master.rpush(key, 'pushed-after');
      assert.deepEqual(await master.lrange(key, 0, -1), ['pushed-after'], 'a resent BLPOP popped it');
      assert.deepEqual([...(await blockedClients(from)).values()], [], 'still blocked on the old master');
    });
  });
});
