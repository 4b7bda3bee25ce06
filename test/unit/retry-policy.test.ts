import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError } from 'ioredis';
import { CommandTimeoutError, ConnectionLostError } from '../../src/command-errors.js';
import { classifyFailure } from '../../src/failure-classification.js';
import { type Job, newJob } from '../../src/pool/job.js';
import {
  decideRetry,
  MAX_ATTEMPTS,
  RETRY_LATER_FIRST_MS,
  RETRY_LATER_MAX_MS,
  type RetryRules,
} from '../../src/pool/retry-policy.js';

const invoke = async () => 'OK';
const job = (extra: Partial<Job> = {}): Job => ({ ...newJob('set', 'write', invoke, true), ...extra });
const read = (extra: Partial<Job> = {}): Job => ({ ...newJob('get', 'read', invoke, true), ...extra });
const master: RetryRules = { retryWrites: false, rediscoverOnReadonly: true, retryLaterLimit: 1000 };
const replica: RetryRules = { ...master, rediscoverOnReadonly: false };

const notWritten = new Error("Stream isn't writeable and enableOfflineQueue options is false");
const lost = new ConnectionLostError('set', true, 'lost');
const readonly = new ReplyError("READONLY You can't write against a read only replica.");
const noReplicas = new ReplyError('NOREPLICAS Not enough good replicas to write.');
const wrongType = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');

describe('classifyFailure', () => {
  it('tells transport failures from server replies', () => {
    assert.equal(classifyFailure(notWritten), 'not-sent');
    assert.equal(classifyFailure(lost), 'lost');
    assert.equal(classifyFailure(new Error('Connection is closed.')), 'lost');
    assert.equal(classifyFailure(new Error('Command aborted due to connection close')), 'lost');
    assert.equal(classifyFailure(readonly), 'rediscover');
    assert.equal(classifyFailure(noReplicas), 'retry-later');
    assert.equal(classifyFailure(new ReplyError('LOADING Redis is loading')), 'retry-later');
    assert.equal(classifyFailure(wrongType), 'fail');
    assert.equal(classifyFailure(new CommandTimeoutError('get', 100, 'x')), 'fail');
    assert.equal(classifyFailure(undefined), 'fail');
  });
});

describe('decideRetry', () => {
  it('resends a command ioredis never wrote, whatever its kind', () => {
    assert.deepEqual(decideRetry(job(), notWritten, 0, master), { action: 'resend' });
  });

  it('resends a read whose connection died', () => {
    assert.deepEqual(decideRetry(read(), lost, 0, master), { action: 'resend' });
  });

  it('fails a write whose connection died, unless retryWrites', () => {
    assert.deepEqual(decideRetry(job(), lost, 0, master), { action: 'fail', error: lost });
    assert.deepEqual(decideRetry(job(), lost, 0, { ...master, retryWrites: true }), { action: 'resend' });
  });

  it("types ioredis's plain lost-connection error for a write as maybe applied", () => {
    const decision = decideRetry(job(), new Error('Connection is closed.'), 0, master);
    assert.equal(decision.action, 'fail');
    const error = (decision as { error: unknown }).error;
    assert.ok(error instanceof ConnectionLostError);
    assert.equal(error.maybeApplied, true);
    assert.equal(error.command, 'set');
  });

  it('rediscovers on READONLY in a master pool; a replica pool passes it on', () => {
    assert.deepEqual(decideRetry(job(), readonly, 0, master), { action: 'rediscover' });
    assert.deepEqual(decideRetry(job(), readonly, 0, replica), { action: 'fail', error: readonly });
  });

  it('resends a command refused for now after 25 ms, doubling to at most 250 ms', () => {
    const pauses = [0, 1, 2, 3, 4, 5].map((refusedCount) => {
      const decision = decideRetry(job({ refusedSince: 0, refusedCount }), noReplicas, 10, master);
      assert.equal(decision.action, 'resend-after');
      return (decision as { ms: number }).ms;
    });
    assert.deepEqual(pauses, [25, 50, 100, 200, 250, 250]);
    assert.equal(pauses[0], RETRY_LATER_FIRST_MS);
    assert.equal(pauses.at(-1), RETRY_LATER_MAX_MS);
  });

  it('gives up on a refusal that lasted the limit, counted from the first refusal', () => {
    assert.equal(decideRetry(job({ refusedSince: 0 }), noReplicas, 999, master).action, 'resend-after');
    assert.deepEqual(decideRetry(job({ refusedSince: 0 }), noReplicas, 1000, master), {
      action: 'give-up',
      error: noReplicas,
    });
    // The first refusal starts the clock.
    assert.equal(decideRetry(job(), noReplicas, 5000, master).action, 'resend-after');
  });

  it('never resends a script after a refusal: it may have written before it', () => {
    const script = { ...newJob('evalsha', 'write', invoke, false) };
    assert.deepEqual(decideRetry(script, noReplicas, 0, master), { action: 'fail', error: noReplicas });
  });

  it('fails any other server error as it is', () => {
    assert.deepEqual(decideRetry(read(), wrongType, 0, master), { action: 'fail', error: wrongType });
  });

  it('stops at the attempt cap, with a typed error instead of a raw one', () => {
    const last = read({ attempts: MAX_ATTEMPTS - 1 });
    assert.deepEqual(decideRetry(last, readonly, 0, master), { action: 'fail', error: readonly });
    const decision = decideRetry(last, notWritten, 0, master);
    assert.equal(decision.action, 'fail');
    const error = (decision as { error: unknown }).error;
    assert.ok(error instanceof ConnectionLostError);
    assert.equal(error.maybeApplied, false);
    assert.equal(error.cause, notWritten);
    assert.equal(decideRetry(read({ attempts: MAX_ATTEMPTS - 2 }), notWritten, 0, master).action, 'resend');
  });
});
