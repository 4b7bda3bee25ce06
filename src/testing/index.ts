/** `redis-sentinel-pool/testing`: real local Redis + Sentinel topologies for tests and demos. */
export {};
