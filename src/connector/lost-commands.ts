/**
 * Commands a dead or unreadable stream leaves unanswered are ambiguous: the server may have run
 * them. ioredis 6 would resend them (`autoResendUnfulfilledCommands`), applying a write twice,
 * or, with that off, leave their promises pending forever (or, on a parser error, reject them
 * with a plain Error). Here they fail with a ConnectionLostError (`maybeApplied`), and the pool
 * decides what to retry.
 */
import { type Redis, ReplyError } from 'ioredis';
import { ConnectionLostError } from '../command-errors.js';
import { onFatalError, takeUnanswered } from './ioredis-internals.js';

/** Commands whose loss a dedicated connection answers by sending them again (see pool-connection.ts). */
const RESENT_WHEN_LOST = new Set(['publish', 'spublish']);

/** Whether a command lost with its socket is sent again after the reconnect (PUBLISH, SPUBLISH). */
export function isResentWhenLost(name: string): boolean {
  return RESENT_WHEN_LOST.has(name.toLowerCase());
}

/**
 * Rejects every command written on `redis` and not answered; `where` names the server. Those
 * `resend` accepts are handed back to ioredis instead, which queues them for the reconnect (the
 * connection must keep an offline queue: dedicated connections do).
 */
export function failUnansweredAsLost(
  redis: Redis,
  where: string,
  cause?: Error,
  resend?: (name: string) => boolean,
): void {
  for (const command of takeUnanswered(redis)) {
    const name = String(command.name ?? 'command');
    if (resend?.(name)) {
      redis.sendCommand(command);
      continue;
    }
    command.reject(
      new ConnectionLostError(
        name,
        true,
        `Connection to ${where} lost while "${name}" was in flight: it may or may not have been applied`,
        cause ? { cause } : undefined,
      ),
    );
  }
}

/**
 * A reply ioredis cannot parse (bytes that are not RESP: a broken proxy or network device) is
 * fatal for the stream. ioredis 6 then rejects every unanswered command with its parser's plain
 * `Error('Unknown RESP type …. Please report this.')` and ends the socket gracefully; instead,
 * `onCorrupt` runs (it fails them as lost and destroys the socket: nothing more is read from a
 * stream that cannot be trusted).
 *
 * ioredis reports more than parser errors this way: a server that refuses the handshake (AUTH,
 * HELLO, SELECT) answers with a ReplyError, which keeps ioredis's own handling. Commands waiting
 * in the offline queue (dedicated connections) were never sent: they stay for the reconnect.
 */
export function failCorruptStreamsAsLost(redis: Redis, onCorrupt: (error: Error) => void): void {
  onFatalError(redis, (error, ioredisDefault) => {
    if (error instanceof ReplyError) return ioredisDefault();
    onCorrupt(error);
  });
}
