/**
 * `HostProcess`: application code running on one host of a namespace-mode topology: a Node.js
 * child process started with `ip netns exec <namespace> node …`, so that every socket it opens is
 * on that host's side of a partition. `ip netns exec` replaces itself with the program, so the
 * PID is the program's and signals reach it. It has an IPC channel (`process.send()` in the
 * child) and its stdout/stderr are kept for error messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { debugFor } from '../../debug.js';
import { TopologyError } from '../../errors.js';

const log = debugFor('testing');

/** How much of the child's output is kept for messages. */
const OUTPUT_LIMIT = 64 * 1024;

/** Options of `LocalTopology.runOnHost()`. */
export interface RunOnHostOptions {
  /**
   * Environment of the child.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Arguments for Node.js before the script (e.g. `['--import', 'tsx']` to run TypeScript).
   * @default process.execArgv
   */
  execArgv?: readonly string[];
}

/** How a host process ended. */
export interface HostProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A Node.js process on one host. */
export class HostProcess {
  /** The host it runs on. */
  readonly host: string;
  /** The child process (IPC: `child.send()`, `child.on('message')`). */
  readonly child: ChildProcess;
  /** Resolves when it exited. */
  readonly exited: Promise<HostProcessExit>;
  #output = '';
  #hasExited = false;

  /** @param prefix the command and arguments that run a program on the host (`ip netns exec NS`) */
  constructor(
    host: string,
    prefix: [string, string[]],
    script: string,
    args: readonly string[],
    options: RunOnHostOptions,
  ) {
    this.host = host;
    const [command, prefixArgs] = prefix;
    const node = [...(options.execArgv ?? process.execArgv), script, ...args];
    this.child = spawn(command, [...prefixArgs, process.execPath, ...node], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#hasExited = true;
        log('process %d on %s exited (%s)', this.child.pid, host, signal ?? `code ${code}`);
        resolve({ code, signal });
      });
      this.child.once('error', (error) => {
        this.#hasExited = true;
        this.#output += `\nspawn error: ${error.message}`;
        resolve({ code: null, signal: null });
      });
    });
    log('process %d on %s: %s', this.child.pid, host, script);
  }

  /** The PID while it runs. */
  get pid(): number | undefined {
    return this.#hasExited ? undefined : this.child.pid;
  }

  /** The last 64 KiB of its stdout and stderr. */
  get output(): string {
    return this.#output;
  }

  /**
   * Resolves with the next IPC message that satisfies `predicate`; rejects with
   * {@link TopologyError} (with its output) if it exits first or after `timeoutMs`.
   */
  waitForMessage<T>(predicate: (message: unknown) => message is T, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if (!predicate(message)) return;
        done();
        resolve(message);
      };
      const fail = (why: string) => (): void => {
        done();
        reject(
          new TopologyError(`process on ${this.host} ${why}; its output:\n${this.#output.slice(-4000)}`),
        );
      };
      const onExit = fail('exited before the expected message');
      const timer = setTimeout(fail(`sent no expected message within ${timeoutMs} ms`), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      if (this.#hasExited) onExit();
    });
  }

  /** SIGKILLs it (by PID) and resolves once it exited. */
  async kill(): Promise<void> {
    if (!this.#hasExited) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** For an exit hook: SIGKILL without waiting. */
  killSync(): void {
    if (this.#hasExited) return;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  toString(): string {
    return `process ${this.child.pid ?? '?'} on ${this.host}`;
  }
}

/** Throws unless `script` is a non-empty string (a path or module to run with Node.js). */
export function assertScript(script: unknown): asserts script is string {
  if (typeof script !== 'string' || script.length === 0) {
    throw new TopologyError('runOnHost(): script must be the path of a Node.js script');
  }
}
