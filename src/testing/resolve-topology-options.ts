/**
 * `resolveTopologyOptions` (pure): applies {@link LOCAL_TOPOLOGY_DEFAULTS} to
 * {@link LocalTopologyOptions}, checks every value, and hides the passwords from inspection.
 */
import { inspect } from 'node:util';
import { redact, registerSecret } from '../debug.js';
import { TopologyError } from '../errors.js';
import {
  LOCAL_TOPOLOGY_DEFAULTS,
  type LocalTopologyOptions,
  type LocalTopologyTLS,
  type ResolvedTopologyOptions,
  type ResolvedTopologyTLS,
} from './options.js';

function integer(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TopologyError(
      `LocalTopology option ${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

function word(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && (value.length === 0 || /\s/.test(value))) {
    throw new TopologyError(`LocalTopology option ${name} must be a non-empty word`);
  }
  return value;
}

function path(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TopologyError(`LocalTopology option tls.${name} must be a file path`);
  }
  return value;
}

function resolveTLS(tls: LocalTopologyTLS | undefined): ResolvedTopologyTLS | undefined {
  if (tls === undefined) return undefined;
  if (tls === null || typeof tls !== 'object') {
    throw new TopologyError('LocalTopology option tls must be an object with certFile, keyFile and caFile');
  }
  const authClients = tls.authClients ?? false;
  if (typeof authClients !== 'boolean') {
    throw new TopologyError('LocalTopology option tls.authClients must be a boolean');
  }
  const clientCertFile =
    tls.clientCertFile === undefined ? undefined : path('clientCertFile', tls.clientCertFile);
  const clientKeyFile =
    tls.clientKeyFile === undefined ? undefined : path('clientKeyFile', tls.clientKeyFile);
  if ((clientCertFile === undefined) !== (clientKeyFile === undefined)) {
    throw new TopologyError('LocalTopology options tls.clientCertFile and tls.clientKeyFile go together');
  }
  return Object.freeze({
    certFile: path('certFile', tls.certFile),
    keyFile: path('keyFile', tls.keyFile),
    caFile: path('caFile', tls.caFile),
    authClients,
    clientCertFile,
    clientKeyFile,
  });
}

function resolveNetwork(
  options: LocalTopologyOptions,
): Pick<ResolvedTopologyOptions, 'network' | 'applicationHosts'> {
  const network = options.network ?? LOCAL_TOPOLOGY_DEFAULTS.network;
  if (network !== 'loopback' && network !== 'namespaces') {
    throw new TopologyError(
      `LocalTopology option network must be 'loopback' or 'namespaces', got ${String(network)}`,
    );
  }
  const isNamespaces = network === 'namespaces';
  const applicationHosts = integer(
    'applicationHosts',
    options.applicationHosts ?? (isNamespaces ? 1 : 0),
    0,
    isNamespaces ? 20 : 0,
  );
  return { network, applicationHosts };
}

/** Applies defaults and checks ranges. Throws {@link TopologyError} on a bad option. */
export function resolveTopologyOptions(options: LocalTopologyOptions = {}): ResolvedTopologyOptions {
  const d = LOCAL_TOPOLOGY_DEFAULTS;
  const sentinels = integer('sentinels', options.sentinels ?? d.sentinels, 1, 20);
  const resolved: ResolvedTopologyOptions = {
    replicas: integer('replicas', options.replicas ?? d.replicas, 0, 20),
    sentinels,
    quorum: integer('quorum', options.quorum ?? Math.min(d.quorum, sentinels), 1, sentinels),
    masterName: word('masterName', options.masterName ?? d.masterName) ?? d.masterName,
    downAfterMilliseconds: integer(
      'downAfterMilliseconds',
      options.downAfterMilliseconds ?? d.downAfterMilliseconds,
      1,
    ),
    failoverTimeout: integer('failoverTimeout', options.failoverTimeout ?? d.failoverTimeout, 1),
    minReplicasToWrite: integer('minReplicasToWrite', options.minReplicasToWrite ?? d.minReplicasToWrite, 0),
    minReplicasMaxLag: integer('minReplicasMaxLag', options.minReplicasMaxLag ?? d.minReplicasMaxLag, 0),
    password: options.password,
    username: word('username', options.username),
    sentinelPassword: options.sentinelPassword,
    sentinelUsername: word('sentinelUsername', options.sentinelUsername),
    redisServer: options.redisServer ?? d.redisServer,
    readyTimeoutMs: integer('readyTimeoutMs', options.readyTimeoutMs ?? d.readyTimeoutMs, 1),
    tls: resolveTLS(options.tls),
    extraDataConfig: Object.freeze([...(options.extraDataConfig ?? [])]),
    extraSentinelConfig: Object.freeze([...(options.extraSentinelConfig ?? [])]),
    ...resolveNetwork(options),
  };
  if (resolved.network === 'namespaces' && resolved.tls !== undefined) {
    throw new TopologyError("LocalTopology option tls is not supported with network: 'namespaces'");
  }
  if (resolved.username !== undefined && resolved.password === undefined) {
    throw new TopologyError('LocalTopology option username needs password');
  }
  if (resolved.sentinelUsername !== undefined && resolved.sentinelPassword === undefined) {
    throw new TopologyError('LocalTopology option sentinelUsername needs sentinelPassword');
  }
  // Never print a password: debug lines (ours and ioredis's) redact it, and console.log,
  // util.inspect and JSON.stringify see a redacted copy.
  registerSecret(resolved.password);
  registerSecret(resolved.sentinelPassword);
  const hidden = () => redact({ ...resolved });
  Object.defineProperty(resolved, inspect.custom, { value: hidden, enumerable: false });
  Object.defineProperty(resolved, 'toJSON', { value: hidden, enumerable: false });
  return Object.freeze(resolved);
}
