/**
 * The I/O of `status`: asks every named sentinel about one master group (in parallel, each
 * bounded by the client timeouts), then asks the master itself for ROLE and its split-brain
 * guard. Connects only to the sentinels the user named and to the master they name; replicas
 * and other sentinels are described from what those say.
 */
import type { Redis } from 'ioredis';
import { formatAddress } from '../address.js';
import type { Address } from '../index.js';
import { describeError } from './output.js';
import { diagnoseError, masterNames, withClient } from './sentinel-check.js';
import { type Diagnosis, unknownMaster } from './sentinel-diagnosis.js';
import { pairsToObject } from './sentinel-messages.js';
import type { Target } from './target.js';

/** What one named sentinel said about the group. */
export interface SentinelView {
  readonly address: string;
  /** Why it could not be asked at all (unreachable, not a sentinel, AUTH …), if so. */
  readonly error: string | undefined;
  /** `SENTINEL MASTER <name>` as key/value pairs, undefined when it failed. */
  readonly master: Record<string, string> | undefined;
  /** Why `SENTINEL MASTER` failed: it does not monitor the name (and which it does). */
  readonly masterError: string | undefined;
  /** What is wrong with this sentinel, when {@link error} or {@link masterError} is set. */
  readonly diagnosis: Diagnosis | undefined;
  readonly replicas: readonly Record<string, string>[];
  readonly sentinels: readonly Record<string, string>[];
  /** `SENTINEL CKQUORUM <name>`: its reply or error text. */
  readonly quorumCheck: { readonly isOk: boolean; readonly message: string } | undefined;
  /** How long `SENTINEL MASTER` took (ms): the question a write lease asks. */
  readonly roundTripMs?: number | undefined;
  /**
   * The Sentinel subcommands this sentinel refused to the user with NOPERM (`sentinel|sentinels`
   * …), among those `status` asks: the library's questions, and CKQUORUM.
   */
  readonly denied: readonly string[];
}

/** What the master said about itself. */
export interface MasterProbe {
  readonly address: string;
  readonly error: string | undefined;
  /** `master`, `slave`, … from ROLE. */
  readonly role: string | undefined;
  readonly offset: number | undefined;
  /** Replica `host:port` → the offset it acknowledged, from the master's ROLE. */
  readonly replicaOffsets: ReadonlyMap<string, number>;
  readonly minReplicasToWrite: number | undefined;
  readonly minReplicasMaxLag: number | undefined;
  /** Why CONFIG GET failed (renamed, ACL), if it did. */
  readonly configError: string | undefined;
}

function settled<T>(result: PromiseSettledResult<T>): { value: T | undefined; error: string | undefined } {
  return result.status === 'fulfilled'
    ? { value: result.value, error: undefined }
    : { value: undefined, error: describeError(result.reason) };
}

/** The rest of a view: the sentinel was asked, and the group is unknown or these are its answers. */
type Answers = Omit<SentinelView, 'address' | 'error'>;

/** `NOPERM User u has no permissions to run the 'sentinel|sentinels' command` → `sentinel|sentinels`. */
function deniedCommand(reason: unknown, asked: string): string | undefined {
  const message = reason instanceof Error ? reason.message : String(reason);
  if (!message.startsWith('NOPERM')) return undefined;
  return /'([^']+)' command/.exec(message)?.[1] ?? asked;
}

/** The subcommands among `asked` whose answers were NOPERM refusals. */
function deniedAmong(asked: readonly string[], results: readonly PromiseSettledResult<unknown>[]): string[] {
  return results.flatMap((result, i) => {
    const command = result.status === 'rejected' && deniedCommand(result.reason, asked[i]!);
    return command ? [command] : [];
  });
}

