/**
 * What a pool knows of a refusal that waiting does not fix (a wrong password, an unknown master
 * name…; see failure-classification.ts): the verdict of the last failed connect attempt, cleared when a
 * connection opens, and the borrowers in `acquire()` that such a verdict fails at once instead of
 * after `acquireTimeout`.
 */
import { formatAddress } from '../address.js';
import type { PoolConnection } from '../connector/pool-connection.js';
import { debugFor } from '../debug.js';
import { failureShape, refusalError } from '../failure-classification.js';

const log = debugFor('pool');

interface Borrower {
  /** When it started waiting (`performance.now()`). */
  since: number;
  reject(error: Error): void;
}

/** The refusal verdict of one pool. */
export class RefusalWatch {
  private verdict: Error | undefined;
  private readonly borrowers = new Set<Borrower>();
  /** How each connection's last attempt failed (failureShape): some failures count on a repeat. */
  private lastFailures = new WeakMap<PoolConnection, string>();

  constructor(
    private readonly masterName: string,
    private readonly label: string,
  ) {}

  /** The error of the last definitive refusal, until a connection opens. */
  get refusal(): Error | undefined {
    return this.verdict;
  }

  /**
   * A connect attempt of `connection` failed with `error`. Returns the typed error when waiting
   * will not fix it (and fails the borrowers waiting since before that attempt), else undefined.
   */
  judge(connection: PoolConnection, error: Error, attemptStartedAt: number): Error | undefined {
    const address = connection.address && formatAddress(connection.address);
    const shape = failureShape(error.message);
    const isRepeated = this.lastFailures.get(connection) === shape;
    this.lastFailures.set(connection, shape);
    const refusal = refusalError(
      error,
      { masterName: this.masterName, label: this.label, address },
      { isRepeated },
    );
    if (!refusal) return undefined;
    if (!this.verdict) log('%s: waiting will not help: %s', this.label, refusal.message);
    this.verdict = refusal;
    for (const borrower of this.borrowers) {
      if (borrower.since < attemptStartedAt) borrower.reject(refusal);
    }
    return refusal;
  }

  /** A connection opened: the configuration works (again). */
  clear(): void {
    this.verdict = undefined;
    // A failure before this open and one after it are no repeat.
    this.lastFailures = new WeakMap();
  }

  /**
   * Settles with `lending`, or rejects earlier with a definitive refusal of an attempt that
   * started after this call. What `lending` yields after such a rejection goes to `giveBack`.
   */
  guard<T>(lending: Promise<T>, giveBack: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let isSettled = false;
      const borrower: Borrower = {
        since: performance.now(),
        reject: (error) => {
          isSettled = true;
          this.borrowers.delete(borrower);
          reject(error);
        },
      };
      this.borrowers.add(borrower);
      lending.then(
        (value) => {
          this.borrowers.delete(borrower);
          if (isSettled) giveBack(value);
          else resolve(value);
        },
        (error: unknown) => {
          this.borrowers.delete(borrower);
          if (!isSettled) reject(error);
        },
      );
    });
  }
}
