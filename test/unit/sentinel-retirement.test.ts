import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRetirement, type LearnedSentinelSighting } from '../../src/discovery/sentinel-retirement.js';

const LIMIT = 3;
const gone: LearnedSentinelSighting = { isListed: false, isDown: true };

/** Feeds sightings in order; returns the decision after each. */
function run(...sightings: LearnedSentinelSighting[]) {
  let absences = 0;
  return sightings.map((sighting) => {
    const decision = decideRetirement(absences, sighting, LIMIT);
    absences = decision.absences;
    return decision;
  });
}

describe('decideRetirement', () => {
  it('retires a learned sentinel absent from `limit` answers in a row while down', () => {
    assert.deepEqual(
      run(gone, gone, gone).map((d) => d.isRetired),
      [false, false, true],
    );
  });

  it('keeps one that is down but still listed: it may be restarting', () => {
    const listedDown = { isListed: true, isDown: true };
    assert.ok(run(listedDown, listedDown, listedDown, listedDown).every((d) => !d.isRetired));
  });

  it('keeps one that is no longer listed but reachable: a reset sentinel lists no peer for a while', () => {
    const unlistedUp = { isListed: false, isDown: false };
    assert.ok(run(unlistedUp, unlistedUp, unlistedUp, unlistedUp).every((d) => !d.isRetired));
  });

  it('starts the count again on any listing or reconnect', () => {
    const decisions = run(
      gone,
      gone,
      { isListed: true, isDown: true },
      gone,
      gone,
      { isListed: false, isDown: false },
      gone,
      gone,
      gone,
    );
    assert.deepEqual(
      decisions.map((d) => d.absences),
      [1, 2, 0, 1, 2, 0, 1, 2, 3],
    );
    assert.deepEqual(
      decisions.map((d) => d.isRetired),
      [false, false, false, false, false, false, false, false, true],
    );
  });
});
