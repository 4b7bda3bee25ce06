/**
 * Trace context (issue 14): OpenTelemetry's ioredis instrumentation files every command a caller
 * issues under that caller's span, also when the command was held during a graceful failover
 * (a pool job in the wait queue, a managed client's command in ioredis's offline queue) and sent
 * later from another event; the library's own commands (SENTINEL, ROLE, CLIENT, HELLO, INFO,
 * WAIT) are in no request's trace, even when the first request is what opened the connections.
 *
 * How the instrumentation is hooked in: `registerInstrumentations` patches modules as they are
 * *required* later (require-in-the-middle; import-in-the-middle needs a loader flag). Here ioredis
 * was loaded by the static imports before any test code runs, and under tsx an ESM import of a
 * CommonJS package reaches Node's CommonJS cache, not a require hook. So the test applies the
 * instrumentation's own module definitions (`getModuleDefinitions()`, public API) to the ioredis
 * module from that cache (`createRequire(import.meta.url)('ioredis')`, the very object the ESM
 * import sees). The patch wraps `Redis.prototype.sendCommand`, which the test checks took effect,
 * before the Sentinel makes any connection (a connection takes `sendCommand` when it is made).
 *
 * The same run checks plain AsyncLocalStorage, without OpenTelemetry in the way: ioredis 6
 * publishes each command on the `ioredis:command` tracing channel when it writes it, and the
 * store seen there, at the moment of the write, is the store of the request that issued it.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { tracingChannel } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isWrapped, registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import type { FailoverStartedEvent } from '../../src/index.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const REQUESTS = 60;
/** Commands the library sends for itself: never in a request's trace. */
const OWN_COMMANDS = new Set(['sentinel', 'role', 'client', 'hello', 'info', 'wait', 'select', 'subscribe']);

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
// Every command gets a span, the library's own too (they must then be roots, not children).
const instrumentation = new IORedisInstrumentation({
  requireParentSpan: false,
  dbStatementSerializer: (name, args) => `${name} ${args.map(String).join(' ')}`,
});
const ioredisModule = createRequire(import.meta.url)('ioredis') as typeof Redis;
const ioredisVersion = (createRequire(import.meta.url)('ioredis/package.json') as { version: string })
  .version;

function instrument(): () => void {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    instrumentations: [instrumentation],
    tracerProvider: provider,
  });
  const definitions = instrumentation.getModuleDefinitions();
  for (const definition of definitions) definition.patch?.(ioredisModule, ioredisVersion);
  return () => {
    for (const definition of definitions) definition.unpatch?.(ioredisModule, ioredisVersion);
    unregister();
    contextManager.disable();
    context.disable();
    trace.disable();
  };
}

/** The parent span id of a finished span, if it has one. */
function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe('trace context', () => {
  const fixture = topologyFixture();
  let uninstrument: (() => void) | undefined;
  const name = () => fixture.topology.masterName;

  before(() => {
    uninstrument = instrument();
    assert.equal(isWrapped(Redis.prototype.sendCommand), true, 'the instrumentation wraps sendCommand');
  });
  after(() => uninstrument?.());

  it('files every held command under its own request, and the library’s own commands under none', async () => {
    const tracer = trace.getTracer('trace-context-test');
    const sentinel = fixture.open();
    const pool = sentinel.masterFor(name());
    // WAIT (group commit) and its pool's connections are the library's too.
    const durable = sentinel.masterFor(name(), { waitForReplicas: { replicas: 1, timeoutMs: 500 } });
    const requests: Array<{ index: number; traceId: string; spanId: string }> = [];
    let managed: Redis | undefined;
    // The store each command was written in, by key (ioredis's channel fires at the write).
    const storage = new AsyncLocalStorage<number>();
    const writtenIn = new Map<string, number | undefined>();
    const channel = tracingChannel<unknown, { command: string; args: string[] }>('ioredis:command');
    const onWrite = {
      start: (message: { command: string; args: string[] }) => {
        const key = message.args[0];
        if (message.command === 'set' && key?.startsWith('tc:')) writtenIn.set(key, storage.getStore());
      },
      end: () => {},
      asyncStart: () => {},
      asyncEnd: () => {},
      error: () => {},
    };
    channel.subscribe(onWrite);
    fixture.undo(async () => channel.unsubscribe(onWrite));

    /** One request: its own span, and its commands through the pools and the managed client. */
    const request = (index: number) =>
      storage.run(index, () =>
        tracer.startActiveSpan(`request ${index}`, async (span: Span) => {
          const { traceId, spanId } = span.spanContext();
          requests.push({ index, traceId, spanId });
          // The first request opens everything: the pools' connections, discovery, the client.
          managed ??= fixture.track({ stop: async () => managed?.quit() }) && sentinel.redisFor(name());
          try {
            await Promise.all([
              pool.set(`tc:pool:${index}`, String(index)),
              managed.set(`tc:managed:${index}`, String(index)),
              durable.set(`tc:durable:${index}`, String(index)),
            ]);
          } finally {
            span.end();
          }
        }),
      );

    await request(-1);
    // The hold: from failoverStarted until the new master is known every command waits.
    const started = new Promise<FailoverStartedEvent>((resolve) => sentinel.once('failoverStarted', resolve));
    const failover = fixture.topology.failover();
    await started;
    const held = Array.from({ length: REQUESTS }, (_, index) => request(index));
    await Promise.all(held);
    await failover;

    const spans = exporter.getFinishedSpans();
    const byTrace = new Map(requests.map((r) => [r.traceId, r]));
    let userSpans = 0;
    for (const r of requests) {
      const mine = spans.filter((s) =>
        [`tc:pool:${r.index} `, `tc:managed:${r.index} `, `tc:durable:${r.index} `].some((k) =>
          String(s.attributes['db.query.text'] ?? '').includes(k),
        ),
      );
      // Each command has a span; a managed client's command queued offline has two (the
      // instrumentation wraps ioredis's sendCommand, which runs again for the resend).
      assert.ok(mine.length >= 3, `request ${r.index}: a span per command (${mine.length})`);
      const elsewhere = mine.filter((s) => s.spanContext().traceId !== r.traceId || parentOf(s) !== r.spanId);
      assert.deepEqual(
        elsewhere.map((s) => {
          const owner = byTrace.get(s.spanContext().traceId);
          return `${s.attributes['db.query.text']} in ${owner ? `request ${owner.index}` : 'no request'}`;
        }),
        [],
        `request ${r.index}: every command span under its request's span`,
      );
      userSpans += mine.length;
    }
    const own = spans.filter((s) => OWN_COMMANDS.has(s.name.toLowerCase()));
    const ownNames = new Set(own.map((s) => s.name.toLowerCase()));
    for (const expected of ['sentinel', 'role', 'wait']) {
      assert.ok(ownNames.has(expected), `the library's ${expected} was traced (${[...ownNames]})`);
    }
    const inRequests = own.filter((s) => byTrace.has(s.spanContext().traceId) || parentOf(s) !== undefined);
    assert.deepEqual(
      inRequests.map((s) => `${s.name} in ${byTrace.get(s.spanContext().traceId)?.index ?? 'another trace'}`),
      [],
      'the library’s own commands are roots',
    );
    assert.ok(userSpans >= REQUESTS * 3, `${userSpans} user spans`);
    for (const r of requests) {
      for (const key of [`tc:pool:${r.index}`, `tc:managed:${r.index}`, `tc:durable:${r.index}`]) {
        assert.equal(writtenIn.get(key), r.index, `${key} written in its caller's store`);
      }
    }
  });
});
