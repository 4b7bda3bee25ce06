/**
 * A load for downstream-library tests: runs `step(i)` one call after another, with a short pause
 * between calls, until `stop()`, `maxSteps` or `maxMs`. Counts resolved steps and keeps errors.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link BoundedLoop}. */
export interface BoundedLoopOptions {
  /** @default 100_000 */
  maxSteps?: number;
  /** @default 60_000 */
  maxMs?: number;
  /** Pause between two steps, in ms. @default 1 */
  pauseMs?: number;
}

/** See the module comment. */
export class BoundedLoop {
  /** The indexes of the steps that resolved, in order. */
  readonly resolved: number[] = [];
  /** When each step of {@link resolved} resolved (`performance.now()`), in the same order. */
  readonly resolvedAt: number[] = [];
  readonly errors: Error[] = [];
  private isStopped = false;
  private readonly done: Promise<void>;

  constructor(step: (i: number) => Promise<unknown>, options: BoundedLoopOptions = {}) {
    const { maxSteps = 100_000, maxMs = 60_000, pauseMs = 1 } = options;
    const deadline = performance.now() + maxMs;
    this.done = (async () => {
      for (let i = 0; i < maxSteps && !this.isStopped && performance.now() < deadline; i++) {
        try {
          await step(i);
          this.resolved.push(i);
          this.resolvedAt.push(performance.now());
        } catch (error) {
          this.errors.push(error instanceof Error ? error : new Error(`rejected: ${JSON.stringify(error)}`));
        }
        await sleep(pauseMs);
      }
    })();
  }

  /** Stops starting steps; resolves once the last one settled. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.done;
  }
}
