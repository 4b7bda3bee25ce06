/**
 * What a pool does with a command that failed (pure): send it again, send it again once
 * discovery has looked, send it again after a pause, hand it to the pool's fallback, or fail.
 *
 * A command is sent again only when that cannot apply it twice: ioredis never wrote it, or it is
 * a read whose connection died, or a demoted master refused it (READONLY: not applied), or the
 * server refused it for now (NOREPLICAS, LOADING, MASTERDOWN, BUSY, TRYAGAIN: not run). A write
 * whose connection died is ambiguous: it fails with ConnectionLostError unless `retryWrites`.
 */

import { ConnectionLostError } from '../command-errors.js';
import { SentinelPoolError } from '../errors.js';
import { asConnectionLost, classifyFailure, type FailureAction } from '../failure-classification.js';
import type { Job } from './job.js';

/** How often one command may be sent after lost connections or a stale server. */
export const MAX_ATTEMPTS = 5;

/** The first pause before resending a command refused for now; each next one doubles. */
export const RETRY_LATER_FIRST_MS = 25;
/** The longest such pause. */
export const RETRY_LATER_MAX_MS = 250;

/** What the pool's options and role say about retries. */
export interface RetryRules {
  /** Resend writes whose connection died (`retryWrites`): they may be applied twice. */
  retryWrites: boolean;
  /** READONLY means the server was demoted: ask discovery and resend (master pools). */
  rediscoverOnReadonly: boolean;
  /** How long a command refused for now is resent before the refusal stands, in ms. */
  retryLaterLimit: number;
}

/** The decision for one failure. */
export type RetryDecision =
  /** Queue it again (counts as an attempt). */
  | { action: 'resend' }
  /** The server is not what we took it for: move the connection off, ask discovery, resend. */
  | { action: 'rediscover' }
  /** Refused for now: resend after `ms` (not an attempt). */
  | { action: 'resend-after'; ms: number }
  /** Refused for longer than the limit: the pool's fallback, or `error` to the caller. */
  | { action: 'give-up'; error: unknown }
  /** `error` goes to the caller. */
  | { action: 'fail'; error: unknown };

/** Decides what to do with `job`, which just failed with `error`, at `now` (ms). */
export function decideRetry(
  job: Readonly<Job>,
  error: unknown,
  now: number,
  rules: RetryRules,
): RetryDecision {
  const failure = classifyFailure(error);
  if (job.attempts + 1 >= MAX_ATTEMPTS) return { action: 'fail', error: reportable(job, error, failure) };
  switch (failure) {
    case 'not-sent':
      return { action: 'resend' };
    case 'lost':
      return job.kind === 'read' || rules.retryWrites
        ? { action: 'resend' }
        : { action: 'fail', error: reportable(job, error, failure) };
    case 'rediscover':
      return rules.rediscoverOnReadonly ? { action: 'rediscover' } : { action: 'fail', error };
    case 'retry-later': {
      if (!job.isResendable) return { action: 'fail', error };
      const since = job.refusedSince ?? now;
      if (now - since >= rules.retryLaterLimit) return { action: 'give-up', error };
      return {
        action: 'resend-after',
        ms: Math.min(RETRY_LATER_MAX_MS, RETRY_LATER_FIRST_MS * 2 ** job.refusedCount),
      };
    }
    default:
      return { action: 'fail', error };
  }
}

/**
 * The error the caller gets: server replies and our own errors as they are; ioredis's plain
 * transport errors as a ConnectionLostError that says whether the command may have been applied.
 */
export function reportable(
  job: Readonly<Job>,
  error: unknown,
  failure: FailureAction = classifyFailure(error),
): unknown {
  if (error instanceof SentinelPoolError) return error;
  if (failure === 'not-sent') {
    return new ConnectionLostError(
      job.command,
      false,
      `"${job.command}" was not sent: its connection was lost each time it was tried`,
      { cause: error },
    );
  }
  if (failure === 'lost') return asConnectionLost(job.command, error);
  return error;
}
