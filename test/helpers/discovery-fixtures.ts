/** What the discovery reducer's unit tests share: settings, addresses and a clock. */
import type { DiscoverySettings } from '../../src/discovery/discovery-state.js';

export const settings: DiscoverySettings = {
  name: 'mymaster',
  failoverTimeout: 30_000,
  updateSentinels: true,
  natMap: undefined,
  allowedHosts: undefined,
};
export const A = { host: '10.0.0.1', port: 6379 };
export const B = { host: '10.0.0.2', port: 6379 };
export const C = { host: '10.0.0.3', port: 6379 };
/** A sentinel. */
export const S = { host: '10.0.0.9', port: 26379 };
/** The reducer's clock in these tests. */
export const NOW = 1_000_000;
