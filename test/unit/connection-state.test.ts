import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTransition } from '../../src/connector/connection-state.js';

describe('connection states', () => {
  it('allows the transitions of the diagram', () => {
    checkTransition('connecting', 'verifying');
    checkTransition('verifying', 'open');
    checkTransition('verifying', 'connecting');
    checkTransition('open', 'connecting');
    for (const state of ['connecting', 'verifying', 'open'] as const) checkTransition(state, 'closed');
  });

  it('refuses the others: nothing leaves closed, nothing opens unverified', () => {
    assert.throws(() => checkTransition('connecting', 'open'), /illegal transition connecting -> open/);
    assert.throws(() => checkTransition('closed', 'connecting'), /illegal transition/);
    assert.throws(() => checkTransition('open', 'verifying'), /illegal transition/);
  });
});
