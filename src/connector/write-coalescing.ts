/**
 * Gathers the socket writes of one event-loop tick into one syscall. ioredis writes each command
 * on its own, and under concurrency those writes are most of its CPU cost (a profile of 10
 * callers on one connection: about a third of the process's time in `writeUtf8String`).
 *
 * Adaptive (the default): a command leaves at once when the connection has nothing in flight,
 * so a lone caller waits for nothing; while replies are outstanding, the commands issued until
 * the end of the tick (typically the callers that the last burst of replies woke) are corked
 * and leave together when the tick ends. No timer and no fixed delay: the end of the tick is
 * `process.nextTick`, before the event loop polls for I/O again.
 */
import type { Socket } from 'node:net';
import type { CoalesceWrites } from '../options.js';

/** Whether to cork the socket for the command about to be written. Pure. */
export function shouldCork(mode: CoalesceWrites, unanswered: number, isCorked: boolean): boolean {
  if (isCorked || mode === false) return false;
  return mode === true || unanswered > 0;
}

/** The corking state of one connection. */
export class WriteCoalescer {
  private corked: Socket | undefined;
  /** One function per connection: corking allocates nothing per tick. */
  private readonly uncork = (): void => {
    const socket = this.corked;
    this.corked = undefined;
    socket?.uncork();
  };

  constructor(private readonly mode: CoalesceWrites) {}

  /** Call before a command is written on `socket`, with the number of commands in flight. */
  beforeWrite(socket: Socket, unanswered: number): void {
    if (!shouldCork(this.mode, unanswered, this.corked !== undefined)) return;
    this.corked = socket;
    socket.cork();
    process.nextTick(this.uncork);
  }
}
