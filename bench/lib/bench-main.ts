/**
 * How a benchmark's entry point ends: on Ctrl-C or a kill, every child process first, then exit
 * (LocalTopology's exit hook SIGKILLs every Redis process it started on the way out); on an error,
 * the same after printing it.
 */
import { killAllChildren } from './bench-child.js';

/** Runs `main`, then exits 0; exits 1 on an error and 130 on a signal, children stopped first. */
export function runBenchMain(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every child and Redis process\n`);
      killAllChildren();
      process.exit(130);
    });
  }
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      killAllChildren();
      process.exit(1);
    },
  );
}
