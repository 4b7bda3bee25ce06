/**
 * Ctrl-C as an event to wait on. While a command listens, SIGINT and SIGTERM no longer kill the
 * process at once: the command stops what it started and exits by itself. A second signal exits
 * at once (the testing kit's exit hook still SIGKILLs any redis-server left).
 */

/** A pending interrupt; `dispose()` restores the default signal handling. */
export interface Interrupt {
  /** Resolves with the signal at the first SIGINT or SIGTERM. */
  readonly promise: Promise<NodeJS.Signals>;
  /** An AbortSignal aborted at the same moment, for APIs that take one. */
  readonly signal: AbortSignal;
  readonly isInterrupted: () => boolean;
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Exit code of a command stopped by a signal (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;

/** Starts listening for SIGINT and SIGTERM. */
export function waitForInterrupt(): Interrupt {
  const controller = new AbortController();
  let resolve: (signal: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((r) => {
    resolve = r;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    controller.abort(new Error(`interrupted by ${signal}`));
    resolve(signal);
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  return {
    promise,
    signal: controller.signal,
    isInterrupted: () => controller.signal.aborted,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, onSignal);
    },
  };
}
