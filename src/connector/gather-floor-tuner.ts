/**
 * Chooses, per connection and at run time, the floor of adaptive write coalescing: from how many
 * commands in flight the writes of a tick are gathered when the last burst was small (about 10 to
 * 20 callers; from about 22 a third of the burst is above both floors and they agree).
 *
 * Why at run time: the best floor depends on the processor. Measured side by side at 10 callers
 * (ad-hoc interleaved runs of one connection against plain ioredis): on an AMD EPYC × 2, gathering
 * from 4 in flight gave 1.43× the reads per second of gathering from 8; on an Intel Xeon × 2,
 * gathering from 4 cost a quarter of the throughput that 8 gave. So the connection starts with
 * the floor that was never worse than plain ioredis ({@link GATHER_FLOORS}[0]) and runs short
 * trials of the other, in the order current, other, other, current (drift cancels out), and
 * switches when the other did better by {@link TRIAL_MARGIN} in two trials in a row.
 *
 * A trial is judged by commands written per millisecond, window against neighbouring window: the
 * other floor wins only if each of its windows beat the window of the chosen floor beside it.
 * Under a load that waits for its answers (callers awaiting each command), that rate is the
 * throughput; under a load that arrives at its own pace, both floors write at the same rate and
 * the trial is a draw, so nothing changes. A window judges nothing unless at least
 * {@link CONTESTED_SHARE} of its commands were ones the two floors decide differently (4 to 7 in
 * flight, below a third of the last burst: never with fewer than 4 callers, nor with a big
 * burst), or if it took longer than {@link WINDOW_MAX_MS} (a quiet connection).
 *
 * The decisions are pure functions ({@link judgeTrial}, {@link afterTrial}); {@link GatherFloorTuner}
 * counts commands and reads the clock once per window of {@link WINDOW_COMMANDS}.
 */

/** The floors to choose between; the first is where every connection starts. */
export const GATHER_FLOORS: readonly [number, number] = [8, 4];
const HIGHER_FLOOR = Math.max(...GATHER_FLOORS);
const LOWER_FLOOR = Math.min(...GATHER_FLOORS);

/** Commands per measured window: about 20 ms at 100,000 commands per second. */
export const WINDOW_COMMANDS = 2048;

/** A window that took longer than this measured a quiet connection, not a floor. */
export const WINDOW_MAX_MS = 250;

/** How much better the other floor must do, in two trials in a row, to be chosen. */
export const TRIAL_MARGIN = 0.1;

/** The part of a window's commands that the floors must decide differently for it to count. */
export const CONTESTED_SHARE = 1 / 16;

/** Windows on the chosen floor between two trials: doubles while trials confirm the choice. */
export const EXPLOIT_WINDOWS = { first: 4, most: 128 } as const;

/** What one trial says: the other floor did better, worse, or no clear difference. */
export type TrialVerdict = 'other' | 'current' | 'draw';

/**
 * Judges a trial from the rates of its four windows, in the order current, other, other,
 * current (commands per ms): a floor wins if each of its windows beat the neighbouring window of
 * the other floor by the margin (one noisy window cannot decide it). Pure.
 */
export function judgeTrial(
  rates: readonly [number, number, number, number],
  margin = TRIAL_MARGIN,
): TrialVerdict {
  const [a1, b1, b2, a2] = rates;
  if (!(a1 > 0 && b1 > 0 && b2 > 0 && a2 > 0)) return 'draw';
  const factor = 1 + margin;
  if (b1 > a1 * factor && b2 > a2 * factor) return 'other';
  if (a1 > b1 * factor && a2 > b2 * factor) return 'current';
  return 'draw';
}

/**
 * Whether the floors decide differently for a command written with `unanswered` in flight, when
 * a third of the last burst is `burstShare`: only the lower floor gathers it. Pure.
 */
export function floorsDecideDifferently(unanswered: number, burstShare: number): boolean {
  return unanswered < HIGHER_FLOOR && unanswered >= Math.max(LOWER_FLOOR, burstShare);
}

/** What the tuner keeps between trials. */
export interface TunerState {
  /** Index into {@link GATHER_FLOORS} of the floor in use. */
  readonly chosen: 0 | 1;
  /** Trials in a row that the other floor won. */
  readonly otherWins: number;
  /** Windows on the chosen floor before the next trial. */
  readonly exploitWindows: number;
}

