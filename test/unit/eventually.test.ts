/**
 * `eventually`: which values end the wait, what it resolves with, and how it gives up (deadline,
 * an attempt still running at the deadline, abort). Pure: it only calls a function.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopologyError } from '../../src/errors.js';
import { EVENTUALLY_DEFAULTS, eventually } from '../../src/testing/index.js';

/** A function that returns (or throws) the given outcomes in turn, and counts its calls. */
function sequence(...outcomes: Array<{ value: unknown } | { error: Error }>) {
  const fn = () => {
    const outcome = outcomes[Math.min(fn.calls++, outcomes.length - 1)]!;
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
  fn.calls = 0;
  return fn;
}

const FAST = { intervalMs: 1, timeoutMs: 2000 } as const;

describe('eventually', () => {
  it('keeps EVENTUALLY_DEFAULTS as documented', () => {
    assert.deepEqual({ ...EVENTUALLY_DEFAULTS }, { timeoutMs: 10_000, intervalMs: 50, message: 'condition' });
  });

  it('retries on a throw, false, null and undefined, and resolves with the first other value', async () => {
    const fn = sequence(
      { error: new Error('not yet') },
      { value: false },
      { value: null },
      { value: undefined },
      { value: 'found' },
    );
    assert.equal(await eventually(fn, FAST), 'found');
    assert.equal(fn.calls, 5);
  });

  for (const value of [0, '', Number.NaN, true, [], {}]) {
    it(`counts ${JSON.stringify(value) ?? String(value)} (${typeof value}) as success at once`, async () => {
      const fn = sequence({ value });
      assert.equal(await eventually(fn, FAST), value);
      assert.equal(fn.calls, 1);
    });
  }

  it('awaits an async attempt, and retries a rejected one', async () => {
    let calls = 0;
    const value = await eventually(async () => {
      calls++;
      if (calls < 3) throw new Error(`attempt ${calls}`);
      return calls;
    }, FAST);
    assert.equal(value, 3);
  });

  it('ends an assertion-style wait when the callback returns true after its assertions', async () => {
    let x = 0;
    await eventually(() => {
      x++;
      assert.equal(x, 3);
      return true;
    }, FAST);
    assert.equal(x, 3);
  });

  it('never ends on a callback that returns nothing, and says so at the deadline', async () => {
    await assert.rejects(
      eventually(() => {}, { timeoutMs: 50, intervalMs: 5, message: 'void' }),
      (error: unknown) => {
        assert.ok(error instanceof TopologyError);
        assert.match(error.message, /^void: not met within 50 ms \(\d+ attempts\); last: returned undefined/);
        assert.match(error.message, /should return true/);
        return true;
      },
    );
  });

  it('names false and null as the last failure', async () => {
    await assert.rejects(
      eventually(() => false, { timeoutMs: 30, intervalMs: 5 }),
      /last: returned false$/,
    );
    await assert.rejects(
      eventually(() => null, { timeoutMs: 30, intervalMs: 5 }),
      /last: returned null$/,
    );
  });

  it('rejects at the deadline with a TopologyError carrying the last failure', async () => {
    const last = new Error('still wrong');
    const startedAt = performance.now();
    await assert.rejects(
      eventually(
        () => {
          throw last;
        },
        { timeoutMs: 100, intervalMs: 10, message: 'the thing' },
      ),
      (error: unknown) => {
        assert.ok(error instanceof TopologyError);
        assert.match(error.message, /^the thing: not met within 100 ms \(\d+ attempts\); last: still wrong$/);
        assert.equal(error.cause, last);
        return true;
      },
    );
    assert.ok(performance.now() - startedAt < 1000);
  });

  it('does not wait for an attempt still running at the deadline', async () => {
    const startedAt = performance.now();
    await assert.rejects(
      eventually(() => new Promise(() => {}), { timeoutMs: 50 }),
      /attempt 1 was still running at the deadline/,
    );
    assert.ok(performance.now() - startedAt < 1000);
  });

  it('stops at once when its signal aborts', async () => {
    const controller = new AbortController();
    const startedAt = performance.now();
    setTimeout(() => controller.abort(new Error('stopped')), 30);
    await assert.rejects(
      eventually(() => false, { timeoutMs: 10_000, signal: controller.signal, message: 'never' }),
      (error: unknown) =>
        error instanceof TopologyError &&
        /^never: aborted after \d+ attempts$/.test(error.message) &&
        (error.cause as Error).message === 'stopped',
    );
    assert.ok(performance.now() - startedAt < 1000);
  });

  it('makes no attempt when the signal is already aborted', async () => {
    let calls = 0;
    await assert.rejects(
      eventually(
        () => {
          calls++;
          return true;
        },
        { signal: AbortSignal.abort() },
      ),
      /aborted after 0 attempts/,
    );
    assert.equal(calls, 0);
  });
});
