/**
 * How a recorded pipeline or transaction runs on one connection, and what its replies mean for
 * the pool: a batch that lost its connection midway is one lost command; one whose every write
 * a demoted master refused applied nothing and is resent whole.
 */
import type { Redis } from 'ioredis';
import { type BatchResult, lostBatchError } from '../commands/command-batch.js';
import { classifyFailure } from '../failure-classification.js';
import type { Invoker } from './job.js';

/**
 * Runs `commands` as a pipeline (or MULTI/EXEC) holding `writeCount` writes. With
 * `rediscoverOnReadonly` (master pools), a pipeline whose every write got READONLY fails with
 * that error, for the pool to resend; otherwise those replies stay in the results.
 */
export function batchInvoker(
  commands: unknown[][],
  isTransaction: boolean,
  writeCount: number,
  rediscoverOnReadonly: boolean,
): Invoker {
  return async (redis: Redis) => {
    const batch = isTransaction
      ? redis.multi(commands as string[][])
      : redis.pipeline(commands as string[][]);
    const results: BatchResult = await batch.exec().catch((error: unknown) => {
      // A transaction a demoted master refused: EXEC aborted, nothing applied.
      throw (isTransaction && readonlyCause(error)) || error;
    });
    const lost = lostBatchError(results);
    if (lost) throw lost;
    // A pipeline whose every write a demoted master refused applied nothing: resend it whole.
    if (!rediscoverOnReadonly) return results;
    const refused = results?.filter(([error]) => error && classifyFailure(error) === 'rediscover');
    if (refused && refused.length > 0 && refused.length === writeCount) throw refused[0]![0];
    return results;
  };
}

/** The READONLY error behind an EXECABORT, if that is why a transaction was aborted. */
function readonlyCause(error: unknown): Error | undefined {
  const previous = (error as { previousErrors?: unknown[] } | undefined)?.previousErrors;
  if (!(error instanceof Error) || !error.message.startsWith('EXECABORT') || !Array.isArray(previous))
    return undefined;
  return previous.find((e): e is Error => e instanceof Error && classifyFailure(e) === 'rediscover');
}
