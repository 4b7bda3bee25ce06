/**
 * Gathers the socket writes of one event-loop tick into one syscall. ioredis writes each command
 * on its own, and under concurrency those writes are most of its CPU cost (a profile of 10
 * callers on one connection: about a third of the process's time in `writeUtf8String`).
 *
 * Adaptive (the default): a command leaves at once while few are in flight on the connection, so
 * a lone caller waits for nothing and the server starts on a burst at once; from a threshold
 * that grows with the bursts the connection sees ({@link gatherThreshold}), the commands issued
 * until the end of the tick (typically the callers that the last burst of replies woke) are
 * gathered and leave together, in one write, when the tick ends. No timer and no fixed delay:
 * the end of the tick is `process.nextTick`, before the event loop polls for I/O again. The
 * threshold's floor is chosen per connection at run time (gather-floor-tuner.ts).
 */
import type { Socket } from 'node:net';
import type { CoalesceWrites } from '../options.js';
import { floorsDecideDifferently, GATHER_FLOORS, GatherFloorTuner } from './gather-floor-tuner.js';

/**
 * The floor a connection starts with: adaptive mode gathers with fewer commands in flight than
 * this only once its tuner found that the lower floor does better on this machine.
 */
export const GATHER_FROM_IN_FLIGHT = GATHER_FLOORS[0];

/**
 * The part of the last burst that leaves at once before the rest is gathered: the first third
 * keeps the server busy while the callers behind it gather into one write.
 */
export const BURST_SENT_AT_ONCE = 1 / 3;

/**
 * Adaptive mode gathers once this many commands are in flight: a third of the last burst
 * (`lastBurst`: the most commands in flight during the previous burst), and never fewer than
 * `floor`. Chosen from ad-hoc interleaved runs of one connection against plain ioredis on an
 * Intel Xeon × 2 machine: a fixed threshold did best at about a third of the callers (8 or more
 * at 10 callers, 16 at 50, 64 at 200). Below about 22 in flight the floor decides, and there the
 * best floor depends on the processor (see gather-floor-tuner.ts). What the default gives, by
 * bench run: docs/benchmarks.md. Pure.
 */
export function gatherThreshold(lastBurst: number, floor = GATHER_FROM_IN_FLIGHT): number {
  return Math.max(floor, burstShare(lastBurst));
}

/** The part of the last burst that leaves at once. Pure. */
export function burstShare(lastBurst: number): number {
  return Math.ceil(lastBurst * BURST_SENT_AT_ONCE);
}

/** Whether to gather the writes of this tick, from the command about to be written. Pure. */
export function shouldGather(
  mode: CoalesceWrites,
  unanswered: number,
  isGathering: boolean,
  threshold = GATHER_FROM_IN_FLIGHT,
): boolean {
  if (isGathering || mode === false) return false;
  return mode === true || unanswered >= threshold;
}

/**
 * The bursts of one connection: the most commands in flight during the last burst. A burst
 * ends when a command finds fewer in flight than the one before it (replies came meanwhile).
 */
export class BurstTracker {
  /** The most in flight during the last finished burst. */
  lastBurst = 0;
  private current = 0;
  private previous = 0;

  /** Notes a command about to be written with `unanswered` in flight. */
  note(unanswered: number): void {
    if (unanswered < this.previous) {
      this.lastBurst = this.current;
      this.current = 0;
    }
    if (unanswered > this.current) this.current = unanswered;
    this.previous = unanswered;
  }
}

/** A socket's own `write`. */
type SocketWrite = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

/** Each socket's own `write`, kept when the coalescer routes `socket.write` through itself. */
const ownWrites = new WeakMap<Socket, SocketWrite>();

/**
 * The gathering state of one connection. While it gathers, the command strings ioredis writes
 * are appended to one string, written once at the end of the tick: one `write` of one string,
 * where corking the socket would make Node buffer a request per command and hand them all to
 * `writev`, which costs more CPU per command (an ad-hoc socket measurement, not yet a bench).
 * A Buffer (a command with Buffer arguments), or a write with an encoding or a callback, is
 * written as it comes, after what was gathered before it: the wire keeps the order of writes.
 */
export class WriteCoalescer {
  /** The socket gathering now (until the end of the tick), and what it gathered. */
  private gathering: Socket | undefined;
  private pending = '';
  /** One function per connection: gathering allocates nothing per tick. */
  private readonly flush = (): void => {
    const socket = this.gathering;
    const data = this.pending;
    this.gathering = undefined;
    this.pending = '';
    // A socket ended or destroyed meanwhile (moving off): its commands fail as lost when it
    // closes, as written ones do.
    if (socket !== undefined && data !== '' && socket.writable) ownWrites.get(socket)?.call(socket, data);
  };

  private readonly bursts = new BurstTracker();
  /** Adaptive mode only: the floor of its threshold. */
  private readonly tuner: GatherFloorTuner | undefined;

  /**
   * `onFloorSwitch`: adaptive mode chose another floor (for debug logs). `now`: the tuner's clock
   * (tests).
   */
  constructor(
    private readonly mode: CoalesceWrites,
    onFloorSwitch?: (floor: number, previous: number) => void,
    now?: () => number,
  ) {
    this.tuner = mode === 'adaptive' ? new GatherFloorTuner(now, onFloorSwitch) : undefined;
  }

  /** @internal The floor adaptive mode gathers from now (undefined in the other modes). */
  get gatherFloor(): number | undefined {
    return this.tuner?.floor;
  }

  /** Call before a command is written on `socket`, with the number of commands in flight. */
  beforeWrite(socket: Socket, unanswered: number): void {
    const { bursts, tuner } = this;
    let threshold = GATHER_FROM_IN_FLIGHT;
    // Only adaptive mode reads the bursts and tunes: the others pay nothing for them.
    if (tuner !== undefined) {
      bursts.note(unanswered);
      const { lastBurst } = bursts;
      tuner.count(floorsDecideDifferently(unanswered, burstShare(lastBurst)));
      threshold = gatherThreshold(lastBurst, tuner.floor);
    }
    if (!shouldGather(this.mode, unanswered, this.gathering !== undefined, threshold)) return;
    if (!ownWrites.has(socket)) this.intercept(socket);
    this.gathering = socket;
    process.nextTick(this.flush);
  }

  /** Routes `socket.write` through this coalescer's gathering (once per socket). */
  private intercept(socket: Socket): void {
    const own = socket.write as SocketWrite;
    ownWrites.set(socket, own);
    const coalescer = this;
    socket.write = function (this: Socket, chunk: unknown, encoding?: unknown, callback?: unknown) {
      if (coalescer.gathering === this) {
        if (typeof chunk === 'string' && encoding === undefined && callback === undefined) {
          coalescer.pending += chunk;
          return true;
        }
        // Anything else leaves now, after what was gathered before it.
        if (coalescer.pending !== '') {
          own.call(this, coalescer.pending);
          coalescer.pending = '';
        }
      }
      return own.call(this, chunk, encoding, callback);
    } as Socket['write'];
  }
}
