/**
 * What a chaos scenario checks about the test process itself:
 *
 * - unhandled promise rejections and uncaught exceptions, counted by listeners installed once per
 *   process ({@link installProcessGuard}); a scenario compares two snapshots;
 * - handles left after `quit()`: sockets and timers that exist after the client was closed and
 *   did not exist before it was created ({@link HandleBaseline}).
 */
import type { Socket } from 'node:net';

interface Counters {
  unhandledRejections: number;
  uncaughtExceptions: number;
  first: string[];
}

const counters: Counters = { unhandledRejections: 0, uncaughtExceptions: 0, first: [] };
let isInstalled = false;

/**
 * Counts every unhandled rejection and uncaught exception from now on. With these listeners
 * installed, neither crashes the process: the scenario that saw one fails instead.
 */
export function installProcessGuard(): void {
  if (isInstalled) return;
  isInstalled = true;
  process.on('unhandledRejection', (reason) => {
    counters.unhandledRejections++;
    if (counters.first.length < 5) counters.first.push(`unhandled rejection: ${describe(reason)}`);
  });
  process.on('uncaughtException', (error) => {
    counters.uncaughtExceptions++;
    if (counters.first.length < 5) counters.first.push(`uncaught exception: ${describe(error)}`);
  });
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}\n${value.stack ?? ''}` : String(value);
}

/** The counters as they are now. */
export function processGuardSnapshot(): Readonly<Counters> {
  return { ...counters, first: [...counters.first] };
}

/** The active handles of this process: Node's own list, which `net.Socket`s are part of. */
function activeHandles(): unknown[] {
  const getter = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  return getter ? getter.call(process) : [];
}

function isOpenSocket(handle: unknown): handle is Socket {
  return (
    typeof handle === 'object' &&
    handle !== null &&
    'remotePort' in handle &&
    'destroyed' in handle &&
    !(handle as Socket).destroyed
  );
}

function timerCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * Sockets and timers before a client is created. {@link HandleBaseline.leftOver} then tells what
 * is new after its `quit()`: sockets not in the baseline (minus those `isForeign` claims, such as
 * a test proxy's own) and the growth in the number of timers.
 */
export class HandleBaseline {
  private readonly sockets: Set<unknown>;
  private readonly timers: number;

  constructor() {
    this.sockets = new Set(activeHandles().filter(isOpenSocket));
    this.timers = timerCount();
  }

  /**
   * Open sockets and timers that were not there at the baseline, described. `isForeign` tells
   * sockets of the test's own (a proxy's, the topology kit's) apart from the client's.
   */
  async leftOver(isForeign: (socket: Socket) => boolean | Promise<boolean> = () => false): Promise<string[]> {
    const left: string[] = [];
    for (const handle of activeHandles()) {
      if (!isOpenSocket(handle) || this.sockets.has(handle) || (await isForeign(handle))) continue;
      left.push(`socket to ${handle.remoteAddress}:${handle.remotePort}`);
    }
    const timers = timerCount() - this.timers;
    if (timers > 0) left.push(`${timers} timer(s)`);
    return left;
  }
}
