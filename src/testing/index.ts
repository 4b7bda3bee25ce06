/** `redis-sentinel-pool/testing`: real local Redis + Sentinel topologies for tests and demos. */
export { EVENTUALLY_DEFAULTS, type EventuallyOptions, eventually } from './eventually.js';
export {
  type FailoverResult,
  type HostInfo,
  type HostProcess,
  LocalTopology,
  type NodeAddress,
  type RunOnHostOptions,
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
