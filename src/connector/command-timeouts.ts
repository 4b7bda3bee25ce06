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
import { DeadlineQueue } from '../deadline-queue.js';
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

/** What {@link typeCommandTimeouts} leaves to its caller. */
export interface CommandTimeouts {
  /** Disarms the deadline timer: call once the connection closed (nothing is in flight). */
  stop(): void;
}

/** Installs typed command timeouts on `redis`. */
export function typeCommandTimeouts(redis: Redis, rules: CommandTimeoutRules): CommandTimeouts {
  const expire = (command: Command, name: string, ms: number): void => {
    // Still in ioredis's offline queue (a dedicated connection reconnecting): never sent, and
    // never will be (a settled command is skipped); not a sign that the connection is stuck.
    const wasSent = !isQueuedOffline(redis, command);
    command.reject(new CommandTimeoutError(name, ms, rules.where(), wasSent));
    if (wasSent) rules.onTimeout();
  };
  // Every command of the connection shares one deadline queue and one timer (see
  // deadline-queue.ts), made at the first command with ioredis's `commandTimeout`.
  let deadlines: DeadlineQueue<Command> | undefined;
  const untimed: CommandTimeout = () => {};
  // One function per connection, installed on each command (ioredis calls it as a method): the
  // command path pays a name check and a push.
  const typed: CommandTimeout = function (this: Command, ms: number) {
    // WAIT on a shared connection (durable writes) may take its own timeout argument first.
    const isWait = this.name.length === 4 && this.name.toLowerCase() === 'wait';
    const own = isWait ? Number(this.args[1]) : 0;
    if (own > 0 && Number.isFinite(own)) {
      const total = ms + own;
      armCommandTimer(this, total, () => {
        if (!isSettled(this)) expire(this, 'wait', total);
      });
      return;
    }
    deadlines ??= new DeadlineQueue<Command>(ms, isSettled, (command) =>
      expire(command, command.name.toLowerCase(), ms),
    );
    if (ms !== deadlines.ms) {
      // Another timeout than the connection's (none in this library): a timer of its own.
      armCommandTimer(this, ms, () => {
        if (!isSettled(this)) expire(this, this.name.toLowerCase(), ms);
      });
      return;
    }
    // A command ioredis sends again (from its offline queue) is tracked again: harmless, its
    // first deadline comes first, and a settled command is never expired.
    deadlines.track(this);
  };
  interceptCommandTimeouts(
    redis,
    (command) => (rules.isDedicated && isFlaggedBlocking(command.name) ? untimed : typed),
    // A dedicated connection queues commands while it reconnects: they keep their caller.
    rules.isDedicated,
  );
  return { stop: () => deadlines?.stop() };
}
