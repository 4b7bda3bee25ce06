/**
 * One redis-server or sentinel process of a local topology: its temp dir, its config file (which
 * Redis may rewrite), its log, spawning on a free port, signals and a short-lived client to ask
 * it something. Knows nothing about the rest of the topology.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, rmSync } from 'node:fs';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { debugFor } from '../debug.js';
import { RedisServerNotFoundError, TopologyError } from '../errors.js';
import { findFreePort } from './free-port.js';
import { type Credentials, LOCALHOST, withClient } from './kit-client.js';
import { withReplicaOf } from './node-config.js';

const log = debugFor('testing');

/** Where a node listens. */
export interface NodeAddress {
  /** `'127.0.0.1'`, or in namespace mode the address of the node's host in the test subnet. */
  host: string;
  /** TCP port. */
  port: number;
}

/** The signals the kit sends to its processes. */
export type Signal = 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGTERM';

/** A data node (master or replica) or a sentinel. */
export type NodeKind = 'data' | 'sentinel';

const SPAWN_ATTEMPTS = 5;
const PING_INTERVAL_MS = 20;
const EXIT_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 15;

/**
 * Resolves the redis-server binary: a path, or a name looked up on PATH. Throws
 * {@link RedisServerNotFoundError} when it is not an executable file.
 */
export async function findRedisServer(binary: string): Promise<string> {
  const candidates = binary.includes('/')
    ? [resolve(binary)]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here: try the next directory.
    }
  }
  throw new RedisServerNotFoundError(binary);
}

/** What {@link RedisProcess.launch} needs. */
export interface LaunchOptions {
  binary: string;
  kind: NodeKind;
  /** Ports already given to other nodes. The chosen port is added. */
  takenPorts: Set<number>;
  /** The config lines for a port and temp dir. */
  config: (port: number, dir: string) => string[];
  credentials: Credentials;
  /** The address it binds to. @default '127.0.0.1' */
  host?: string | undefined;
  /**
   * Namespace mode: the command and leading arguments that run it on its host
   * (`ip netns exec NS`); the kit then reaches it through the unix socket `redis.sock` in its dir.
   */
  runVia?: [string, string[]] | undefined;
  /** Strings to blank out of log tails (passwords). */
  secrets: readonly string[];
  timeoutMs: number;
}

/** One redis-server or sentinel process. */
export class RedisProcess {
  readonly kind: NodeKind;
  readonly port: number;
  /** The address it binds to. */
  readonly host: string;
  readonly dir: string;
  /** Namespace mode: the unix socket the kit's clients use. */
  readonly socketPath: string | undefined;
  readonly confPath: string;
  readonly logPath: string;
  readonly outputPath: string;
  readonly #binary: string;
  readonly #runVia: [string, string[]] | undefined;
  readonly #credentials: Credentials;
  readonly #secrets: readonly string[];
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #isStopped = false;
  #hasExited = false;
  #isClosed = false;

  private constructor(options: LaunchOptions, port: number, dir: string) {
    this.kind = options.kind;
    this.port = port;
    this.host = options.host ?? LOCALHOST;
    this.dir = dir;
    this.#runVia = options.runVia;
    this.socketPath = options.runVia === undefined ? undefined : join(dir, 'redis.sock');
    this.confPath = join(dir, options.kind === 'sentinel' ? 'sentinel.conf' : 'redis.conf');
    this.logPath = join(dir, 'redis.log');
    this.outputPath = join(dir, 'output.log');
    this.#binary = options.binary;
    this.#credentials = options.credentials;
    this.#secrets = options.secrets.filter((s) => s.length > 0);
  }

  /**
   * Creates a temp dir, picks a free port, writes the config and starts the process; retries with
   * another port when the chosen one was taken meanwhile. Resolves once the node answers PING.
   */
  static async launch(options: LaunchOptions): Promise<RedisProcess> {
    const dir = await mkdtemp(join(tmpdir(), `redis-sentinel-pool-${options.kind}-`));
    let lastError: unknown;
    for (let attempt = 1; attempt <= SPAWN_ATTEMPTS; attempt++) {
      const port = await findFreePort(options.takenPorts);
      const node = new RedisProcess(options, port, dir);
      await writeFile(node.confPath, `${options.config(port, dir).join('\n')}\n`, { mode: 0o600 });
      // Fresh logs per attempt: the EADDRINUSE check below must not read an earlier attempt's.
      await Promise.all([writeFile(node.logPath, ''), writeFile(node.outputPath, '')]);
      try {
        await node.spawn(options.timeoutMs);
        return node;
      } catch (error) {
        lastError = error;
        options.takenPorts.delete(port);
        await node.kill();
        if (!node.logTail().includes('Address already in use')) break;
        log('%s port %d was taken meanwhile, retrying with another one', options.kind, port);
      }
    }
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }

