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
import {
  armCommandTimer,
  type CommandTimeout,
  interceptCommandTimeouts,
  isQueuedOffline,
  isSettled,
} from './ioredis-internals.js';

/** How the timeouts of one connection behave. */
export interface CommandTimeoutRules {
  /** Dedicated connection: blocking commands run untimed (see above). */
  isDedicated: boolean;
  /** The server, for messages (`127.0.0.1:6379`). */
  where: () => string;
  /** A command that was sent timed out. */
  onTimeout: () => void;
}

/** Installs typed command timeouts on `redis`. */
export function typeCommandTimeouts(redis: Redis, rules: CommandTimeoutRules): void {
  const untimed: CommandTimeout = () => {};
  // One function per connection, installed on each command (ioredis calls it as a method): the
  // command path only pays a property check and an assignment.
  const typed: CommandTimeout = function (this: Command, ms: number) {
    const name = this.name.toLowerCase();
    // WAIT on a shared connection (durable writes) may take its own timeout argument first.
    const own = name === 'wait' ? Number(this.args[1]) : 0;
    const total = ms + (Number.isFinite(own) && own > 0 ? own : 0);
    armCommandTimer(this, total, () => {
      if (isSettled(this)) return;
      // Still in ioredis's offline queue (a dedicated connection reconnecting): never sent, and
      // never will be (a settled command is skipped); not a sign that the connection is stuck.
      const wasSent = !isQueuedOffline(redis, this);
      this.reject(new CommandTimeoutError(name, total, rules.where(), wasSent));
      if (wasSent) rules.onTimeout();
    });
  };
  interceptCommandTimeouts(
    redis,
    (command) => (rules.isDedicated && isFlaggedBlocking(command.name) ? untimed : typed),
    // A dedicated connection queues commands while it reconnects: they keep their caller.
    rules.isDedicated,
  );
}
