/**
 * A pool hands ioredis a built-in command as the `Command` its method would make (pool/job.ts).
 * This pins that against the installed ioredis: for each method, the Command its method gives
 * `sendCommand` and the one a job makes carry the same name, arguments and reply encoding. A
 * release whose generated methods do more would fail here. Nothing is sent: `sendCommand` of a
 * client that never connects only records.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type Command, Redis } from 'ioredis';
import { jobForCommand } from '../../src/pool/command-jobs.js';
import { type Job, runJob } from '../../src/pool/job.js';

const recorded: Command[] = [];
const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
redis.sendCommand = ((command: Command) => {
  recorded.push(command);
  return command.promise.catch(() => undefined);
}) as Redis['sendCommand'];
/** Enough of a PoolConnection for runJob. */
const connection = { redis, takesCommandsAsIs: true } as never;

const rules = {
  script: () => undefined,
  refuse: () => undefined,
  poolWrap: () => undefined,
  rediscoverOnReadonly: () => true,
};

function viaMethod(method: string, args: unknown[]): Command {
  void (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);
  return recorded.pop()!;
}

function viaJob(method: string, args: unknown[]): Command {
  const job = jobForCommand(method, [...args], rules, undefined) as Job;
  assert.ok(job.replyOptions, `${method} takes the direct path`);
  void runJob(job, connection);
  return recorded.pop()!;
}

/** A Command's reply encoding (private in ioredis's types). */
const encodingOf = (command: Command): unknown =>
  (command as unknown as { replyEncoding: unknown }).replyEncoding;

const CASES: Array<[string, unknown[]]> = [
  ['get', ['k']],
  ['getBuffer', ['k']],
  ['set', ['k', 'v', 'EX', 10]],
  ['hset', ['h', { a: '1', b: 2 }]],
  ['hgetall', ['h']],
  ['hgetallBuffer', ['h']],
  ['mset', [new Map([['a', '1']])]],
  ['rpush', ['l', 'x', 'y']],
  ['zadd', ['z', 1, 'm']],
  ['xadd', ['s', '*', 'f', 'v']],
  ['publish', ['c', Buffer.from('m')]],
];

describe('direct commands', () => {
  after(() => redis.disconnect());

  for (const [method, args] of CASES) {
    it(`${method}: the same Command as ioredis's method makes`, () => {
      const own = viaMethod(method, args);
      const ours = viaJob(method, args);
      assert.equal(ours.name, own.name);
      assert.deepEqual(ours.args, own.args);
      assert.equal(encodingOf(ours), encodingOf(own));
      assert.equal(ours.inTransaction, own.inTransaction);
      assert.equal(ours.isReadOnly, own.isReadOnly);
    });
  }

  it('a connection whose options change commands (a key prefix) calls the method', () => {
    const prefixed = new Redis({ lazyConnect: true, enableOfflineQueue: false, keyPrefix: 'p:' });
    const sent: Command[] = [];
    prefixed.sendCommand = ((command: Command) => {
      sent.push(command);
      return command.promise.catch(() => undefined);
    }) as Redis['sendCommand'];
    const job = jobForCommand('get', ['k'], rules, undefined) as Job;
    void runJob(job, { redis: prefixed, takesCommandsAsIs: false } as never);
    assert.deepEqual(sent[0]?.args, ['p:k']);
    prefixed.disconnect();
  });
});