  /** `host:port` */
  get address(): NodeAddress {
    return { host: this.host, port: this.port };
  }

  /** The PID while the process runs (also while SIGSTOPped), else undefined. */
  get pid(): number | undefined {
    return this.isRunning ? this.#child?.pid : undefined;
  }

  /** Whether the process was spawned and has not exited. */
  get isRunning(): boolean {
    const child = this.#child;
    return child !== undefined && !this.#hasExited && child.exitCode === null && child.signalCode === null;
  }

  /** Whether the process was sent SIGSTOP and no SIGCONT since. */
  get isStopped(): boolean {
    return this.isRunning && this.#isStopped;
  }

  /** Starts the process with its current config file; resolves once it answers PING. */
  async spawn(timeoutMs: number): Promise<void> {
    if (this.#isClosed) throw new TopologyError(`${this} belongs to a stopped topology`);
    if (this.isRunning) throw new TopologyError(`${this} is already running`);
    const output = openSync(this.outputPath, 'a');
    try {
      const args = this.kind === 'sentinel' ? [this.confPath, '--sentinel'] : [this.confPath];
      // `ip netns exec` replaces itself with redis-server: the PID is the server's.
      const [command, prefix] = this.#runVia ?? [this.#binary, []];
      const argv = this.#runVia === undefined ? args : [...prefix, this.#binary, ...args];
      const child = spawn(command, argv, { stdio: ['ignore', output, output], cwd: this.dir });
      this.#child = child;
      this.#isStopped = false;
      this.#hasExited = false;
      this.#exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          log('%s exited (%s)', this, signal ?? `code ${code}`);
          this.#hasExited = true;
          resolve();
        });
        child.once('error', (error) => {
          log('%s: spawn error %s', this, error.message);
          this.#hasExited = true;
          resolve();
        });
      });
    } finally {
      closeSync(output);
    }
    log('%s spawned (pid %d)', this, this.#child.pid);
    await this.#waitUntilAnswering(timeoutMs);
  }

  async #waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (!this.isRunning) {
        throw new TopologyError(`${this} exited while starting; last log lines:\n${this.logTail()}`);
      }
      try {
        await this.ask((client) => client.ping());
        return;
      } catch (error) {
        lastError = error;
      }
      await sleep(PING_INTERVAL_MS);
    }
    throw new TopologyError(
      `${this} did not answer PING within ${timeoutMs} ms; last log lines:\n${this.logTail()}`,
      { cause: lastError },
    );
  }

  /** Rewrites the config file so that the next start is as a replica of `master`. */
  async setReplicaOf(master: NodeAddress): Promise<void> {
    const text = await readFile(this.confPath, 'utf8');
    await writeFile(this.confPath, withReplicaOf(text, master.port, master.host));
  }

  /** Opens a short-lived client to this node (1 s connect and command timeouts). */
  ask<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    return withClient(this.port, this.#credentials, fn, this.socketPath);
  }

  /** Sends a signal; SIGKILL and SIGTERM resolve once the process exited. No-op when not running. */
  async signal(signal: Signal, timeoutMs = EXIT_TIMEOUT_MS): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.isRunning) return;
    log('%s: %s', this, signal);
    if (signal === 'SIGKILL' && this.#isStopped) child.kill('SIGCONT');
    child.kill(signal);
    if (signal === 'SIGSTOP') this.#isStopped = true;
    if (signal === 'SIGCONT') this.#isStopped = false;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.#waitForExit(timeoutMs);
  }

  /** SIGKILL and wait until exited. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGKILL, wait until exited, and refuse to spawn again. */
  close(): Promise<void> {
    this.#isClosed = true;
    return this.kill();
  }

  async #waitForExit(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.#exited, timeout]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') throw new TopologyError(`${this} did not exit within ${timeoutMs} ms`);
    this.#isStopped = false;
  }

  /** For a process 'exit' handler: SIGKILL without waiting. */
  killSync(): void {
    this.#isClosed = true;
    if (!this.isRunning) return;
    try {
      this.#child?.kill('SIGCONT');
      this.#child?.kill('SIGKILL');
    } catch {
      // Already gone: nothing to do.
    }
  }

  /** Removes the temp dir (config and logs). */
  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  /** For a process 'exit' handler: removes the temp dir synchronously, best effort. */
  removeSync(): void {
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // Best effort at exit.
    }
  }

  /** The last lines of the node's log and of its stdout/stderr, passwords blanked out. */
  logTail(lines = LOG_TAIL_LINES): string {
    const parts: string[] = [];
    for (const path of [this.logPath, this.outputPath]) {
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
      if (tail) parts.push(`--- ${path}\n${tail}`);
    }
    let result = parts.join('\n') || '(no log output)';
    for (const secret of this.#secrets) result = result.split(secret).join('[redacted]');
    return result;
  }

  toString(): string {
    return `${this.kind} ${this.host}:${this.port}`;
  }
}