async function askAbout(client: Redis, name: string, target: Target): Promise<Answers> {
  const ask = (...args: string[]) => client.call('SENTINEL', args);
  // One question first: a server that is no sentinel (an HTTP server closes after its reply)
  // then fails on it alone, with its own error, not on a write that followed it.
  const askedAt = performance.now();
  const [master] = await Promise.allSettled([ask('MASTER', name)]);
  const roundTripMs = performance.now() - askedAt;
  // The library's own questions too (docs/sentinel-acl.md), to report which this user may not ask.
  const asked = [
    'sentinel|replicas',
    'sentinel|sentinels',
    'sentinel|ckquorum',
    'sentinel|get-master-addr-by-name',
  ];
  const [replicas, sentinels, quorum, addressByName] = await Promise.allSettled(
    master.status === 'fulfilled'
      ? [
          ask('REPLICAS', name),
          ask('SENTINELS', name),
          ask('CKQUORUM', name),
          ask('GET-MASTER-ADDR-BY-NAME', name),
        ]
      : [],
  );
  if (master.status === 'rejected') {
    const diagnosis = diagnoseError(master.reason, target, name);
    // Not answering, not a sentinel, refused …: it could not be asked, like one that is down.
    if (diagnosis.problem !== 'unknown-master') throw master.reason;
    const known = masterNames(await ask('MASTERS').catch(() => []));
    const unknown = unknownMaster(name, known);
    return {
      master: undefined,
      masterError: unknown.message,
      diagnosis: unknown,
      replicas: [],
      sentinels: [],
      quorumCheck: undefined,
      denied: [],
    };
  }
  const quorumResult = settled(quorum!);
  const denied = deniedAmong(asked, [replicas!, sentinels!, quorum!, addressByName!]);
  const list = (r: PromiseSettledResult<unknown> | undefined) =>
    r?.status === 'fulfilled' && Array.isArray(r.value) ? r.value.map(pairsToObject) : [];
  return {
    master: pairsToObject(master.value),
    roundTripMs,
    masterError: undefined,
    diagnosis: undefined,
    replicas: list(replicas),
    sentinels: list(sentinels),
    quorumCheck: {
      isOk: quorumResult.error === undefined,
      message: quorumResult.error ?? String(quorumResult.value),
    },
    denied,
  };
}

/** Asks one sentinel everything `status` needs; never rejects. */
export async function askSentinel(address: Address, name: string, target: Target): Promise<SentinelView> {
  const where = formatAddress(address);
  try {
    const answers = await withClient(address, target.sentinelAuth, target, (client) =>
      askAbout(client, name, target),
    );
    return { address: where, error: undefined, ...answers };
  } catch (error) {
    const diagnosis = diagnoseError(error, target, name);
    return {
      address: where,
      error: diagnosis.message,
      master: undefined,
      masterError: undefined,
      diagnosis,
      replicas: [],
      sentinels: [],
      quorumCheck: undefined,
      // SENTINEL MASTER itself refused: the library does without it, status cannot.
      denied: [deniedCommand(error, 'sentinel|master')].filter((c): c is string => c !== undefined),
    };
  }
}

/** Parses the master's ROLE: `['master', offset, [[ip, port, offset], …]]`. */
function parseMasterRole(reply: unknown): Pick<MasterProbe, 'role' | 'offset' | 'replicaOffsets'> {
  const replicaOffsets = new Map<string, number>();
  if (!Array.isArray(reply)) return { role: undefined, offset: undefined, replicaOffsets };
  const [role, offset, replicas] = reply as [unknown, unknown, unknown];
  if (role === 'master' && Array.isArray(replicas)) {
    for (const entry of replicas) {
      if (!Array.isArray(entry)) continue;
      const [host, port, acked] = entry as [unknown, unknown, unknown];
      replicaOffsets.set(formatAddress({ host: String(host), port: Number(port) }), Number(acked));
    }
  }
  return { role: String(role), offset: role === 'master' ? Number(offset) : undefined, replicaOffsets };
}

function configNumber(reply: unknown): number | undefined {
  if (!Array.isArray(reply) || reply.length < 2) return undefined;
  const value = Number(reply[1]);
  return Number.isFinite(value) ? value : undefined;
}

/** Asks the master for ROLE and `min-replicas-to-write`/`-max-lag`; never rejects. */
export async function probeMaster(address: Address, target: Target): Promise<MasterProbe> {
  const where = formatAddress(address);
  try {
    return await withClient(address, target.dataAuth, target, async (client) => {
      const [role, toWrite, maxLag] = await Promise.allSettled([
        client.call('ROLE'),
        client.call('CONFIG', ['GET', 'min-replicas-to-write']),
        client.call('CONFIG', ['GET', 'min-replicas-max-lag']),
      ]);
      const roleResult = settled(role);
      const toWriteResult = settled(toWrite);
      const parsedToWrite = configNumber(toWriteResult.value);
      return {
        address: where,
        error: roleResult.error,
        ...parseMasterRole(roleResult.value),
        minReplicasToWrite: parsedToWrite,
        minReplicasMaxLag: configNumber(settled(maxLag).value),
        configError:
          toWriteResult.error ?? (parsedToWrite === undefined ? 'CONFIG GET returned nothing' : undefined),
      };
    });
  } catch (error) {
    return {
      address: where,
      error: describeError(error),
      role: undefined,
      offset: undefined,
      replicaOffsets: new Map(),
      minReplicasToWrite: undefined,
      minReplicasMaxLag: undefined,
      configError: 'the master could not be reached',
    };
  }
}
