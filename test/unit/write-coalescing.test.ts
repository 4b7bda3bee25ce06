import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shouldCork } from '../../src/connector/write-coalescing.js';

test('adaptive: a command with nothing in flight leaves at once (no added latency for a lone caller)', () => {
  assert.equal(shouldCork('adaptive', 0, false), false);
});

test('adaptive: while replies are outstanding, the writes of the tick are gathered', () => {
  assert.equal(shouldCork('adaptive', 1, false), true);
  assert.equal(shouldCork('adaptive', 50, false), true);
});

test('a socket already corked for this tick is not corked twice (one uncork per cork)', () => {
  assert.equal(shouldCork('adaptive', 5, true), false);
  assert.equal(shouldCork(true, 0, true), false);
});

test('true gathers every tick, even a lone command; false never gathers', () => {
  assert.equal(shouldCork(true, 0, false), true);
  assert.equal(shouldCork(false, 0, false), false);
  assert.equal(shouldCork(false, 10, false), false);
});
