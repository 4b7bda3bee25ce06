/** `redis-sentinel-pool/testing`: real local Redis + Sentinel topologies for tests and demos. */
export { EVENTUALLY_DEFAULTS, type EventuallyOptions, eventually } from './eventually.js';
export {
  type FailoverResult,
  LocalTopology,
  type NodeAddress,
  type Signal,
  type SwitchRecord,
} from './local-topology.js';
export {
  LOCAL_TOPOLOGY_DEFAULTS,
  type LocalTopologyOptions,
  type LocalTopologyTLS,
  type ResolvedTopologyOptions,
  type ResolvedTopologyTLS,
  type RestoreOptions,
  type TopologyWaitOptions,
} from './options.js';
