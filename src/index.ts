/**
 * redis-sentinel-pool: the public surface. Everything a user imports comes from here (or from
 * `redis-sentinel-pool/testing` for the local test topology).
 */
export * from './errors.js';
