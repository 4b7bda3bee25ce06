/**
 * The states of a pool connection, and the only transitions allowed between them (pure):
 *
 * ```
 *   connecting --(socket up, ioredis ready)--> verifying --(ROLE as expected)--> open
 *       ^                                          |                              |
 *       +------(socket lost / role mismatch / moveOff())---------------------------+
 *   any --close()--> closed
 * ```
 */

/** The states of a `PoolConnection`; see the diagram above. */
export type ConnectionState = 'connecting' | 'verifying' | 'open' | 'closed';

const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  connecting: ['verifying', 'closed'],
  verifying: ['open', 'connecting', 'closed'],
  open: ['connecting', 'closed'],
  closed: [],
};

/** Throws on a transition the diagram does not have (a bug in the connection, never input). */
export function checkTransition(previous: ConnectionState, next: ConnectionState): void {
  if (!TRANSITIONS[previous].includes(next)) throw new Error(`illegal transition ${previous} -> ${next}`);
}
