/**
 * The diagnostics channels and the OpenTelemetry metrics across a graceful failover and a
 * master SIGKILL, on a real topology: every channel is subscribed and its payloads checked; an
 * SDK MeterProvider with a reader we collect by hand is registered before the first pool, and
 * every metric's name, unit and attributes are checked, with one reaction per failover per pool.
 */
import assert from 'node:assert/strict';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { metrics } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  CHANNELS,
  type DiscoverContext,
  type FailoverMessage,
  type MasterChangedMessage,
  type ReactionMessage,
  type SessionReadMessage,
} from '../../src/index.js';
import { isMetricsAttached } from '../../src/observability/metrics.js';
import { eventually, type NodeAddress } from '../../src/testing/index.js';
import { withNode } from '../helpers/node-client.js';
import { topologyFixture } from '../helpers/topology-fixture.js';
import { WriteLoad } from '../helpers/write-load.js';

/** A reader collected by hand (no timer). */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const reader = new ManualReader();
const provider = new MeterProvider({ readers: [reader] });

async function collect(): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    if (scope.scope.name !== 'redis-sentinel-pool') continue;
    for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
  }
  return out;
}

/** The histogram count of the data point whose attributes include `match`. */
function countOf(metric: MetricData | undefined, match: Record<string, unknown>): number {
  const points = (metric?.dataPoints ?? []) as DataPoint<Histogram>[];
  let count = 0;
  for (const point of points) {
    if (Object.entries(match).every(([k, v]) => point.attributes[k] === v)) count += point.value.count;
  }
  return count;
}

/** Everything published, in order. */
interface Heard {
  masterChanged: MasterChangedMessage[];
  failover: FailoverMessage[];
  reaction: ReactionMessage[];
  sessionRead: SessionReadMessage[];
  discover: Array<{ event: string; context: DiscoverContext }>;
}

const heard: Heard = { masterChanged: [], failover: [], reaction: [], sessionRead: [], discover: [] };
const listeners = {
  masterChanged: (m: unknown) => heard.masterChanged.push(m as MasterChangedMessage),
  failover: (m: unknown) => heard.failover.push(m as FailoverMessage),
  reaction: (m: unknown) => heard.reaction.push(m as ReactionMessage),
  sessionRead: (m: unknown) => heard.sessionRead.push(m as SessionReadMessage),
};
const discoverHandlers = {
  start: (c: unknown) => heard.discover.push({ event: 'start', context: c as DiscoverContext }),
  end: (c: unknown) => heard.discover.push({ event: 'end', context: c as DiscoverContext }),
  asyncStart: () => {},
  asyncEnd: (c: unknown) => heard.discover.push({ event: 'asyncEnd', context: c as DiscoverContext }),
  error: (c: unknown) => heard.discover.push({ event: 'error', context: c as DiscoverContext }),
};

/** Long enough for a loaded machine; the paused write times out after it. */
const COMMAND_TIMEOUT_MS = 1000;
const PAUSE_MS = 4 * COMMAND_TIMEOUT_MS;

function addressText(a: NodeAddress): string {
  return `${a.host}:${a.port}`;
}

/** Waits for the reactions of the master pool and the managed master client to `to`. */
function reactionsTo(to: NodeAddress, since: number): Promise<unknown> {
  const kinds = (r: ReactionMessage) => r.master === addressText(to) && r.kind;
  return eventually(
    () => {
      const seen = heard.reaction.slice(since).map(kinds);
      return seen.includes('masterFor') && seen.includes('redisFor');
    },
    { message: `reactions of masterFor and redisFor to ${addressText(to)}`, timeoutMs: 20_000 },
  );
}

