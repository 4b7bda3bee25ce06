/**
 * One chaos scenario, start to end: a fresh client on the shared topology, the mixed load
 * ({@link MixedLoad}), the fault (`inject`), recovery, `quit()`, then the checks against what the
 * servers hold and what the process saw. The result is a {@link ScenarioRow}, recorded and then
 * asserted:
 *
 * - acknowledged durable writes lost: 0; plain ones only where `mayLosePlainWrites` says the
 *   fault can lose them (asynchronous replication), else 0;
 * - numbers applied twice: 0; wrong replica reads: 0; stale session reads: 0 unless plain writes
 *   may be lost (a session write lost with its master is then missing from every server);
 * - every error the application saw is one the scenario expects, and each of those is documented
 *   in the README's Errors section ({@link DOCUMENTED_ERRORS});
 * - operations pending past their deadline, unhandled rejections, uncaught exceptions, handles
 *   left after `quit()`: 0.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { RedisOptions } from 'ioredis';
import { Sentinel, type SentinelAddressInput, type SentinelOptions } from '../../../src/index.js';
import { eventually, type LocalTopology, type NodeAddress } from '../../../src/testing/index.js';
import { withNode } from '../../helpers/node-client.js';
import { fullText } from '../../helpers/rejection.js';
import { errorKey, type Lane, MixedLoad } from './mixed-load.js';
import { HandleBaseline, installProcessGuard, processGuardSnapshot } from './process-guard.js';
import { recordRow, type ScenarioRow } from './report.js';

/**
 * The errors an application can see, as the README's Errors section documents them: the
 * library's own, the server replies it passes through, and ioredis's command timeout.
 */
export const DOCUMENTED_ERRORS: ReadonlySet<string> = new Set([
  'SentinelConfigError',
  'MasterNotFoundError',
  'FailoverTimeoutError',
  'AuthenticationError',
  'TlsCertificateError',
  'TlsMismatchError',
  'DatabaseIndexError',
  'ConnectionLostError',
  'ReplicaNotFoundError',
  'WriteOnReplicaError',
  'DedicatedConnectionRequiredError',
  'PoolTimeoutError',
  'ClosedError',
  'AddressNotAllowedError',
  'ConsistencyTimeoutError',
  'ReplicationTimeoutError',
  'WatchLostError',
  'UnblockedError',
  'SentinelPermissionError',
  // Passed through as ioredis ReplyError ('retry-later' kinds and READONLY).
  'ReplyError NOREPLICAS',
  'ReplyError MASTERDOWN',
  'ReplyError LOADING',
  'ReplyError READONLY',
  'ReplyError TRYAGAIN',
  'ReplyError BUSY',
  'CommandTimeoutError',
]);

/** Client settings of every scenario: short enough that a run stays bounded. */
export const CHAOS_CLIENT_OPTIONS = {
  failoverTimeout: 10_000,
  commandTimeout: 2000,
} as const satisfies SentinelOptions;

/** The durable lane's WAIT: one replica within 1 s. */
const DURABLE = { replicas: 1, timeoutMs: 1000 } as const;

/** What a scenario's `inject` gets. */
export interface ChaosContext {
  topology: LocalTopology;
  sentinel: Sentinel;
  load: MixedLoad;
  /** Resolves once every lane had `count` more operations succeed; rejects after `timeoutMs`. */
  waitForProgress(count?: number, timeoutMs?: number): Promise<void>;
  /** Resolves once every lane had `count` more operations fail; rejects after `timeoutMs`. */
  waitForErrors(count?: number, timeoutMs?: number): Promise<void>;
}

/** One scenario. */
export interface ScenarioSpec {
  /** Row name, e.g. `master SIGKILL`. */
  name: string;
  /** The errors the application may see; each must be in {@link DOCUMENTED_ERRORS}. @default none */
  expectedErrors?: readonly string[];
  /** The kinds of `error` event the client may emit. @default any (they are reported) */
  expectedEventErrors?: readonly string[];
  /** The fault can lose acknowledged plain writes (the master died before replicating them). */
  mayLosePlainWrites?: boolean;
  /** Sentinel addresses given to the client. @default the topology's sentinels */
  sentinels?: SentinelAddressInput;
  /** Client options on top of {@link CHAOS_CLIENT_OPTIONS}. */
  options?: SentinelOptions;
  /** How the test's own checks reach data nodes (credentials, TLS). @default plain TCP, no AUTH */
  nodeOptions?: RedisOptions;
  /** How the test's own checks reach sentinels (credentials, TLS). @default plain TCP, no AUTH */
  sentinelNodeOptions?: RedisOptions;
  /** Sockets of the test's own (a proxy's) that do not count as left after `quit()`. */
  isForeignSocket?: (socket: Socket) => boolean | Promise<boolean>;
  /** The fault, injected while the load runs; resolves when the scenario's fault phase is over. */
  inject(context: ChaosContext): Promise<void>;
  /** The load must be succeeding again after `inject` (false for faults that stay). @default true */
  expectRecovery?: boolean;
  /** Undo what `inject` left (restart sentinels, close proxies) before the topology is restored. */
  heal?(): Promise<void>;
  /**
   * Strings that must appear in no error the application or the `error` event saw (message and
   * causes): the passwords of the scenario, right and wrong. @default none
   */
  secrets?: readonly string[];
  /** More checks on the row and the context, after the standard ones. */
  check?(row: ScenarioRow, context: ChaosContext): void | Promise<void>;
}

