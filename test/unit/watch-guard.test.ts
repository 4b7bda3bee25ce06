/**
 * The WATCH guard's decision (pure): an EXEC is refused when a WATCH pending on an earlier
 * socket was lost with it; EXEC, DISCARD, UNWATCH and RESET end the watch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOT_WATCHING, stepWatch, type WatchState } from '../../src/connector/watch-guard.js';

const first = { socket: 1 };
const second = { socket: 2 };

/** The state after writing `commands` in turn, each on its socket, and whether the last was refused. */
function run(steps: Array<[string, object]>): { state: WatchState; isRefused: boolean } {
  let state = NOT_WATCHING;
  let isRefused = false;
  for (const [command, socket] of steps) ({ next: state, isRefused } = stepWatch(state, command, socket));
  return { state, isRefused };
}

describe('stepWatch', () => {
  it('lets EXEC through on the socket its WATCH was written on', () => {
    const { state, isRefused } = run([
      ['watch', first],
      ['get', first],
      ['multi', first],
      ['set', first],
      ['exec', first],
    ]);
    assert.equal(isRefused, false);
    assert.deepEqual(state, NOT_WATCHING);
  });

  it('refuses EXEC on another socket than its WATCH', () => {
    const { state, isRefused } = run([
      ['watch', first],
      ['multi', second],
      ['exec', second],
    ]);
    assert.equal(isRefused, true);
    assert.deepEqual(state, NOT_WATCHING, 'the refused EXEC ends the watch');
  });

  it('still refuses after a second WATCH on the new socket: the first keys are unwatched', () => {
    assert.equal(
      run([
        ['watch', first],
        ['watch', second],
        ['exec', second],
      ]).isRefused,
      true,
    );
  });

  it('forgets a lost WATCH after DISCARD, UNWATCH or RESET', () => {
    for (const end of ['discard', 'unwatch', 'reset']) {
      const { state, isRefused } = run([
        ['watch', first],
        [end, second],
        ['watch', second],
        ['exec', second],
      ]);
      assert.equal(isRefused, false, end);
      assert.deepEqual(state, NOT_WATCHING);
    }
  });

  it('never refuses an EXEC without a WATCH', () => {
    assert.equal(
      run([
        ['multi', first],
        ['exec', second],
      ]).isRefused,
      false,
    );
  });
});
