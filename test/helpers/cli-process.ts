/**
 * The built command line (`dist/esm/cli/main.js`) as a child process, for tests: run it to the
 * end (`runCli`), or start a long-running command and wait for lines of its output
 * (`startCli`). Every wait has a deadline; a child still running at the deadline is SIGKILLed.
 * Colours are off (`NO_COLOR`), as in any pipe.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** The built CLI; `npm test` builds before it tests. */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'esm', 'cli', 'main.js');

/** What a finished run printed and returned. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A running CLI process and what it printed so far. */
export class CliProcess {
  stdout = '';
  stderr = '';
  private readonly startedAt = performance.now();
  private readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    this.exited.then(() => this.notify());
  }

  private notify(): void {
    for (const waiter of this.waiters) waiter();
  }

  /**
   * Resolves with the first line of `stream` that `predicate` accepts; rejects when the process
   * ends without one, or after `timeoutMs` (with what was printed, to see why).
   */
  waitForLine(
    stream: 'stdout' | 'stderr',
    predicate: (line: string) => boolean,
    timeoutMs: number,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      let isExited = false;
      const check = () => {
        const line = this[stream].split('\n').find(predicate);
        if (line !== undefined) return finish(() => resolve(line));
        if (isExited || this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(() => reject(new Error(`the CLI exited without the line:\n${this.describe()}`)));
        }
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no such line within ${timeoutMs} ms:\n${this.describe()}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.exited.then(() => {
        isExited = true;
      });
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the exit (SIGKILL after `timeoutMs`) and returns the result. */
  async result(timeoutMs: number): Promise<CliResult> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      const [code, signal] = await this.exited;
      return {
        code,
        signal,
        stdout: this.stdout,
        stderr: this.stderr,
        ms: performance.now() - this.startedAt,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` and waits for the exit as {@link result} does. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<CliResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.result(timeoutMs);
  }

  /** What was printed, for assertion messages. */
  describe(): string {
    return `--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`;
  }
}

/** Starts `node dist/esm/cli/main.js ...args`. */
export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new CliProcess(child);
}

/** Runs the CLI to the end (SIGKILL after `timeoutMs`). */
export function runCli(args: readonly string[], timeoutMs = 20_000): Promise<CliResult> {
  return startCli(args).result(timeoutMs);
}
