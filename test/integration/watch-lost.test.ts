/**
 * WATCH on a dedicated connection whose socket is replaced (a killed socket, a failover): Redis
 * forgets the watched keys with the socket, ioredis reconnects without a word, and the next EXEC
 * would run unguarded. It fails with WatchLostError instead, and the transaction is discarded:
 * nothing of it is applied, and the connection is not left inside MULTI. A WATCH left pending at
 * release does not reach the next borrower. On a real 1 master + 2 replicas + 3 sentinels topology.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { type MasterPool, type Sentinel, WatchLostError } from '../../src/index.js';
import { eventually, type LocalTopology } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

describe('WATCH across a reconnect', () => {
  const fixture = topologyFixture();
  let topology: LocalTopology;
  before(() => {
    topology = fixture.topology;
  });
  const masterPool = (options?: Parameters<Sentinel['masterFor']>[1]): MasterPool =>
    fixture.open().masterFor(topology.masterName, options);

  /** Kills the connection's socket on the server and waits until it has connected again. */
  async function replaceSocket(connection: Redis): Promise<void> {
    const id = Number(await connection.client('ID'));
    await withNode(topology.masterAddress(), (c) => c.client('KILL', 'ID', String(id)));
    await eventually(async () => Number(await connection.client('ID')) !== id, {
      message: 'the dedicated connection reconnected',
    });
  }

  const valueOnMaster = (key: string) => withNode(topology.masterAddress(), (c) => c.get(key));

  it('fails EXEC with WatchLostError after the socket was replaced, applying nothing', async () => {
    const master = masterPool();
    await master.set('watch:kill', '1');
    await master.withConnection(async (connection) => {
      await connection.watch('watch:kill');
      await replaceSocket(connection);
      const error = await connection
        .multi()
        .set('watch:kill', '2')
        .exec()
        .catch((e: unknown) => e);
      assert.ok(error instanceof WatchLostError, `got ${String(error)}`);
      assert.equal(error.code, 'ERR_WATCH_LOST');
      assert.equal(await valueOnMaster('watch:kill'), '1', 'the transaction was applied');

      // MULTI … EXEC sent by hand: the server is inside MULTI when the EXEC is refused.
      await connection.watch('watch:kill');
      await replaceSocket(connection);
      assert.equal(await connection.call('MULTI'), 'OK');
      assert.equal(await connection.call('SET', 'watch:kill', '3'), 'QUEUED');
      await assert.rejects(connection.call('EXEC'), WatchLostError);
      assert.equal(await connection.get('watch:kill'), '1', 'the connection was left inside MULTI');

      // WATCH again on the new socket: the transaction runs, guarded.
      await connection.watch('watch:kill');
      assert.deepEqual(await connection.multi().set('watch:kill', '4').exec(), [[null, 'OK']]);
    });
    assert.equal(await valueOnMaster('watch:kill'), '4');
  });

  it('fails EXEC with WatchLostError after a failover moved the connection', async () => {
    const master = masterPool();
    await master.set('watch:failover', '1');
    const connection = await master.acquire();
    try {
      await connection.watch('watch:failover');
      const { to } = await topology.failover();
      await eventually(
        async () => {
          const [role] = (await connection.role()) as [string];
          return (
            role === 'master' && Number(await connection.config('GET', 'port').then((r) => r[1])) === to.port
          );
        },
        { timeoutMs: 15_000, message: 'the dedicated connection moved to the new master' },
      );
      await assert.rejects(connection.multi().set('watch:failover', '2').exec(), WatchLostError);
      assert.equal(await withNode(to, (c) => c.get('watch:failover')), '1');
    } finally {
      master.release(connection);
    }
  });

  it('clears a WATCH left pending at release: the next borrower is not guarded by it', async () => {
    const master = masterPool({ maxDedicatedConnections: 1 });
    await master.set('watch:left', '1');
    await master.withConnection((connection) => connection.watch('watch:left'));
    await master.set('watch:left', '2');
    const reply = await master.withConnection((connection) =>
      connection.multi().set('watch:other', 'x').exec(),
    );
    assert.deepEqual(reply, [[null, 'OK']], 'the EXEC was aborted by a WATCH of the previous borrower');
  });
});
