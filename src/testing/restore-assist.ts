/**
 * Helps Sentinel along while `restore()` waits, so that tests do not wait ~20 s between them.
 * Sentinel converts a stale master only after it reported that role for 8 s, at an INFO that it
 * sends every 10 s, and sees the converted node's link up only at its next INFO, 10 s later. The
 * kit does what Sentinel would do, sooner: it points a stray data node at the master every
 * sentinel agrees on (REPLICAOF + CONFIG REWRITE), and resets (SENTINEL RESET) a sentinel whose
 * view of the replicas lags in a way only its next INFO would clear once every data node is
 * fine, so that it rediscovers them at once, as at start. Only ever applied when every sentinel agrees on one master that says ROLE
 * master.
 */
import { debugFor } from '../debug.js';
import type { NodeAddress, RedisProcess } from './redis-process.js';
import type { HealthAssist } from './topology-probe.js';
import { askRole } from './topology-probe.js';

const log = debugFor('testing');

/**
 * How long a sentinel's view may lag behind healthy data nodes before it is reset: long enough
 * for an INFO already on its way, far shorter than the 10 s to the next one.
 */
const SENTINEL_LAG_GRACE_MS = 500;

/** The assist of one `restore()` call: each node is repointed and each sentinel restarted at most once. */
export class RestoreAssist implements HealthAssist {
  readonly #deadline: number;
  readonly #repointed = new Set<number>();
  readonly #restarted = new Set<number>();
  #laggingSince: number | undefined;

  /** @param deadline when restore() gives up (ms since the epoch) */
  constructor(deadline: number) {
    this.#deadline = deadline;
  }

  async onStrayDataNodes(stray: RedisProcess[], master: NodeAddress): Promise<void> {
    const masterPort = master.port;
    this.#laggingSince = undefined;
    await Promise.all(
      stray
        .filter((node) => !this.#repointed.has(node.port))
        .map(async (node) => {
          const role = await askRole(node).catch(() => undefined);
          const isWrong =
            role?.role === 'master' || (role?.role === 'slave' && role.masterPort !== masterPort);
          if (!isWrong) return;
          this.#repointed.add(node.port);
          log('restore: %s says %s, pointing it at :%d as Sentinel would', node, role?.role, masterPort);
          await node
            .ask((client) =>
              Promise.all([
                client.call('REPLICAOF', [master.host, masterPort]),
                client.call('CONFIG', ['REWRITE']),
              ]),
            )
            .catch((error: unknown) => log('restore: repointing %s failed: %O', node, error));
        }),
    );
  }

  async onLaggingSentinels(lagging: RedisProcess[]): Promise<void> {
    const now = Date.now();
    this.#laggingSince ??= now;
    if (now - this.#laggingSince < SENTINEL_LAG_GRACE_MS) return;
    await Promise.all(
      lagging
        .filter((sentinel) => !this.#restarted.has(sentinel.port))
        .map(async (sentinel) => {
          this.#restarted.add(sentinel.port);
          log('restore: %s lags on the replicas until its next INFO, restarting it', sentinel);
          await sentinel.kill();
          await sentinel.spawn(Math.max(1, this.#deadline - Date.now()));
        }),
    );
  }
}
