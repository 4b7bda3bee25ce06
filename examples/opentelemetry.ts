// Tracing a managed client with OpenTelemetry across a failover: npx tsx examples/opentelemetry.ts
// Starts 1 master, 2 replicas and 3 sentinels (redis-server on PATH); requests run while the
// master changes; every Redis span is printed (ConsoleSpanExporter), then which trace each is in.
import { register } from 'node:module';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

// An ES module app needs the import-in-the-middle hook registered before ioredis is imported (a
// CommonJS app: `node --require ./tracing.cjs app.js` instead). In an app, put these lines in a
// file of their own and start with `node --import ./tracing.mjs app.mjs`.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const finished = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter()), new SimpleSpanProcessor(finished)],
  }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
registerInstrumentations({ instrumentations: [new IORedisInstrumentation()] });

// Imported only now, so that the hook sees ioredis.
const { Sentinel } = await import('redis-sentinel-pool');
const { LocalTopology } = await import('redis-sentinel-pool/testing');

const topology = await LocalTopology.start();
const sentinel = new Sentinel(topology.sentinelAddresses());
const tracer = trace.getTracer('example');
const request = (name: string, work: () => Promise<unknown>) =>
  tracer.startActiveSpan(name, async (span) => {
    // A command in flight when the old master's socket is dropped rejects (ConnectionLostError).
    await work().catch((error: Error) => console.log(`request ${name}: ${error.name}`));
    span.end();
    return span.spanContext().traceId;
  });
try {
  const redis = sentinel.redisFor(topology.masterName);
  const traces = new Map<string, string>();
  traces.set('before', await request('before', () => redis.incr('visits')));
  // Requests whose commands wait for the new master while Sentinel fails over.
  const held = new Promise<void>((resolve) =>
    sentinel.once('failoverStarted', () =>
      // Once the client has dropped the old master's socket (it does on this event).
      setImmediate(() => {
        const names = ['held-1', 'held-2', 'held-3'];
        void Promise.all(
          names.map(async (name) => traces.set(name, await request(name, () => redis.incr('visits')))),
        ).then(() => resolve());
      }),
    ),
  );
  const { from, to } = await topology.failover();
  await held;
  traces.set('after', await request('after', () => redis.incr('visits')));
  console.log(`master :${from.port} -> :${to.port}; visits = ${await redis.get('visits')}`);
  const redisSpans = finished.getFinishedSpans().filter((span) => span.name === 'incr');
  for (const [name, traceId] of traces) {
    const own = redisSpans.filter((span) => span.spanContext().traceId === traceId).length;
    console.log(`request ${name}: trace ${traceId}, ${own} incr span(s) in it`);
  }
} finally {
  await sentinel.quit();
  await topology.stop();
}
