/**
 * Coalesces the socket writes of one event-loop tick into one syscall: cork the socket at the
 * first command of the tick, uncork on the next tick. ioredis writes each command separately;
 * under concurrency that is most of its CPU cost. (Opt-in: `coalesceWrites`.)
 */
import type { Socket } from 'node:net';

/** The corking state of one connection. */
export class WriteCoalescer {
  private isCorked = false;

  /** Corks `socket` until the next tick, unless it already is. */
  cork(socket: Socket): void {
    if (this.isCorked) return;
    this.isCorked = true;
    socket.cork();
    process.nextTick(() => {
      this.isCorked = false;
      socket.uncork();
    });
  }
}
