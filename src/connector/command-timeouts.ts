/**
 * Commands that get no answer within `commandTimeout` reject with a CommandTimeoutError that
 * names the command and the server, not ioredis's plain `Error('Command timed out')`, and say
 * whether they were ever sent; then `onTimeout` runs for a command that was.
 *
 * On a dedicated connection, blocking commands (BLPOP, XREAD BLOCK, WAIT …) are bounded by their
 * own timeout argument instead: ioredis would reject a `BLPOP key 0` after commandTimeout while
 * the server still waits, and an element pushed later would be popped and lost. A dead server
 * still ends them: a failover or a closed socket rejects them with ConnectionLostError.
 */

import type { Command, Redis } from 'ioredis';
import { CommandTimeoutError } from '../command-errors.js';
import { isFlaggedBlocking } from '../commands/command-info.js';
import { TickDeadlines } from '../tick-deadlines.js';
import { armCommandTimer, interceptSends, isQueuedOffline, isSettled } from './ioredis-internals.js';

/** How the timeouts of one connection behave. */
export interface CommandTimeoutRules {
  /** The timeout of every command, in ms (`commandTimeout`); undefined: none. */
  ms: number | undefined;
  /** Dedicated connection: blocking commands run untimed (see above). */
  isDedicated: boolean;
  /** The server, for messages (`127.0.0.1:6379`). */
  where: () => string;
  /** A command that was sent timed out. */
  onTimeout: () => void;
}

/** What {@link typeCommandTimeouts} leaves to its caller. */
export interface CommandTimeouts {
  /** Disarms the deadline timer: call once the connection closed (nothing is in flight). */
  stop(): void;
}

/**
 * Installs typed command timeouts on `redis`, which must not have ioredis's own
 * `commandTimeout` (that would arm a timer per command, the cost this module saves).
 */
export function typeCommandTimeouts(redis: Redis, rules: CommandTimeoutRules): CommandTimeouts {
  const { ms } = rules;
  const expire = (command: Command, total: number): void => {
    // Still in ioredis's offline queue (a dedicated connection reconnecting): never sent, and
    // never will be (a settled command is skipped); not a sign that the connection is stuck.
    const wasSent = !isQueuedOffline(redis, command);
    command.reject(new CommandTimeoutError(command.name.toLowerCase(), total, rules.where(), wasSent));
    if (wasSent) rules.onTimeout();
  };
  // Every command of the connection shares one timer, counting ticks (see tick-deadlines.ts).
  const deadlines =
    ms === undefined
      ? undefined
      : new TickDeadlines<Command>(ms, isSettled, (command) => expire(command, ms));
  interceptSends(
    redis,
    (command) => {
      if (deadlines === undefined) return;
      const { name } = command;
      if (rules.isDedicated && isFlaggedBlocking(name)) return;
      // WAIT on a shared connection (durable writes) may take its own timeout argument first:
      // a timer of its own (a command ioredis sends again keeps the first).
      if (name.length === 4 && name.toLowerCase() === 'wait') {
        const own = Number(command.args[1]);
        if (own > 0 && Number.isFinite(own)) {
          const total = deadlines.ms + own;
          armCommandTimer(command, total, () => {
            if (!isSettled(command)) expire(command, total);
          });
          return;
        }
      }
      // A command ioredis sends again (from its offline queue) is tracked again: harmless, its
      // first deadline comes first, and a settled command is never expired.
      deadlines.track(command);
    },
    // A dedicated connection queues commands while it reconnects: they keep their caller.
    rules.isDedicated,
  );
  return { stop: () => deadlines?.stop() };
}
