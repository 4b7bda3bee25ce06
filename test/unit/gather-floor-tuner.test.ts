import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import {
  afterTrial,
  CONTESTED_SHARE,
  EXPLOIT_WINDOWS,
  floorsDecideDifferently,
  GATHER_FLOORS,
  GatherFloorTuner,
  INITIAL_TUNER_STATE,
  judgeTrial,
  TRIAL_MARGIN,
  type TunerState,
  WINDOW_COMMANDS,
  WINDOW_MAX_MS,
} from '../../src/connector/gather-floor-tuner.js';
import { burstShare, gatherThreshold, WriteCoalescer } from '../../src/connector/write-coalescing.js';

const [START, OTHER] = GATHER_FLOORS;

test('a trial is won by the floor each of whose windows beat its neighbour by the margin', () => {
  assert.equal(judgeTrial([100, 140, 140, 100]), 'other');
  assert.equal(judgeTrial([140, 100, 100, 140]), 'current');
  const within = 100 * (1 + TRIAL_MARGIN / 2);
  assert.equal(judgeTrial([100, within, within, 100]), 'draw');
  assert.equal(judgeTrial([100, 200, 100, 100]), 'draw', 'one noisy window decides nothing');
  // Drift over the trial (the load grows) cancels out: current, other, other, current.
  assert.equal(judgeTrial([80, 100, 110, 130]), 'draw');
  assert.equal(judgeTrial([0, 0, 0, 0]), 'draw', 'no measurement, no verdict');
});

test('the floors decide differently only from 4 to 7 in flight, and not below a third of the burst', () => {
  for (const n of [0, 1, 3, 8, 20]) assert.equal(floorsDecideDifferently(n, 0), false, `${n} in flight`);
  for (const n of [4, 5, 7]) assert.equal(floorsDecideDifferently(n, 0), true, `${n} in flight`);
  // 20 callers: a third of the burst is 7, so both floors send what is below 7 at once.
  assert.equal(floorsDecideDifferently(5, burstShare(20)), false);
  assert.equal(floorsDecideDifferently(7, burstShare(20)), true);
  // 50 callers: both thresholds are 17.
  assert.equal(floorsDecideDifferently(7, burstShare(49)), false);
  assert.equal(gatherThreshold(9, OTHER), OTHER);
  assert.equal(gatherThreshold(49, OTHER), 17);
});

test('the other floor is chosen after two wins in a row, and a lost trial in between resets it', () => {
  let state: TunerState = INITIAL_TUNER_STATE;
  state = afterTrial(state, 'other');
  assert.equal(state.chosen, 0, 'one win is not enough: it may be noise');
  state = afterTrial(state, 'current');
  assert.equal(state.otherWins, 0);
  state = afterTrial(state, 'other');
  state = afterTrial(state, 'draw');
  assert.equal(state.otherWins, 0, 'a draw breaks the run too');
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

/** A seeded generator (mulberry32): the noisy runs are the same on every machine. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Simulation {
  /** The floor in use during each window. */
  floors: number[];
  /** Each switch: the window it followed, the new floor and the previous one. */
  switches: Array<[number, number, number]>;
}

/**
 * Drives a tuner on a simulated connection: each window, every command takes 1 / rate ms by a
 * fake clock, rate being `rate(floor)` times a seeded jitter of up to ±`jitter`. `contested(w)`
 * says whether window w's commands are ones the floors decide differently.
 */
function simulate(
  rate: (floor: number) => number,
  windows: number,
  options: { contested?: (window: number) => boolean; jitter?: number; seed?: number } = {},
): Simulation {
  const { contested = () => true, jitter = 0, seed = 1 } = options;
  const random = seeded(seed);
  let clock = 0;
  let window = 0;
  const switches: Simulation['switches'] = [];
  const tuner = new GatherFloorTuner(
    () => clock,
    (floor, previous) => switches.push([window, floor, previous]),
  );
  const floors: number[] = [];
  for (; window < windows; window++) {
    floors.push(tuner.floor);
    const windowRate = rate(tuner.floor) * (1 + jitter * (2 * random() - 1));
    const isContested = contested(window);
    for (let c = 0; c < WINDOW_COMMANDS; c++) {
      clock += 1 / windowRate;
      tuner.count(isContested);
    }
  }
  return { floors, switches };
}

test('on a machine where the lower floor writes more, the tuner moves to it and stays', () => {
  // As on the AMD EPYC × 2 at 10 callers: replica reads did far better gathering from 4.
  const { floors, switches } = simulate((floor) => (floor === OTHER ? 140 : 100), 400, { jitter: 0.05 });
  assert.deepEqual(
    switches.map(([, floor, previous]) => [floor, previous]),
    [[OTHER, START]],
  );
  const settled = floors.slice(100);
  const onStart = settled.filter((f) => f === START).length;
  assert.ok(onStart / settled.length < 0.05, `${onStart} of ${settled.length} windows on the worse floor`);
});

test('on a machine where the starting floor writes more, the tuner never leaves it', () => {
  // As on the Intel Xeon × 2 at 10 callers: gathering from 4 cost throughput.
  const { floors, switches } = simulate((floor) => (floor === OTHER ? 75 : 100), 400, { jitter: 0.05 });
  assert.deepEqual(switches, []);
  const trials = floors.slice(100).filter((f) => f === OTHER).length;
  assert.ok(trials / 300 < 0.05, `${trials} of 300 windows spent on trials`);
});

test('when the floors do as well, noise alone never makes it switch', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { switches } = simulate(() => 100, 1000, { jitter: 0.05, seed });
    assert.deepEqual(switches, [], `seed ${seed}`);
  }
});

