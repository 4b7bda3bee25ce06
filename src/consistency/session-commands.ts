/**
 * The two faces of a session, with every command method: `session.master` (writes the session
 * tracks) and `session.replica` (reads served only by servers that have the session's writes).
 */
import type { Redis } from 'ioredis';
import type { Batch, BatchResult } from '../commands/command-batch.js';
import { CommandBatch } from '../commands/command-batch.js';
import { installCommandMethods } from '../commands/command-methods.js';
import type { MasterPoolCommands, ReplicaPoolCommands } from '../commands/pool-commands.js';
import type { Session } from './session.js';

/** `session.master`: the master pool's commands, tracking the session's writes. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the command methods exist at run time
export class SessionMaster {
  constructor(private readonly session: Session) {}

  /** @internal */
  sendCommand(method: string, args: unknown[]): Promise<unknown> {
    return this.session.context.master.sendCommand(method, args, this.session.trackWrites);
  }

  /** @internal */
  runBatch(commands: unknown[][], transaction: boolean): Promise<BatchResult> {
    return this.session.context.master.runBatch(commands, transaction, this.session.trackWrites);
  }

  /** A pipeline whose writes the session tracks. */
  pipeline(commands?: unknown[][]): Batch {
    return new CommandBatch(this, false, commands) as unknown as Batch;
  }

  /** A transaction whose writes the session tracks. */
  multi(commands?: unknown[][]): Batch {
    return new CommandBatch(this, true, commands) as unknown as Batch;
  }

  /** A dedicated master connection (its writes are not tracked by the session). */
  withConnection<T>(fn: (connection: Redis) => Promise<T> | T): Promise<T> {
    return this.session.context.master.withConnection(fn);
  }
}
export interface SessionMaster extends MasterPoolCommands {}

/** `session.replica`: the replica pool's commands, served only by caught-up servers. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the command methods exist at run time
export class SessionReplica {
  constructor(private readonly session: Session) {}

  /** @internal */
  sendCommand(method: string, args: unknown[]): Promise<unknown> {
    const { master, replica } = this.session.context;
    return this.session.readConsistently(
      (wrap) => replica.sendCommand(method, args, wrap),
      () => master.sendCommand(method, args),
    );
  }

  /** @internal */
  runBatch(commands: unknown[][], transaction: boolean): Promise<BatchResult> {
    const { master, replica } = this.session.context;
    return this.session.readConsistently(
      (wrap) => replica.runBatch(commands, transaction, wrap),
      () => master.runBatch(commands, transaction),
    );
  }

  /** A pipeline of reads, served by one caught-up server. */
  pipeline(commands?: unknown[][]): Batch {
    return new CommandBatch(this, false, commands) as unknown as Batch;
  }

  /** A dedicated replica connection (not checked against the session's position). */
  withConnection<T>(fn: (connection: Redis) => Promise<T> | T): Promise<T> {
    return this.session.context.replica.withConnection(fn);
  }
}
export interface SessionReplica extends ReplicaPoolCommands {}

installCommandMethods(
  SessionMaster.prototype,
  (self: SessionMaster, method, args) => self.sendCommand(method, args),
  'reject',
);
installCommandMethods(
  SessionReplica.prototype,
  (self: SessionReplica, method, args) => self.sendCommand(method, args),
  'reject',
);
