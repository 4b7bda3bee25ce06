/**
 * Runs the `ip` commands that network-plan.ts plans: checks that namespaces can be used at all,
 * builds and removes a run's namespaces, applies partitions, and cleans up after dead runs.
 * Every call is bounded by a timeout; every failure is a typed error naming the command.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { debugFor } from '../../debug.js';
import { NetworkNamespacesUnavailableError, TopologyError } from '../../errors.js';
import { type IpCommand, parseNamespaceList, staleNamespaces } from './network-plan.js';

const log = debugFor('testing');

/** Bound of one `ip` call: they take milliseconds; a hang must not hang a test. */
const IP_TIMEOUT_MS = 10_000;

/** The `ip` binary on PATH (the kit calls it by this path). */
async function findIp(): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    const candidate = join(dir, 'ip');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here: try the next directory.
    }
  }
  return undefined;
}

/**
 * Resolves the `ip` binary, or throws {@link NetworkNamespacesUnavailableError} saying what is
 * missing (Linux, root, iproute2), before anything is created.
 */
export async function checkNamespaceSupport(): Promise<string> {
  if (process.platform !== 'linux') {
    throw new NetworkNamespacesUnavailableError(
      'linux',
      `needs Linux network namespaces; this is ${process.platform}`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new NetworkNamespacesUnavailableError(
      'root',
      `needs root to create network namespaces; this process runs as uid ${uid ?? 'unknown'} (run the tests as root, as CI does, or use the default loopback mode)`,
    );
  }
  const ip = await findIp();
  if (ip === undefined) {
    throw new NetworkNamespacesUnavailableError(
      'ip',
      'needs the `ip` command of iproute2, which is not on PATH (install it: "apt-get install -y iproute2")',
    );
  }
  return ip;
}

/** The shell of one run: the `ip` binary and the commands it runs. */
export class IpShell {
  readonly #ip: string;

  constructor(ip: string) {
    this.#ip = ip;
  }

  /** The command prefix that runs a program inside `namespace`. */
  execPrefix(namespace: string): [string, string[]] {
    return [this.#ip, ['netns', 'exec', namespace]];
  }

  /** Runs one `ip` command; rejects with {@link TopologyError} naming it and its stderr. */
  run(args: IpCommand): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.#ip, [...args], { timeout: IP_TIMEOUT_MS }, (error, stdout, stderr) => {
        if (error) {
          reject(new TopologyError(`ip ${args.join(' ')} failed: ${String(stderr).trim() || error.message}`));
        } else {
          resolve(String(stdout));
        }
      });
    });
  }

  /** Runs commands in order, stopping at the first failure. */
  async runAll(commands: readonly IpCommand[]): Promise<void> {
    for (const command of commands) await this.run(command);
  }

  /**
   * Runs `lines` in one `ip -n namespace -batch -` (one process, milliseconds for all of them:
   * a partition applies to every host at nearly the same instant).
   */
  batch(namespace: string, lines: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#ip, ['-n', namespace, '-batch', '-'], {
        stdio: ['pipe', 'ignore', 'pipe'],
        timeout: IP_TIMEOUT_MS,
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('error', (error) => reject(new TopologyError(`ip -batch failed: ${error.message}`)));
      child.once('close', (code) => {
        if (code === 0) resolve();
        else reject(new TopologyError(`ip -n ${namespace} -batch failed (${code}): ${stderr.trim()}`));
      });
      child.stdin.end(`${lines.join('\n')}\n`);
    });
  }

  /** The namespaces that exist (`ip netns list`). */
  async list(): Promise<string[]> {
    return parseNamespaceList(await this.run(['netns', 'list']));
  }

  /** SIGKILLs every process still inside `namespace`, then deletes it. Missing: no-op. */
  async remove(namespace: string): Promise<void> {
    const pids = await this.run(['netns', 'pids', namespace]).catch(() => '');
    killAll(pids);
    await this.run(['netns', 'del', namespace]).catch((error: unknown) => {
      log('deleting namespace %s: %s', namespace, error instanceof Error ? error.message : error);
    });
  }

  /** Synchronous {@link remove}, for an exit hook. Best effort. */
  removeSync(namespace: string): void {
    try {
      killAll(execFileSync(this.#ip, ['netns', 'pids', namespace], { timeout: IP_TIMEOUT_MS }).toString());
      execFileSync(this.#ip, ['netns', 'del', namespace], { timeout: IP_TIMEOUT_MS, stdio: 'ignore' });
    } catch {
      // Best effort at exit: the next run removes what is left (removeStale).
    }
  }

  /** Removes the namespaces of runs whose process died (a crash, a SIGKILL); returns their names. */
  async removeStale(): Promise<string[]> {
    const stale = staleNamespaces(await this.list(), isAlive, process.pid);
    for (const name of stale) await this.remove(name);
    if (stale.length > 0) log('removed %d namespaces left by dead runs: %s', stale.length, stale.join(' '));
    return stale;
  }
}

function killAll(pids: string): void {
  for (const word of pids.split(/\s+/)) {
    const pid = Number(word);
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
