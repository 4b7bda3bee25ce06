/**
 * What `watch` does with the named sentinels before it subscribes (pure): refuse to start when
 * none answers or none monitors --name (with "did you mean"), ignore sentinels that are not
 * sentinels or do not monitor --name, and retry those that are only unreachable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SentinelCheck } from '../../src/cli/sentinel-check.js';
import { diagnoseSentinel } from '../../src/cli/sentinel-diagnosis.js';
import { planWatch } from '../../src/cli/watch-plan.js';

const ok = (address: string, masters: string[]): SentinelCheck => ({
  address,
  masters,
  diagnosis: undefined,
});
const failed = (address: string, message: string, code?: string): SentinelCheck => ({
  address,
  masters: undefined,
  diagnosis: diagnoseSentinel({ error: { message, code }, isTls: false, timeoutMs: 2000 }, 'mymaster'),
});

describe('watch plan', () => {
  it('subscribes to every sentinel that monitors the name', () => {
    const plan = planWatch('mymaster', [ok('a:1', ['mymaster']), ok('b:2', ['mymaster', 'other'])]);
    assert.deepEqual(plan, { subscribeTo: ['a:1', 'b:2'], notes: [], fatal: undefined });
  });

  it('without --name, subscribes to every sentinel that answered', () => {
    assert.deepEqual(planWatch(undefined, [ok('a:1', []), ok('b:2', ['x'])]).subscribeTo, ['a:1', 'b:2']);
  });

  it('refuses a name no sentinel monitors, with "did you mean" and what each monitors', () => {
    const plan = planWatch('mymastr', [ok('a:1', ['mymaster']), ok('b:2', ['mymaster'])]);
    assert.deepEqual(plan.fatal, [
      'no sentinel monitors "mymastr": did you mean "mymaster"?',
      '  sentinel a:1 monitors "mymaster"',
      '  sentinel b:2 monitors "mymaster"',
    ]);
    assert.deepEqual(plan.subscribeTo, []);
  });

  it('names the sentinels that do not know the name, and watches the others', () => {
    const plan = planWatch('mymaster', [ok('a:1', ['mymaster']), ok('b:2', ['other'])]);
    assert.deepEqual(plan.subscribeTo, ['a:1']);
    assert.deepEqual(plan.notes, [
      'ignoring sentinel b:2, which does not monitor "mymaster" (it monitors "other")',
    ]);
  });

  it('retries an unreachable sentinel, ignores a data node', () => {
    const plan = planWatch('mymaster', [
      ok('a:1', ['mymaster']),
      failed('b:2', 'connect ECONNREFUSED 127.0.0.1:2', 'ECONNREFUSED'),
      failed('c:3', "ERR unknown command 'SENTINEL', with args beginning with: 'MASTERS' "),
    ]);
    assert.deepEqual(plan.subscribeTo, ['a:1', 'b:2']);
    assert.match(plan.notes[0]!, /^sentinel b:2 is unreachable: .*retrying in the background$/);
    assert.match(plan.notes[1]!, /^ignoring sentinel c:3, which is a Redis server but not a sentinel/);
  });

  it('refuses to start when no sentinel answered, with each diagnosis', () => {
    const plan = planWatch('mymaster', [
      failed('a:1', 'Command timed out'),
      failed('b:2', 'Unknown RESP type 72 "H". Please report this.'),
    ]);
    assert.equal(plan.fatal?.[0], 'no sentinel answered:');
    assert.match(plan.fatal?.[1] ?? '', /a:1 accepted the connection but did not answer/);
    assert.match(plan.fatal?.[2] ?? '', /b:2 answered, but not in the Redis protocol/);
  });
});
