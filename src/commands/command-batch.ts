/**
 * `pool.pipeline()` and `pool.multi()`: commands recorded here and sent together, on one
 * connection, when `exec()` is called. Recording first means a batch never holds a connection
 * while the caller builds it, and can be sent to whichever server is the master at exec time.
 */
import type { ChainableCommander } from 'ioredis';
import { ConnectionLostError } from '../command-errors.js';
import { SentinelConfigError } from '../errors.js';
import { asConnectionLost, classifyFailure } from '../failure-classification.js';
import { checkRecordedCommand, installCommandMethods } from './command-methods.js';

/** Runs a recorded batch on a pool. */
export interface BatchRunner {
  runBatch(commands: unknown[][], transaction: boolean): Promise<BatchResult>;
}

/** The result of `exec()`: one `[error, reply]` per command, as ioredis gives them. */
export type BatchResult = [Error | null, unknown][] | null;

/**
 * A pipeline or transaction being recorded. Has every command method of ioredis's
 * ChainableCommander; each returns the batch, so calls chain.
 */
export class CommandBatch {
  private readonly commands: unknown[][] = [];

  constructor(
    private readonly runner: BatchRunner,
    private readonly transaction: boolean,
    initial?: unknown[][],
    isMethod?: (name: string) => boolean,
  ) {
    if (initial === undefined) return;
    // Checked here, not at exec(): a malformed list is a bug in the call, like a bad argument.
    if (!Array.isArray(initial)) {
      throw new SentinelConfigError(
        `pipeline(commands) and multi(commands) take an array of [method, ...args], got ${typeof initial}`,
      );
    }
    for (const entry of initial) {
      const refused = checkRecordedCommand(entry, isMethod);
      if (refused) throw refused;
      this.commands.push([...(entry as unknown[])]);
    }
  }

  /** How many commands are recorded. */
  get length(): number {
    return this.commands.length;
  }

  /** Sends the recorded commands in one round trip (MULTI/EXEC around them for `multi()`). */
  exec(): Promise<BatchResult> {
    return this.runner.runBatch(this.commands, this.transaction);
  }

  /** @internal */
  record(method: string, args: unknown[]): this {
    this.commands.push([method, ...args]);
    return this;
  }
}

installCommandMethods(CommandBatch.prototype, (self: CommandBatch, method, args) =>
  self.record(method, args),
);

/** The typed face of a batch: ioredis's chainable command methods, plus `exec()`. */
export type Batch = Omit<ChainableCommander, 'exec'> & Pick<CommandBatch, 'exec' | 'length'>;

/**
 * A batch lost its connection midway when one of its replies is a lost-connection or abort
 * error: the whole batch is then ambiguous, and the pool treats it like one command. A batch
 * ioredis refused to write at all comes back as that refusal, which the pool resends.
 */
export function lostBatchError(results: BatchResult): Error | undefined {
  if (!results) return undefined;
  for (const [error] of results) {
    const action = error ? classifyFailure(error) : 'fail';
    // Refused before it was written (the socket had just died): the pool resends it.
    if (action === 'not-sent' || error instanceof ConnectionLostError) return error ?? undefined;
    if (action === 'lost') return asConnectionLost('pipeline', error) as Error;
  }
  return undefined;
}
