/**
 * What happened to one command on its connection: lost with it, timed out, its WATCH lost, or
 * released unserved. Each says whether the command may have been applied.
 */
import { SentinelPoolError, type SentinelPoolErrorOptions } from './errors.js';

/**
 * The connection died while the command was in flight. For a command that may write,
 * `maybeApplied` is true: the server may or may not have run it, and it was not resent
 * (resending could apply it twice). Read-only commands are retried instead of failing this way.
 */
export class ConnectionLostError extends SentinelPoolError {
  /** Whether the server may have applied the command before the connection was lost. */
  readonly maybeApplied: boolean;
  /** The command name, lower case. */
  readonly command: string;

  constructor(command: string, maybeApplied: boolean, message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_CONNECTION_LOST', message, options);
    this.command = command;
    this.maybeApplied = maybeApplied;
  }
}

/**
 * A command got no answer within `commandTimeout`. The server may be stopped, overloaded or
 * unreachable; it may also still run the command, or have run it, so a write may have been
 * applied (`maybeApplied`, true unless the command was never sent). A shared pool connection is then dropped and made
 * again; a dedicated one is kept until it is released, and then closed rather than lent again.
 */
export class CommandTimeoutError extends SentinelPoolError {
  /** The command name, lower case. */
  readonly command: string;
  /** The timeout that passed, in ms (`commandTimeout`; for WAIT, plus its own timeout). */
  readonly timeoutMs: number;
  /**
   * Whether the server may have run it: true once it was sent; false when it timed out still
   * queued on a dedicated connection that was reconnecting (it is then never sent).
   */
  readonly maybeApplied: boolean;

  constructor(
    command: string,
    timeoutMs: number,
    where: string,
    wasSent = true,
    options?: SentinelPoolErrorOptions,
  ) {
    super(
      'ERR_COMMAND_TIMEOUT',
      wasSent
        ? `"${command}" got no answer from ${where} within ${timeoutMs} ms (commandTimeout): it may or may not have been applied`
        : `"${command}" was not sent: the connection was not ready within ${timeoutMs} ms (commandTimeout), and it never will be sent`,
      options,
    );
    this.command = command;
    this.timeoutMs = timeoutMs;
    this.maybeApplied = wasSent;
  }
}

/**
 * EXEC on a dedicated connection whose WATCH was lost: the socket was replaced (a failover, a
 * dropped connection) after WATCH, and Redis forgets watched keys with the socket. The
 * transaction was discarded, not applied. Start again from WATCH.
 */
export class WatchLostError extends SentinelPoolError {
  constructor(where: string) {
    super(
      'ERR_WATCH_LOST',
      `EXEC refused: the connection to ${where} was replaced after WATCH, so the watched keys were no longer guarded; the transaction was discarded, not applied (WATCH again and retry)`,
    );
  }
}

/**
 * A blocking command (BLPOP, BLMOVE, XREAD BLOCK …) on a dedicated connection was released by
 * the server without being served: the master it waited on became a replica (a failover), or
 * `CLIENT UNBLOCK … ERROR`. Nothing was popped or moved: it is safe to send it again. The
 * server's `-UNBLOCKED …` reply is the `cause`.
 */
export class UnblockedError extends SentinelPoolError {
  /** The command name, lower case. */
  readonly command: string;

  constructor(command: string, where: string, reply: Error) {
    super(
      'ERR_UNBLOCKED',
      `"${command}" was released unserved by ${where} (${reply.message}): nothing was popped or moved, so it is safe to send again`,
      { cause: reply },
    );
    this.command = command;
  }
}
