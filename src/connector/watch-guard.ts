/**
 * WATCH across a reconnect. Redis forgets a connection's WATCH when its socket closes; ioredis
 * reconnects (a failover, a dropped socket) without saying so, and an EXEC sent afterwards runs
 * on the new socket with nothing watched: the transaction would apply unguarded. The guard
 * remembers the socket each pending WATCH was written on; an EXEC about to be written on another
 * socket is replaced by a DISCARD (which ends the MULTI the server may be in: the queued commands
 * are not applied) and rejects with WatchLostError.
 *
 * Dedicated connections only: WATCH is refused on the shared pools.
 */
import { Command, type Redis } from 'ioredis';
import { WatchLostError } from '../command-errors.js';

/** What the guard knows of the connection's pending WATCH. */
export interface WatchState {
  /** The socket the pending WATCH was written on, or undefined when nothing is watched. */
  readonly watchedOn: object | undefined;
  /** A WATCH was pending on an earlier socket: its keys are no longer watched. */
  readonly isLost: boolean;
}

/** Nothing watched. */
export const NOT_WATCHING: WatchState = { watchedOn: undefined, isLost: false };

/** The guard's decision for a command about to be written. */
export interface WatchStep {
  next: WatchState;
  /** An EXEC whose WATCH was lost: send DISCARD instead and fail it with WatchLostError. */
  isRefused: boolean;
}

/** Commands after which the server watches nothing on the connection. */
const ENDS_WATCH = new Set(['exec', 'discard', 'unwatch', 'reset']);

/**
 * What writing `command` (lower case) on `socket` does to the watch state (pure). `socket` is
 * only compared by identity.
 */
export function stepWatch(state: WatchState, command: string, socket: object): WatchStep {
  const isOnOtherSocket = state.watchedOn !== undefined && state.watchedOn !== socket;
  if (command === 'watch') {
    return { next: { watchedOn: socket, isLost: state.isLost || isOnOtherSocket }, isRefused: false };
  }
  if (ENDS_WATCH.has(command)) {
    return { next: NOT_WATCHING, isRefused: command === 'exec' && (state.isLost || isOnOtherSocket) };
  }
  return { next: state, isRefused: false };
}

/** The watch state of one dedicated connection. */
export class WatchGuard {
  private state: WatchState = NOT_WATCHING;

  /** Installs the guard on `redis`; `where` names the server for messages. */
  constructor(
    private readonly redis: Redis,
    private readonly where: () => string,
  ) {
    const send = redis.sendCommand;
    const guard = this;
    redis.sendCommand = function (this: Redis, command, stream) {
      const socket = guard.writableSocket();
      // A command that cannot be written now goes to ioredis's offline queue, and comes back
      // through here when the next socket is ready.
      if (socket === undefined) return send.call(this, command, stream);
      const step = stepWatch(guard.state, command.name.toLowerCase(), socket);
      guard.state = step.next;
      if (!step.isRefused) return send.call(this, command, stream);
      // Written where the EXEC would have been (inside a pipeline's batched write too).
      const discard = new Command('discard');
      discard.promise.catch(() => {});
      send.call(this, discard, stream);
      command.reject(new WatchLostError(guard.where()));
      return command.promise;
    };
  }

  /** Whether a WATCH is pending (its keys may or may not still be watched). */
  get isWatching(): boolean {
    return this.state.watchedOn !== undefined;
  }

  /**
   * The socket a command handed to ioredis now is written on, or undefined when ioredis would
   * queue it (no socket, or one not ready). Before `ready`, ioredis writes some commands (EXEC
   * and WATCH among them, flagged `loading`) on a connected socket: they count as written.
   */
  private writableSocket(): object | undefined {
    const { status, stream } = this.redis;
    if (status !== 'ready' && status !== 'connect') return undefined;
    return stream?.writable === true ? stream : undefined;
  }
}