describe('observability', () => {
  const fixture = topologyFixture();

  before(() => {
    // Registered before the first pool: the library attaches its instruments then.
    metrics.setGlobalMeterProvider(provider);
    subscribe(CHANNELS.masterChanged, listeners.masterChanged);
    subscribe(CHANNELS.failover, listeners.failover);
    subscribe(CHANNELS.reaction, listeners.reaction);
    subscribe(CHANNELS.sessionRead, listeners.sessionRead);
    tracingChannel(CHANNELS.discover).subscribe(discoverHandlers);
  });

  after(async () => {
    unsubscribe(CHANNELS.masterChanged, listeners.masterChanged);
    unsubscribe(CHANNELS.failover, listeners.failover);
    unsubscribe(CHANNELS.reaction, listeners.reaction);
    unsubscribe(CHANNELS.sessionRead, listeners.sessionRead);
    tracingChannel(CHANNELS.discover).unsubscribe(discoverHandlers);
    await provider.shutdown();
    metrics.disable();
  });

  /** Pools and a managed master client in use, a write load running, a session read served. */
  async function setUp(key: string) {
    const sentinel = fixture.open({ commandTimeout: COMMAND_TIMEOUT_MS });
    const name = fixture.topology.masterName;
    const master = sentinel.masterFor(name);
    const replicas = sentinel.replicaFor(name);
    const managed = sentinel.redisFor(name);
    await master.set(`${key}:probe`, 'v');
    await eventually(() => isMetricsAttached(), { message: 'metrics attached' });
    await managed.ping();
    await master.withConnection((c) => c.ping());
    await replicas.get(`${key}:probe`);
    const session = sentinel.session(name);
    await session.master.set(`${key}:session`, 'written');
    assert.equal(await session.replica.get(`${key}:session`), 'written');
    const writes = fixture.track(WriteLoad.start(master, { key, writers: 2, maxMs: 30_000 }));
    return { sentinel, name, master, session, writes };
  }

  it('publishes a graceful failover: announcement, hold, reaction, session reads, discovery rounds', async () => {
    const before = await collect();
    const { name, session, writes } = await setUp('obs:graceful');
    const mark = {
      masterChanged: heard.masterChanged.length,
      failover: heard.failover.length,
      reaction: heard.reaction.length,
    };
    const read = heard.sessionRead.at(-1);
    assert.ok(read, 'a session read was published');
    assert.equal(read.name, name);
    assert.ok(read.servedBy === 'replica' || read.servedBy === 'master');
    assert.ok(read.attempts >= 1 && read.waitedMs >= 0, JSON.stringify(read));
    assert.ok(
      heard.discover.some(
        (d) => d.event === 'asyncEnd' && d.context.round === 'discover' && d.context.name === name,
      ),
      'a discovery round was traced',
    );

    const { from, to } = await fixture.topology.failover();
    await reactionsTo(to, mark.reaction);
    const since = performance.now();
    await eventually(() => writes.acksSince(since) > 0, { message: 'writes on the new master' });
    const changed = heard.masterChanged.slice(mark.masterChanged).find((m) => m.to === addressText(to));
    assert.ok(changed, 'master-changed names the new master');
    assert.deepEqual(
      { name: changed.name, from: changed.from },
      { name, from: addressText(from) },
      JSON.stringify(changed),
    );
    assert.match(changed.via, /^127\.0\.0\.1:\d+$/);
    assert.match(changed.reason, /^(\+[a-z-]+|answer|refresh)$/);
    // Each hold has a start and then an end with its duration and count.
    const holds = heard.failover.slice(mark.failover).filter((f) => f.kind === 'masterFor');
    assert.deepEqual(
      holds.map((h) => h.phase),
      ['start', 'end'],
      JSON.stringify(holds),
    );
    const end = holds[1]!;
    assert.ok(end.heldMs! >= 0 && end.heldCommands! >= 0, JSON.stringify(end));
    assert.equal(end.endedBy, 'masterChanged');
    const reaction = heard.reaction.find((r) => r.kind === 'masterFor' && r.master === addressText(to))!;
    assert.equal(reaction.name, name);
    assert.ok(reaction.ms >= 0 && reaction.ms < 5000, JSON.stringify(reaction));

    // A session read after the failover: its position is from the old master, the master serves it.
    assert.equal(await session.replica.get('obs:graceful:session'), 'written');
    assert.equal(heard.sessionRead.at(-1)!.servedBy, 'master');

    const afterwards = await collect();
    for (const kind of ['masterFor', 'redisFor']) {
      const match = { 'db.client.connection.pool.name': `${kind}("${name}")` };
      const added =
        countOf(afterwards.get('redis_sentinel_pool.failover.reaction'), match) -
        countOf(before.get('redis_sentinel_pool.failover.reaction'), match);
      assert.equal(added, 1, `one reaction of ${kind} for one failover`);
    }
  });

  it('publishes a SIGKILL of the master, and every metric has its name, unit and attributes', async () => {
    const before = await collect();
    const { name, master } = await setUp('obs:kill');
    const mark = {
      discover: heard.discover.length,
      masterChanged: heard.masterChanged.length,
      reaction: heard.reaction.length,
    };
    const old = fixture.topology.masterAddress();
    // A write sent while the master postpones writes times out: it may have been applied.
    await withNode(old, (c) => c.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'WRITE'));
    try {
      const timedOut = (await master.set('obs:kill:paused', 'v').catch((e: unknown) => e)) as {
        name?: string;
        maybeApplied?: boolean;
      };
      // It times out, or (when the connection was dropped for an earlier timeout) is lost with
      // it: either way it may have been applied, which is what the counter counts.
      assert.ok(
        timedOut.name === 'CommandTimeoutError' || timedOut.name === 'ConnectionLostError',
        String(timedOut.name),
      );
      assert.equal(timedOut.maybeApplied, true);
    } finally {
      await withNode(old, (c) => c.call('CLIENT', 'UNPAUSE'));
    }
    await fixture.topology.kill(old, 'SIGKILL');
    const to = await fixture.topology.waitForFailover(old);
    await reactionsTo(to, mark.reaction);
    const changed = heard.masterChanged.slice(mark.masterChanged).find((m) => m.to === addressText(to));
    assert.ok(changed && changed.from === addressText(old), JSON.stringify(heard.masterChanged));
    // The lost connection made discovery poll the sentinels: traced rounds, each with its end.
    const rounds = heard.discover.slice(mark.discover);
    assert.ok(
      rounds.some((d) => d.context.round === 'poll' && d.event === 'start'),
      'a poll round started',
    );
    assert.ok(
      rounds.some((d) => d.context.round === 'poll' && d.event === 'asyncEnd'),
      'a poll round ended',
    );

    const metricsNow = await collect();
    const expected: Record<string, { unit: string; attributes: string[] }> = {
      'db.client.operation.duration': {
        unit: 's',
        attributes: ['db.system.name', 'db.operation.name', 'server.address', 'server.port'],
      },
      'db.client.connection.count': { unit: '{connection}', attributes: ['db.client.connection.state'] },
      'db.client.connection.pending_requests': { unit: '{request}', attributes: [] },
      'db.client.connection.wait_time': { unit: 's', attributes: [] },
      'db.client.connection.create_time': { unit: 's', attributes: ['server.address', 'server.port'] },
      'redis_sentinel_pool.failover.reaction': { unit: 's', attributes: ['server.address', 'server.port'] },
      'redis_sentinel_pool.failover.hold.duration': { unit: 's', attributes: [] },
      'redis_sentinel_pool.failover.held_commands': { unit: '{command}', attributes: [] },
      'redis_sentinel_pool.master.changes': {
        unit: '{change}',
        attributes: ['server.address', 'server.port'],
      },
      'redis_sentinel_pool.session.reads': { unit: '{read}', attributes: ['redis_sentinel_pool.served_by'] },
      'redis_sentinel_pool.session.wait': { unit: 's', attributes: [] },
      'redis_sentinel_pool.writes.maybe_applied': { unit: '{write}', attributes: ['db.operation.name'] },
    };
    for (const [metricName, { unit, attributes }] of Object.entries(expected)) {
      const metric = metricsNow.get(metricName);
      assert.ok(metric && metric.dataPoints.length > 0, `${metricName} has data points`);
      assert.equal(metric.descriptor.unit, unit, `${metricName} unit`);
      const required = [
        'db.system.name',
        'redis_sentinel_pool.group',
        'redis_sentinel_pool.role',
        ...attributes,
      ];
      const point = metric.dataPoints.find(
        (p) =>
          p.attributes['redis_sentinel_pool.group'] === name &&
          required.every((attribute) => p.attributes[attribute] !== undefined),
      );
      assert.ok(point, `${metricName} has a point for group ${name} with ${required.join(', ')}`);
      assert.equal(point.attributes['db.system.name'], 'redis');
    }
    const failed = metricsNow
      .get('db.client.operation.duration')!
      .dataPoints.find((p) => p.attributes['error.type'] === 'CommandTimeoutError');
    assert.ok(failed, 'the timed-out write is an operation with error.type');
    assert.equal(failed.attributes['redis_sentinel_pool.role'], 'master');
    for (const kind of ['masterFor', 'redisFor']) {
      const match = { 'db.client.connection.pool.name': `${kind}("${name}")` };
      const added =
        countOf(metricsNow.get('redis_sentinel_pool.failover.reaction'), match) -
        countOf(before.get('redis_sentinel_pool.failover.reaction'), match);
      assert.equal(added, 1, `one reaction of ${kind} for one failover`);
    }
  });
});
