/**
 * Read-your-writes sessions: `session.master` writes through the shared master pool and learns
 * the replication offset that includes each write (a ROLE pipelined right after it, one per
 * connection per tick); `session.replica` reads from a replica only once that replica has
 * applied the session's writes (session-reads.ts). A session is cheap: create one per request.
 */
import { formatAddress } from '../address.js';
import { parseRole } from '../connector/role.js';
import type { InvokerWrap } from '../pool/job.js';
import {
  encodeToken,
  laterPosition,
  publicPosition,
  type ReplicationPosition,
  type TokenPosition,
} from './position.js';
import { SessionMaster, SessionReplica } from './session-commands.js';
import type { SessionContext, SessionSettings } from './session-context.js';
import { SessionReads } from './session-reads.js';

export type { SessionContext, SessionSettings } from './session-context.js';

/**
 * A position no replica matches: the session wrote, but its offset could not be learned (the
 * connection died right after the write). Its reads go to the master until it writes again.
 */
const UNKNOWN_POSITION: TokenPosition = { master: '?:0', offset: Number.MAX_SAFE_INTEGER };

/** A read-your-writes session on one master group. */
export class Session {
  /** Writes (and any command) through the shared master pool, tracking the session's position. */
  readonly master: SessionMaster;
  /** Reads that see every write of this session (and of the token it started from). */
  readonly replica: SessionReplica;
  private positionValue: TokenPosition | undefined;
  private readonly reads: SessionReads;

  constructor(
    readonly context: SessionContext,
    readonly settings: SessionSettings,
    after: TokenPosition | undefined,
  ) {
    this.positionValue = after;
    this.reads = new SessionReads(context, settings, () => this.positionValue);
    this.master = new SessionMaster(this);
    this.replica = new SessionReplica(this);
  }

  /**
   * Where the session's last write is, or undefined before any. After a write whose offset could
   * not be learned (its connection died), a position no replica reaches: `{ host: '?', port: 0 }`.
   */
  get position(): ReplicationPosition | undefined {
    return this.positionValue && publicPosition(this.positionValue);
  }

  /**
   * The session's position as an opaque string, to hand to another process (an HTTP header,
   * a job): `sentinel.session(name, { after: token })` there sees this session's writes.
   */
  get token(): string {
    return encodeToken(this.positionValue);
  }

  /** @internal */
  advance(position: TokenPosition): void {
    this.positionValue = laterPosition(this.positionValue, position);
  }

  /** @internal Learns the master's offset after every write this command may do. */
  readonly trackWrites: InvokerWrap = (invoke, kind) => {
    if (kind === 'read') return invoke;
    return (redis, connection) => {
      const reply = invoke(redis, connection);
      const role = this.context.role.after(redis);
      // The write's own outcome comes first; a ROLE lost after a write that succeeded leaves
      // the position unknown, so reads go to the master rather than risk a stale replica.
      return reply.then((value) =>
        role.then(
          (roleReply) => {
            const parsed = parseRole(roleReply);
            if (parsed.role === 'master' && connection.address) {
              this.advance({ master: formatAddress(connection.address), offset: parsed.offset });
            } else this.positionValue = UNKNOWN_POSITION;
            return value;
          },
          () => {
            this.positionValue = UNKNOWN_POSITION;
            return value;
          },
        ),
      );
    };
  };

  /**
   * @internal Runs a read where it sees the session's writes (session-reads.ts): a caught-up
   * replica, else the master after `timeoutMs`, or ConsistencyTimeoutError.
   */
  readConsistently<T>(read: (wrap: InvokerWrap) => Promise<T>, fromMaster: () => Promise<T>): Promise<T> {
    return this.reads.readConsistently(read, fromMaster);
  }
}
