/**
 * A blocked command the server let go without serving it answers `-UNBLOCKED …`: Redis does so
 * when the master it blocks on becomes a replica (a failover: "instance state changed (master ->
 * replica?)") and for `CLIENT UNBLOCK <id> ERROR`. Unlike a lost connection, that is definitive:
 * nothing was popped or moved, so the command may be sent again (on the new master). Dedicated
 * connections turn that reply into an UnblockedError, so that callers can tell it from a
 * ConnectionLostError, which may have popped an element and lost it.
 *
 * Uses public ioredis members only (`sendCommand`, `Command#reject`).
 */

import type { Command, Redis } from 'ioredis';
import { UnblockedError } from '../command-errors.js';
import { isFlaggedBlocking } from '../commands/command-info.js';
import { isUnblockedReply } from '../failure-classification.js';

/** Types the UNBLOCKED replies of blocking commands on `redis`; `where` names the server. */
export function typeUnblockedReplies(redis: Redis, where: () => string): void {
  const send = redis.sendCommand;
  // ioredis hands a command queued while reconnecting to sendCommand again once connected.
  const typed = new WeakSet<Command>();
  redis.sendCommand = function (this: Redis, command, stream) {
    if (!typed.has(command) && isFlaggedBlocking(command.name)) {
      typed.add(command);
      const reject = command.reject;
      command.reject = (error) =>
        reject(
          isUnblockedReply(error) ? new UnblockedError(command.name.toLowerCase(), where(), error) : error,
        );
    }
    return send.call(this, command, stream);
  };
}
