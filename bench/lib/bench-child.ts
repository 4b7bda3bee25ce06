/**
 * A benchmark child process (`node --import tsx <script> …args`) with an IPC channel, and the
 * parent's guarantee that none outlives it: every live child is SIGKILLed when the parent exits,
 * however it exits (see `killAllChildren`, called from run.ts on Ctrl-C and errors).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { withTimeout } from './clock.js';

/** What children and parents send each other: `{ type, …payload }`. */
export interface BenchMessage {
  type: string;
  [key: string]: unknown;
}

const STDERR_TAIL_LINES = 30;
/** BENCH_CHILD_STDERR=1 forwards the children's stderr (with DEBUG=redis-sentinel-pool:* for instance). */
const FORWARD_STDERR = process.env.BENCH_CHILD_STDERR === '1';
const live = new Set<ChildProcess>();

/** SIGKILLs every child still running (synchronous: safe in an `exit` handler). */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

process.on('exit', killAllChildren);

export class BenchChild {
  readonly #process: ChildProcess;
  readonly #inbox: BenchMessage[] = [];
  readonly #stderr: string[] = [];
  readonly #exited: Promise<number | null>;
  #wake: (() => void) | undefined;
  #exitCode: number | null | undefined;

  constructor(script: string, args: string[], execArgv: string[] = []) {
    this.#process = fork(script, args, {
      execArgv: ['--import', 'tsx', ...execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    live.add(this.#process);
    this.#process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (FORWARD_STDERR) process.stderr.write(chunk);
      this.#stderr.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
      this.#stderr.splice(0, Math.max(0, this.#stderr.length - STDERR_TAIL_LINES));
    });
    this.#process.on('message', (message: BenchMessage) => {
      this.#inbox.push(message);
      this.#wake?.();
    });
    this.#exited = new Promise((resolve) => {
      this.#process.on('exit', (code) => {
        live.delete(this.#process);
        this.#exitCode = code;
        this.#wake?.();
        resolve(code);
      });
    });
  }

  /** The last lines the child wrote to stderr. */
  get stderrTail(): string {
    return this.#stderr.join('\n');
  }

  send(message: BenchMessage): void {
    if (this.#process.connected) this.#process.send(message);
  }

  /**
   * The next message of one of `types` (earlier messages of other types are dropped). Rejects if
   * the child reports `{ type: 'fatal' }`, exits first, or after `timeoutMs`.
   */
  next(types: string | readonly string[], timeoutMs: number): Promise<BenchMessage> {
    const wanted = typeof types === 'string' ? [types] : types;
    const wait = async (): Promise<BenchMessage> => {
      for (;;) {
        const message = this.#inbox.shift();
        if (message?.type === 'fatal') throw new Error(`child failed: ${String(message.error)}`);
        if (message !== undefined && wanted.includes(message.type)) return message;
        if (message !== undefined) continue;
        if (this.#exitCode !== undefined) {
          throw new Error(
            `child exited (code ${this.#exitCode}) before "${wanted.join('|')}":\n${this.stderrTail}`,
          );
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    };
    return withTimeout(wait(), timeoutMs, `child did not send "${wanted.join('|')}"`);
  }

  /** Waits up to `graceMs` for the child to exit, then SIGKILLs it. */
  async close(graceMs: number): Promise<void> {
    if (this.#exitCode !== undefined) return;
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGKILLs the child at once. */
  async kill(): Promise<void> {
    if (this.#exitCode === undefined) this.#process.kill('SIGKILL');
    await this.#exited;
  }
}
