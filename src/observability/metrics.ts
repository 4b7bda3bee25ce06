/**
 * OpenTelemetry metrics, when the application uses them: `@opentelemetry/api` is an optional
 * peer dependency, loaded on the first pool's creation with a dynamic `import()` (the CommonJS
 * build turns it into a `require`, so both builds resolve it from this package's location). If
 * it is absent, or no SDK is registered (the global meter is the API's no-op meter), nothing is
 * attached and pools keep `probe` undefined: the command path is unchanged. The SDK is checked
 * again at each new pool, so an application that registers its SDK before creating its pools
 * gets metrics.
 *
 * Once attached, the instruments (otel-instruments.ts) subscribe to the diagnostics channels
 * (one source of truth for failovers, reactions and session reads) and read the registered
 * pools' state in observable callbacks.
 */
import type * as OtelApi from '@opentelemetry/api';
import { debugFor } from '../debug.js';
import { attachInstruments } from './otel-instruments.js';
import type { ObservedPool, PoolProbe } from './pool-probe.js';

const log = debugFor('metrics');

/** The instrumentation scope's name (the meter's name). */
export const METER_NAME = 'redis-sentinel-pool';

type Loading =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'absent' }
  | { state: 'loaded'; api: typeof OtelApi; probe: PoolProbe | undefined };

let loading: Loading = { state: 'idle' };
const pools = new Set<ObservedPool>();

/** Loads the optional peer; undefined when it is not installed. */
async function loadApi(): Promise<typeof OtelApi | undefined> {
  try {
    return await import('@opentelemetry/api');
  } catch {
    return undefined;
  }
}

/** Attaches the instruments if an SDK is registered now (and they are not attached yet). */
function attachIfRegistered(): void {
  if (loading.state !== 'loaded' || loading.probe) return;
  const { api } = loading;
  const meter = api.metrics.getMeter(METER_NAME);
  // The API hands out its one no-op meter when no SDK registered a provider.
  if (meter === api.createNoopMeter()) return;
  const probe = attachInstruments(meter, pools);
  loading.probe = probe;
  for (const pool of pools) pool.probe = probe;
  log('OpenTelemetry SDK found: metrics attached');
}

/** A pool was created: registered for the gauges, given the probe when metrics are on. */
export function observePool(pool: ObservedPool): void {
  pools.add(pool);
  if (loading.state === 'loaded') {
    attachIfRegistered();
    pool.probe = loading.probe;
    return;
  }
  if (loading.state !== 'idle') return;
  loading = { state: 'loading' };
  void loadApi().then((api) => {
    loading = api ? { state: 'loaded', api, probe: undefined } : { state: 'absent' };
    if (!api) log('@opentelemetry/api is not installed: no metrics');
    attachIfRegistered();
  });
}

/** A pool closed: no longer observed. */
export function forgetPool(pool: ObservedPool): void {
  pools.delete(pool);
  pool.probe = undefined;
}

/** @internal For tests: whether the metrics are attached. */
export function isMetricsAttached(): boolean {
  return loading.state === 'loaded' && loading.probe !== undefined;
}
