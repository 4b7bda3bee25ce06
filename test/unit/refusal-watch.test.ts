import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError } from 'ioredis';
import type { PoolConnection } from '../../src/connector/pool-connection.js';
import { AuthenticationError, TlsMismatchError } from '../../src/index.js';
import { RefusalWatch } from '../../src/pool/refusal-watch.js';

/** judge() reads only the address of the connection. */
const connection = { address: { host: '127.0.0.1', port: 7001 } } as unknown as PoolConnection;
const wrongpass = new ReplyError('WRONGPASS invalid username-password pair or user is disabled.');

/** A promise settled by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('RefusalWatch', () => {
  it('keeps the verdict of a definitive refusal until a connection opens, and ignores what heals', () => {
    const watch = new RefusalWatch('mymaster', 'masterFor("mymaster")');
    assert.equal(watch.judge(connection, new Error('connect ECONNREFUSED 127.0.0.1:7001'), 0), undefined);
    assert.equal(watch.refusal, undefined);
    const refusal = watch.judge(connection, wrongpass, 0);
    assert.ok(refusal instanceof AuthenticationError);
    assert.equal(refusal.address, '127.0.0.1:7001');
    assert.equal(watch.refusal, refusal);
    watch.clear();
    assert.equal(watch.refusal, undefined);
  });

  it('calls a reset before any reply definitive only when the same connection repeats it with no open between', () => {
    const watch = new RefusalWatch('mymaster', 'masterFor("mymaster")');
    const reset = () =>
      new Error('read ECONNRESET before any reply; if the server only accepts TLS, set tls');
    const other = { address: { host: '127.0.0.1', port: 7002 } } as unknown as PoolConnection;
    assert.equal(watch.judge(connection, reset(), 0), undefined, 'once: a server may have died');
    assert.equal(watch.judge(other, reset(), 0), undefined, 'another connection is no repeat');
    assert.ok(watch.judge(connection, reset(), 0) instanceof TlsMismatchError);
    watch.clear();
    assert.equal(watch.judge(connection, reset(), 0), undefined, 'an open in between starts again');
  });

  it('fails a borrower on a refusal of a later attempt, and gives back what it is lent after', async () => {
    const watch = new RefusalWatch('mymaster', 'replicaFor("mymaster")');
    const lending = deferred<string>();
    const givenBack: string[] = [];
    const borrowed = watch.guard(lending.promise, (value) => givenBack.push(value));
    watch.judge(connection, wrongpass, 0); // an attempt that started before the borrower waited
    watch.judge(connection, wrongpass, performance.now() + 1);
    await assert.rejects(borrowed, AuthenticationError);
    lending.resolve('connection');
    await lending.promise;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(givenBack, ['connection']);
  });

  it('settles with the lending when no refusal comes', async () => {
    const watch = new RefusalWatch('mymaster', 'masterFor("mymaster")');
    assert.equal(
      await watch.guard(Promise.resolve('connection'), () => assert.fail('given back')),
      'connection',
    );
    await assert.rejects(
      watch.guard(Promise.reject(new Error('timeout')), () => {}),
      /timeout/,
    );
  });
});
