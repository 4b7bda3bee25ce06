import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Confirmation,
  decideLease,
  EMPTY_LEASE,
  type LeaseState,
  leaseWarning,
  majorityOf,
  recordConfirmation,
} from '../../src/lease/lease-state.js';

const OLD = '198.18.0.11:7001';
const NEW = '198.18.0.12:7002';

function confirm(runId: string, at: number, master = OLD, epoch = 0, isMasterDown = false): Confirmation {
  return { runId, at, master, epoch, isMasterDown };
}

function record(...confirmations: Confirmation[]): LeaseState {
  return confirmations.reduce(recordConfirmation, EMPTY_LEASE);
}

describe('write lease', () => {
  it('needs a majority ⌊N/2⌋+1 of distinct sentinels', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(majorityOf), [1, 2, 2, 3, 3]);
    assert.equal(decideLease(record(confirm('a', 100)), OLD, 200, 500, 3).isValid, false);
    const two = decideLease(record(confirm('a', 100), confirm('b', 150)), OLD, 200, 500, 3);
    assert.deepEqual(two, { isValid: true, expiresAt: 600, confirmed: 2, needed: 2 });
    // The same sentinel twice is one vote.
    assert.equal(decideLease(record(confirm('a', 100), confirm('a', 150)), OLD, 200, 500, 3).isValid, false);
  });

  it('lapses leaseMs after the needed-th freshest confirmation', () => {
    const state = record(confirm('a', 100), confirm('b', 300), confirm('c', 50));
    assert.equal(decideLease(state, OLD, 599, 500, 3).isValid, true);
    assert.equal(decideLease(state, OLD, 600, 500, 3).isValid, false);
    assert.equal(decideLease(state, OLD, 600, 500, 3).expiresAt, 600);
  });

  it('a client cut off with its one sentinel loses the lease; the majority side keeps the new master', () => {
    let state = record(confirm('a', 0), confirm('b', 0), confirm('c', 0));
    // The cut at 0: only sentinel a still answers on the old master's side.
    state = recordConfirmation(state, confirm('a', 400));
    assert.equal(decideLease(state, OLD, 499, 500, 3).isValid, true);
    assert.equal(decideLease(state, OLD, 500, 500, 3).isValid, false);
    // On the other side b and c flag the old master down, then switch at epoch 1.
    let other = recordConfirmation(state, confirm('b', 1200, OLD, 0, true));
    other = recordConfirmation(other, confirm('c', 1200, OLD, 0, true));
    assert.equal(decideLease(other, OLD, 1300, 500, 3).isValid, false);
    other = recordConfirmation(other, confirm('b', 2500, NEW, 1));
    other = recordConfirmation(other, confirm('c', 2510, NEW, 1));
    assert.equal(decideLease(other, NEW, 2600, 500, 3).isValid, true);
  });

  it('after a heal, a sentinel with an older epoch is not believed', () => {
    let state = record(confirm('b', 2500, NEW, 1), confirm('c', 2500, NEW, 1));
    // The old side's sentinel rejoins still naming the old master at epoch 0.
    state = recordConfirmation(state, confirm('a', 2600, OLD, 0));
    state = recordConfirmation(state, confirm('b', 2700, OLD, 0));
    assert.equal(decideLease(state, OLD, 2800, 500, 3).isValid, false, 'epoch 0 never outvotes epoch 1');
    assert.equal(state.newestEpoch, 1);
  });

  it('never counts more sentinels than it knows less than those that answered', () => {
    const state = record(confirm('a', 100), confirm('b', 100), confirm('c', 100), confirm('d', 100, NEW));
    // Told N = 1, but four answered: the majority is of four.
    assert.equal(decideLease(state, OLD, 200, 500, 1).needed, 3);
    assert.equal(decideLease(state, OLD, 200, 500, 1).isValid, true);
  });

  it('ignores an answer older than the one kept', () => {
    const state = record(confirm('a', 300), confirm('a', 100, NEW));
    assert.equal(state.latest.get('a')?.master, OLD);
  });

  it('warns when lease + two round trips is not comfortably below down-after', () => {
    assert.equal(leaseWarning(500, 5, 1000), undefined);
    assert.match(leaseWarning(800, 10, 1000) ?? '', /not comfortably below down-after-milliseconds 1000/);
    assert.match(leaseWarning(1000, 1, 1000) ?? '', /at most 798 ms/);
  });
});
