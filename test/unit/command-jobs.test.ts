import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScriptDefinition } from '../../src/commands/script-definition.js';
import { DedicatedConnectionRequiredError, WriteOnReplicaError } from '../../src/errors.js';
import { type JobRules, jobForBatch, jobForCommand } from '../../src/pool/command-jobs.js';
import {
  BUFFER_REPLIES,
  type Invoker,
  type InvokerWrap,
  type Job,
  STRING_REPLIES,
} from '../../src/pool/job.js';

const scripts = new Map<string, ScriptDefinition>([
  ['getsafe', { lua: 'return redis.call("GET", KEYS[1])', numberOfKeys: 1, readOnly: true }],
  ['setsafe', { lua: 'return redis.call("SET", KEYS[1], ARGV[1])', numberOfKeys: 1 }],
]);

/** A master pool's rules (refuses nothing), or a replica pool's with `refuseWrites`. */
function rules(extra: { refuseWrites?: boolean; poolWrap?: InvokerWrap } = {}): JobRules {
  return {
    script: (command) => scripts.get(command),
    refuse: (command, kind) =>
      extra.refuseWrites && kind === 'write' ? new WriteOnReplicaError(command, 'mymaster') : undefined,
    poolWrap: () => extra.poolWrap,
    rediscoverOnReadonly: () => !extra.refuseWrites,
  };
}

function asJob(value: Job | Error): Job {
  assert.ok(!(value instanceof Error), `expected a job, got ${String(value)}`);
  return value as Job;
}

describe('jobForCommand', () => {
  it('makes a plain command a job that names its method and arguments, with no invoker', () => {
    const job = asJob(jobForCommand('getBuffer', ['k'], rules(), undefined));
    assert.equal(job.command, 'get');
    assert.equal(job.kind, 'read');
    assert.equal(job.method, 'getBuffer');
    assert.deepEqual(job.args, ['k']);
    assert.equal(job.invoke, undefined);
    assert.equal(job.isResendable, true);
  });

  it("says how a built-in command's reply is decoded; call() and Lua commands keep their method", () => {
    const replyOf = (method: string, args: unknown[]) =>
      asJob(jobForCommand(method, args, rules(), undefined)).replyOptions;
    assert.equal(replyOf('get', ['k']), STRING_REPLIES);
    assert.equal(replyOf('getBuffer', ['k']), BUFFER_REPLIES);
    assert.equal(replyOf('hgetallBuffer', ['h']), BUFFER_REPLIES);
    assert.equal(replyOf('call', ['GET', 'k']), undefined, 'ioredis keeps the name as spelt');
    assert.equal(replyOf('callBuffer', ['GET', 'k']), undefined);
    assert.equal(replyOf('getsafe', ['k']), undefined, 'a Lua command: EVALSHA, then EVAL');
  });

  it('classifies call() by its first argument', () => {
    const job = asJob(jobForCommand('call', ['SET', 'k', 'v'], rules(), undefined));
    assert.equal(job.command, 'set');
    assert.equal(job.kind, 'write');
  });

  it('classifies XREAD and XREADGROUP by their arguments: only BLOCK needs a connection of its own', () => {
    assert.equal(asJob(jobForCommand('xread', ['STREAMS', 's', '0'], rules(), undefined)).kind, 'read');
    assert.ok(
      jobForCommand('xreadBuffer', ['BLOCK', 0, 'STREAMS', 's', '$'], rules(), undefined) instanceof
        DedicatedConnectionRequiredError,
    );
    assert.ok(
      jobForCommand('call', ['XREAD', 'block', 0, 'STREAMS', 's', '$'], rules(), undefined) instanceof
        DedicatedConnectionRequiredError,
    );
  });

  it('refuses commands that need a connection of their own, before anything is sent', () => {
    assert.ok(
      jobForCommand('blpop', ['k', 0], rules(), undefined) instanceof DedicatedConnectionRequiredError,
    );
    assert.ok(
      jobForCommand('subscribe', ['c'], rules(), undefined) instanceof DedicatedConnectionRequiredError,
    );
  });

  it("returns the pool's refusal (a write to a replica)", () => {
    assert.ok(
      jobForCommand('set', ['k', 'v'], rules({ refuseWrites: true }), undefined) instanceof
        WriteOnReplicaError,
    );
    assert.equal(asJob(jobForCommand('get', ['k'], rules({ refuseWrites: true }), undefined)).kind, 'read');
  });

  it('never resends a script; a defined command is a read only when declared readOnly', () => {
    assert.equal(asJob(jobForCommand('eval', ['return 1', 0], rules(), undefined)).isResendable, false);
    assert.equal(asJob(jobForCommand('evalshaBuffer', ['0f', 0], rules(), undefined)).isResendable, false);
    assert.equal(
      asJob(jobForCommand('call', ['EVAL', 'return 1', 0], rules(), undefined)).isResendable,
      false,
    );
    for (const method of ['getsafe', 'getsafeBuffer']) {
      const read = asJob(jobForCommand(method, ['k'], rules(), undefined));
      assert.equal(read.command, 'getsafe');
      assert.equal(read.kind, 'read');
      assert.equal(read.isResendable, false);
      assert.equal(read.replyOptions, undefined, 'ioredis sends it: EVALSHA, then EVAL');
    }
    assert.equal(asJob(jobForCommand('setsafe', ['k', 'v'], rules(), undefined)).kind, 'write');
  });

  it("wraps with the pool's wrap inside the caller's, and keeps the caller's preference", async () => {
    const order: string[] = [];
    const named =
      (name: string): InvokerWrap =>
      (invoke: Invoker): Invoker =>
      (redis, connection) => {
        order.push(name);
        return invoke(redis, connection);
      };
    const caller = named('caller');
    caller.prefer = () => true;
    const job = asJob(jobForCommand('get', ['k'], rules({ poolWrap: named('pool') }), caller));
    assert.equal(job.prefer, caller.prefer);
    assert.ok(job.invoke);
    const redis = { get: async (key: string) => `value of ${key}` };
    const reply = await job.invoke(redis as never, undefined as never);
    assert.equal(reply, 'value of k');
    assert.deepEqual(order, ['caller', 'pool']);
  });
});

describe('jobForBatch', () => {
  it('counts as a read only when every command in it is one', () => {
    assert.equal(
      asJob(
        jobForBatch(
          [
            ['get', 'a'],
            ['get', 'b'],
          ],
          false,
          rules(),
          undefined,
        ),
      ).kind,
      'read',
    );
    const mixed = asJob(
      jobForBatch(
        [
          ['get', 'a'],
          ['set', 'b', 'v'],
        ],
        true,
        rules(),
        undefined,
      ),
    );
    assert.equal(mixed.kind, 'write');
    assert.equal(mixed.command, 'multi');
    assert.ok(mixed.invoke);
  });

  it('refuses the whole batch for one command that the pool refuses or that needs its own connection', () => {
    const onReplica = rules({ refuseWrites: true });
    assert.ok(
      jobForBatch(
        [
          ['get', 'a'],
          ['set', 'b', 'v'],
        ],
        false,
        onReplica,
        undefined,
      ) instanceof WriteOnReplicaError,
    );
    assert.ok(
      jobForBatch([['watch', 'a']], false, rules(), undefined) instanceof DedicatedConnectionRequiredError,
    );
  });
});