const PROBE = { key: 'chaos:probe', value: 'steady' } as const;

function record(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function lostAndDoubled(entries: string[], acked: readonly number[]): { lost: number; twice: number } {
  const seen = new Map<number, number>();
  for (const entry of entries) seen.set(Number(entry), (seen.get(Number(entry)) ?? 0) + 1);
  const lost = acked.filter((n) => !seen.has(n)).length;
  const twice = [...seen.values()].filter((count) => count > 1).length;
  return { lost, twice };
}

/**
 * Whether a socket is one of the topology kit's own: the server it goes to names its client
 * `local-topology` (the kit's subscribers to sentinels reconnect when a sentinel restarts, so
 * they can be newer than the baseline).
 */
async function isKitSocket(socket: Socket, options: RedisOptions): Promise<boolean> {
  const { remotePort, localPort } = socket;
  if (remotePort === undefined || localPort === undefined) return false;
  const clients = await withNode(
    { host: '127.0.0.1', port: remotePort },
    async (c) => String(await c.client('LIST')),
    options,
  ).catch(() => '');
  return clients
    .split('\n')
    .some((line) => line.includes(` addr=127.0.0.1:${localPort} `) && line.includes(' name=local-topology '));
}

/** Puts the probe value on the master and waits until every replica has it. */
async function seedProbe(topology: LocalTopology, options: RedisOptions): Promise<void> {
  await withNode(topology.masterAddress(), (c) => c.set(PROBE.key, PROBE.value), options);
  await eventually(
    async () => {
      for (const replica of topology.replicaAddresses()) {
        assert.equal(await withNode(replica, (c) => c.get(PROBE.key), options), PROBE.value);
      }
      return true;
    },
    { timeoutMs: 10_000, message: 'every replica has the probe key' },
  );
}

/**
 * Runs one scenario on `topology` (healthy when called; restored when this returns) and returns
 * its row, after recording and asserting it. `file` prefixes the row name.
 */
export async function runScenario(
  file: string,
  topology: LocalTopology,
  spec: ScenarioSpec,
): Promise<ScenarioRow> {
  installProcessGuard();
  const began = performance.now();
  const guardBefore = processGuardSnapshot();
  const key = `chaos:${file}:${spec.name}`.replace(/\s+/g, '-');
  const nodeOptions = spec.nodeOptions ?? {};
  const sentinelPorts = new Set(topology.sentinelAddresses().map((s) => s.port));
  const checkOptions = (port: number | undefined) =>
    port !== undefined && sentinelPorts.has(port) ? (spec.sentinelNodeOptions ?? {}) : nodeOptions;
  await seedProbe(topology, nodeOptions);
  for (const expected of spec.expectedErrors ?? []) {
    assert.ok(
      DOCUMENTED_ERRORS.has(expected),
      `scenario expects ${expected}, which the README does not document`,
    );
  }

  const handles = new HandleBaseline();
  const options = { ...CHAOS_CLIENT_OPTIONS, ...spec.options };
  const sentinel = new Sentinel(spec.sentinels ?? topology.sentinelAddresses(), options);
  const eventErrors = new Map<string, number>();
  const eventSamples: Error[] = [];
  sentinel.on('error', (error) => {
    const kind = errorKey(error);
    eventErrors.set(kind, (eventErrors.get(kind) ?? 0) + 1);
    if (eventSamples.length < 20) eventSamples.push(error);
  });
  const name = topology.masterName;
  const deadlineMs = options.failoverTimeout + 2 * options.commandTimeout + DURABLE.timeoutMs + 1000;
  const load = MixedLoad.start(
    {
      plain: sentinel.masterFor(name),
      durable: sentinel.masterFor(name, { waitForReplicas: DURABLE }),
      session: sentinel.session(name),
      replica: sentinel.replicaFor(name),
    },
    { key, probe: PROBE, deadlineMs, maxMs: 90_000 },
  );
  /** Waits until every lane's `counts()` grew by `count`; `what` names the counts for the message. */
  const waitForEveryLane = async (
    counts: () => Record<Lane, number>,
    what: string,
    count: number,
    timeoutMs: number,
  ) => {
    const before = counts();
    const lanes = Object.keys(before) as Lane[];
    // A boolean, not assert.ok(): a failing assert.ok() without a message re-parses the source
    // file to quote the expression, which blocks the event loop for seconds under tsx.
    await eventually(
      () => {
        const now = counts();
        return lanes.every((lane) => now[lane] >= before[lane] + count);
      },
      {
        timeoutMs,
        intervalMs: 10,
        message: `every lane had ${count} more operations ${what} (ok ${JSON.stringify(load.okByLane())}, errors ${JSON.stringify(record(load.errorCountsByLane()))})`,
      },
    );
  };
  const waitForProgress = (count = 10, timeoutMs = 20_000) =>
    waitForEveryLane(() => load.okByLane(), 'succeed', count, timeoutMs);
  const waitForErrors = (count = 1, timeoutMs = 20_000) =>
    waitForEveryLane(() => load.errorsByLane(), 'fail', count, timeoutMs);
  const context: ChaosContext = { topology, sentinel, load, waitForProgress, waitForErrors };

  let pending = 0;
  let left: string[] = [];
  try {
    if (spec.expectRecovery !== false) await waitForProgress();
    await spec.inject(context);
    if (spec.expectRecovery !== false) await waitForProgress();
  } finally {
    pending = await load.stop();
    await sentinel.quit();
    await new Promise((resolve) => setImmediate(resolve));
    left = await handles.leftOver(
      async (socket) =>
        (await spec.isForeignSocket?.(socket)) || isKitSocket(socket, checkOptions(socket.remotePort)),
    );
    await spec.heal?.();
    await topology.restore();
  }

  const master: NodeAddress = topology.masterAddress();
  const lists = await withNode(
    master,
    async (c) => ({
      plain: await c.lrange(load.listKey('plain'), 0, -1),
      durable: await c.lrange(load.listKey('durable'), 0, -1),
      session: await c.lrange(load.listKey('session'), 0, -1),
    }),
    nodeOptions,
  );
  const plain = lostAndDoubled(lists.plain, load.acked.plain);
  const session = lostAndDoubled(lists.session, load.acked.session);
  const durable = lostAndDoubled(lists.durable, load.acked.durable);
  const guardAfter = processGuardSnapshot();
  const row: ScenarioRow = {
    scenario: `${file} › ${spec.name}`,
    ms: Math.round(performance.now() - began),
    ok: load.succeeded,
    plainLost: plain.lost + session.lost,
    plainAcked: load.acked.plain.length + load.acked.session.length,
    durableLost: durable.lost,
    durableAcked: load.acked.durable.length,
    appliedTwice: plain.twice + session.twice + durable.twice,
    staleSessionReads: load.stats.session.wrong,
    wrongReplicaReads: load.stats.replica.wrong,
    errors: record(load.errorCounts()),
    errorsByLane: record(load.errorCountsByLane()),
    eventErrors: record(eventErrors),
    pastDeadline: pending + load.lateSettled,
    unhandled:
      guardAfter.unhandledRejections -
      guardBefore.unhandledRejections +
      guardAfter.uncaughtExceptions -
      guardBefore.uncaughtExceptions,
    handlesLeft: left.length,
  };
  recordRow(row);
  if (left.length > 0) console.log(`[chaos] ${row.scenario}: left after quit(): ${left.join(', ')}`);

  const samples = [...load.samples.values()].map((s) => `${s.key}: ${s.message}`).join('\n  ');
  assert.equal(row.durableLost, 0, 'acknowledged durable writes lost');
  if (!spec.mayLosePlainWrites) {
    assert.equal(row.plainLost, 0, 'acknowledged plain writes lost');
    assert.equal(row.staleSessionReads, 0, 'session reads that missed their own write');
  }
  assert.equal(row.appliedTwice, 0, 'writes applied twice');
  assert.equal(row.wrongReplicaReads, 0, 'replica reads with a wrong value');
  const unexpected = Object.keys(row.errors).filter((kind) => !(spec.expectedErrors ?? []).includes(kind));
  assert.deepEqual(unexpected, [], `errors this scenario does not expect; first of each:\n  ${samples}`);
  if (spec.expectedEventErrors) {
    const unexpectedEvents = Object.keys(row.eventErrors).filter(
      (k) => !spec.expectedEventErrors?.includes(k),
    );
    assert.deepEqual(unexpectedEvents, [], 'error events this scenario does not expect');
  }
  assert.equal(row.pastDeadline, 0, 'operations pending past their deadline');
  assert.equal(
    row.unhandled,
    0,
    `unhandled rejections or uncaught exceptions: ${guardAfter.first.join('\n')}`,
  );
  assert.deepEqual(left, [], 'handles left after quit()');
  const seen = [...[...load.samples.values()].map((s) => s.error), ...eventSamples].map(fullText);
  for (const secret of spec.secrets ?? []) {
    for (const text of seen)
      assert.ok(!text.includes(secret), `a password in an error: ${text.slice(0, 200)}`);
  }
  await spec.check?.(row, context);
  return row;
}