export const INITIAL_TUNER_STATE: TunerState = {
  chosen: 0,
  otherWins: 0,
  exploitWindows: EXPLOIT_WINDOWS.first,
};

/**
 * The state after a trial: the other floor is chosen after its second win in a row (then trials
 * come often again, to confirm it); a trial the other floor did not win spaces the next ones out,
 * up to {@link EXPLOIT_WINDOWS}.most windows, so that a settled connection spends under 2 % of
 * its windows on the other floor. Pure.
 */
export function afterTrial(state: TunerState, verdict: TrialVerdict): TunerState {
  if (verdict === 'other') {
    if (state.otherWins + 1 >= 2) {
      return { chosen: otherThan(state.chosen), otherWins: 0, exploitWindows: EXPLOIT_WINDOWS.first };
    }
    return { ...state, otherWins: state.otherWins + 1, exploitWindows: EXPLOIT_WINDOWS.first };
  }
  const exploitWindows = Math.min(EXPLOIT_WINDOWS.most, state.exploitWindows * 2);
  return { chosen: state.chosen, otherWins: 0, exploitWindows };
}

function otherThan(index: 0 | 1): 0 | 1 {
  return index === 0 ? 1 : 0;
}

/** Where the tuner is in its schedule: windows left on the chosen floor, or a trial's window. */
type Phase = { readonly kind: 'exploit'; left: number } | { readonly kind: 'trial'; step: number };

/** Which floor each of a trial's four windows runs on: current, other, other, current. */
const TRIAL_RUNS_OTHER = [false, true, true, false] as const;

/** The floor tuner of one connection. */
export class GatherFloorTuner {
  /** The floor to gather from now. */
  floor: number = GATHER_FLOORS[0];
  private state: TunerState = INITIAL_TUNER_STATE;
  private phase: Phase = { kind: 'exploit', left: EXPLOIT_WINDOWS.first };
  private readonly rates: [number, number, number, number] = [0, 0, 0, 0];
  private commands = 0;
  /** Commands of this window that the floors decide differently. */
  private contested = 0;
  private windowStart: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly onSwitch?: (floor: number, previous: number) => void,
  ) {
    this.windowStart = now();
  }

  /**
   * Counts a command about to be written; `contested`: the floors decide it differently
   * ({@link floorsDecideDifferently}). Costs a counter or two per command and a clock reading per
   * window.
   */
  count(contested: boolean): void {
    if (contested) this.contested += 1;
    if (++this.commands < WINDOW_COMMANDS) return;
    const now = this.now();
    const ms = now - this.windowStart;
    const isMeasured = this.contested >= WINDOW_COMMANDS * CONTESTED_SHARE && ms > 0 && ms <= WINDOW_MAX_MS;
    this.windowStart = now;
    this.commands = 0;
    this.contested = 0;
    this.endWindow(isMeasured ? WINDOW_COMMANDS / ms : undefined);
  }

  /** Ends a window: the schedule moves on, and the floor follows. */
  private endWindow(rate: number | undefined): void {
    const previous = GATHER_FLOORS[this.state.chosen];
    this.advance(rate);
    this.floor = this.floorOfWindow();
    const chosen = GATHER_FLOORS[this.state.chosen];
    if (chosen !== previous) this.onSwitch?.(chosen, previous);
  }

  /** Moves the schedule on by one window; `rate` is undefined when the window judged nothing. */
  private advance(rate: number | undefined): void {
    const { phase } = this;
    if (phase.kind === 'exploit') {
      if (--phase.left === 0) this.phase = { kind: 'trial', step: 0 };
    } else if (rate === undefined) {
      // A trial needs four comparable windows: start again later, and a win before it no longer
      // counts as the first of two in a row.
      this.state = { ...this.state, otherWins: 0 };
      this.phase = { kind: 'exploit', left: this.state.exploitWindows };
    } else {
      this.rates[phase.step] = rate;
      phase.step += 1;
      if (phase.step === TRIAL_RUNS_OTHER.length) {
        this.state = afterTrial(this.state, judgeTrial(this.rates));
        this.phase = { kind: 'exploit', left: this.state.exploitWindows };
      }
    }
  }

  private floorOfWindow(): number {
    const { phase, state } = this;
    const runsOther = phase.kind === 'trial' && TRIAL_RUNS_OTHER[phase.step] === true;
    return GATHER_FLOORS[runsOther ? otherThan(state.chosen) : state.chosen];
  }
}