test('windows the floors decide alike, or that took too long, judge nothing; later ones do', () => {
  // The other floor would win, but no window had commands the floors decide differently.
  const alike = simulate((floor) => (floor === OTHER ? 200 : 100), 200, { contested: () => false });
  assert.deepEqual(alike.switches, []);
  // A quiet connection: each window takes longer than WINDOW_MAX_MS.
  const slowRate = (WINDOW_COMMANDS / WINDOW_MAX_MS) * 0.5;
  const quiet = simulate((floor) => (floor === OTHER ? slowRate * 2 : slowRate), 200);
  assert.deepEqual(quiet.switches, []);
  // A big burst first (no window counts), then 10 callers: the tuner still finds the better floor.
  const later = simulate((floor) => (floor === OTHER ? 200 : 100), 200, { contested: (w) => w >= 50 });
  assert.equal(later.switches.length, 1);
  assert.ok(later.switches[0]![0] >= 50);
});

test('a trial that cannot finish breaks a run of wins: two full trials in a row are needed', () => {
  // Windows 0-3 exploit, 4-7 the first trial (won by the other floor), 8-11 exploit, then the
  // second trial starts at 12: window 13 judges nothing, so it is dropped.
  const { switches } = simulate((floor) => (floor === OTHER ? 200 : 100), 60, { contested: (w) => w !== 13 });
  assert.equal(switches.length, 1);
  // Exploit 14-17, a win at 18-21, exploit 22-25, the second win in a row at 26-29.
  assert.equal(switches[0]![0], 29, 'not 21: the win before the dropped trial no longer counts');
});

test('a window needs CONTESTED_SHARE of its commands decided differently', () => {
  let clock = 0;
  const tuner = new GatherFloorTuner(() => clock);
  const floors: number[] = [];
  const needed = Math.ceil(WINDOW_COMMANDS * CONTESTED_SHARE);
  for (let w = 0; w < 200; w++) {
    floors.push(tuner.floor);
    const rate = tuner.floor === OTHER ? 200 : 100;
    for (let c = 0; c < WINDOW_COMMANDS; c++) {
      clock += 1 / rate;
      tuner.count(c < needed - 1); // one short of the share, in every window
    }
  }
  assert.ok(
    floors.every((f) => f === START),
    'no window counted, so the floor never moved',
  );
});

test("WriteCoalescer gathers from the tuner's floor", async () => {
  let clock = 0;
  const written: string[] = [];
  const socket = {
    writable: true,
    write(chunk: unknown) {
      written.push(String(chunk));
      return true;
    },
  } as unknown as Socket;
  const coalescer = new WriteCoalescer('adaptive', undefined, () => clock);
  const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));
  /** One command written with 5 in flight: does it leave at once? */
  const leavesAtOnce = async (): Promise<boolean> => {
    await nextTick(); // a new tick: nothing is being gathered
    written.length = 0;
    coalescer.beforeWrite(socket, 5);
    socket.write('cmd');
    const atOnce = written.length === 1;
    await nextTick();
    return atOnce;
  };
  assert.equal(coalescer.gatherFloor, START);
  assert.equal(await leavesAtOnce(), true, 'from 8: 5 in flight leave at once');
  // Gathering from 4 writes twice as many commands per ms on this simulated machine.
  for (let i = 0; i < 200 * WINDOW_COMMANDS && coalescer.gatherFloor !== OTHER; i++) {
    clock += coalescer.gatherFloor === OTHER ? 0.005 : 0.01;
    coalescer.beforeWrite(socket, 5);
    if (i % 64 === 0) await nextTick();
  }
  // The tuner gathers from 4 now (trying it, or having chosen it), for the rest of this window.
  assert.equal(coalescer.gatherFloor, OTHER);
  assert.equal(await leavesAtOnce(), false, 'from 4: 5 in flight are gathered');
  assert.deepEqual(written, ['cmd'], 'and leave at the end of the tick');
});
