import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  afterTrial,
  EXPLOIT_WINDOWS,
  GATHER_FLOORS,
  GatherFloorTuner,
  INITIAL_TUNER_STATE,
  judgeTrial,
  TRIAL_MARGIN,
  type TunerState,
  WINDOW_COMMANDS,
  WINDOW_MAX_MS,
} from '../../src/connector/gather-floor-tuner.js';
import { floorsDiffer, gatherThreshold } from '../../src/connector/write-coalescing.js';

const [START, OTHER] = GATHER_FLOORS;

test('a trial is won by the floor whose two windows wrote more, beyond the margin', () => {
  assert.equal(judgeTrial([100, 140, 140, 100]), 'other');
  assert.equal(judgeTrial([140, 100, 100, 140]), 'current');
  const within = 100 * (1 + TRIAL_MARGIN / 2);
  assert.equal(judgeTrial([100, within, within, 100]), 'draw');
  // Drift over the trial (the load grows) cancels out: current, other, other, current.
  assert.equal(judgeTrial([80, 100, 110, 130]), 'draw');
  assert.equal(judgeTrial([0, 0, 0, 0]), 'draw', 'no measurement, no verdict');
});

test('the other floor is chosen after two wins in a row, and a lost trial in between resets it', () => {
  let state: TunerState = INITIAL_TUNER_STATE;
  state = afterTrial(state, 'other');
  assert.equal(state.chosen, 0, 'one win is not enough: it may be noise');
  state = afterTrial(state, 'current');
  state = afterTrial(state, 'other');
  assert.equal(state.chosen, 0);
  state = afterTrial(state, 'other');
  assert.equal(state.chosen, 1);
  assert.equal(state.exploitWindows, EXPLOIT_WINDOWS.first, 'a new choice is checked again soon');
});

test('trials that keep the choice come ever more rarely, down to one in EXPLOIT_WINDOWS.most', () => {
  let state: TunerState = INITIAL_TUNER_STATE;
  for (let i = 0; i < 20; i++) state = afterTrial(state, i % 2 === 0 ? 'current' : 'draw');
  assert.equal(state.exploitWindows, EXPLOIT_WINDOWS.most);
  assert.equal(state.chosen, 0);
});

/**
 * Drives a tuner on a simulated connection: every command takes 1 / rate(floor) ms by a fake
 * clock. Returns the floors in use, one per window.
 */
function simulate(
  rate: (floor: number) => number,
  windows: number,
  contested: (window: number) => boolean = () => true,
): { floors: number[]; switches: Array<[number, number]> } {
  let clock = 0;
  const switches: Array<[number, number]> = [];
  const tuner = new GatherFloorTuner(
    () => clock,
    (floor, previous) => switches.push([floor, previous]),
  );
  const floors: number[] = [];
  for (let w = 0; w < windows; w++) {
    floors.push(tuner.floor);
    for (let c = 0; c < WINDOW_COMMANDS; c++) {
      clock += 1 / rate(tuner.floor);
      tuner.count(contested(w));
    }
  }
  return { floors, switches };
}

test('on a machine where the lower floor writes more, the tuner moves to it and stays', () => {
  // As measured on an AMD EPYC × 2 at 10 callers: 1.43× the reads per second with 4.
  const { floors, switches } = simulate((floor) => (floor === OTHER ? 143 : 100), 400);
  assert.deepEqual(switches, [[OTHER, START]]);
  const settled = floors.slice(100);
  const onStart = settled.filter((f) => f === START).length;
  assert.ok(onStart / settled.length < 0.05, `${onStart} of ${settled.length} windows on the worse floor`);
});

test('on a machine where the starting floor writes more, the tuner never leaves it', () => {
  // As measured on an Intel Xeon × 2 at 10 callers: 4 cost a quarter of the throughput.
  const { floors, switches } = simulate((floor) => (floor === OTHER ? 75 : 100), 400);
  assert.deepEqual(switches, []);
  const trials = floors.slice(100).filter((f) => f === OTHER).length;
  assert.ok(trials / 300 < 0.05, `${trials} of 300 windows spent on trials`);
});

test('when the floors do not matter (a draw), nothing changes', () => {
  const { switches } = simulate(() => 100, 400);
  assert.deepEqual(switches, []);
});

test('windows where the floors agree, or that took too long, judge nothing', () => {
  // The other floor would win, but every window saw a big burst: no trial counts.
  const big = simulate(
    (floor) => (floor === OTHER ? 200 : 100),
    200,
    () => false,
  );
  assert.deepEqual(big.switches, []);
  // A quiet connection: each window takes longer than WINDOW_MAX_MS.
  const slowRate = (WINDOW_COMMANDS / WINDOW_MAX_MS) * 0.5;
  const quiet = simulate((floor) => (floor === OTHER ? slowRate * 2 : slowRate), 200);
  assert.deepEqual(quiet.switches, []);
});

test('the floors differ only while a third of the last burst is below the higher one', () => {
  assert.equal(floorsDiffer(0), true);
  assert.equal(floorsDiffer(9), true, '10 callers');
  assert.equal(floorsDiffer(21), true);
  assert.equal(floorsDiffer(22), false, 'a third of 22 is 8: both floors give 8');
  assert.equal(floorsDiffer(199), false);
  assert.equal(gatherThreshold(9, OTHER), OTHER);
  assert.equal(gatherThreshold(9, START), START);
  assert.equal(gatherThreshold(49, OTHER), 17);
});
