/**
 * Parsers for what Sentinel says: replies to `SENTINEL …` commands and the messages it publishes
 * on its event channels. Pure: no I/O. Redis calls replicas "slaves" on the wire; everything we
 * return says "replica".
 */
import { type Address, formatAddress } from '../address.js';
import type { ReplicaInfo } from '../topology.js';

/** A sentinel as another sentinel reports it. */
export interface SentinelInfo extends Address {
  /** Sentinel's flags for it, e.g. `['sentinel']`. */
  flags: string[];
}

/** The parts of `SENTINEL MASTER <name>` a client checks before trusting an answer. */
export interface MasterState extends Address {
  flags: string[];
  /** How many other sentinels this sentinel sees for the master. */
  otherSentinelCount: number;
  /** The configuration epoch: it grows with every failover, so a higher one is newer. */
  configEpoch: number | undefined;
}

/**
 * Turns one instance entry into a string map. RESP2 gives a flat `[k, v, k, v]` array; RESP3
 * gives a map, which ioredis may hand over as a flat array, a Map or an object.
 */
export function fieldsOf(entry: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(entry)) {
    for (let i = 0; i + 1 < entry.length; i += 2) out.set(String(entry[i]), String(entry[i + 1]));
  } else if (entry instanceof Map) {
    for (const [k, v] of entry) out.set(String(k), String(v));
  } else if (entry !== null && typeof entry === 'object') {
    for (const [k, v] of Object.entries(entry)) out.set(k, String(v));
  }
  return out;
}

function addressOf(fields: Map<string, string>): Address | undefined {
  const host = fields.get('ip');
  const port = Number(fields.get('port'));
  if (!host || !Number.isInteger(port) || port <= 0) return undefined;
  return { host, port };
}

function flagsOf(fields: Map<string, string>): string[] {
  return (fields.get('flags') ?? '').split(',').filter(Boolean);
}

function optionalNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses the reply to `SENTINEL GET-MASTER-ADDR-BY-NAME`: `[ip, port]`, or null when unknown. */
export function parseMasterAddress(reply: unknown): Address | null {
  if (!Array.isArray(reply) || reply.length < 2) return null;
  const host = String(reply[0]);
  const port = Number(reply[1]);
  if (host.length === 0 || !Number.isInteger(port) || port <= 0 || port > 65535) return null;
  return { host, port };
}

/** Parses the reply to `SENTINEL REPLICAS <name>` (entries without an address are dropped). */
export function parseReplicas(reply: unknown): ReplicaInfo[] {
  return nodesOf(reply, (fields, address) => {
    const replica: ReplicaInfo = {
      ...address,
      flags: flagsOf(fields),
      masterLinkStatus: fields.get('master-link-status') ?? 'unknown',
    };
    const offset = optionalNumber(fields.get('slave-repl-offset'));
    if (offset !== undefined) replica.replicationOffset = offset;
    const priority = optionalNumber(fields.get('slave-priority') ?? fields.get('replica-priority'));
    if (priority !== undefined) replica.priority = priority;
    return replica;
  });
}

/** Parses the reply to `SENTINEL SENTINELS <name>` (entries without an address are dropped). */
export function parseSentinels(reply: unknown): SentinelInfo[] {
  return nodesOf(reply, (fields, address) => ({ ...address, flags: flagsOf(fields) }));
}

/** Parses each entry of a list of nodes that has an address; the others are dropped. */
function nodesOf<T>(reply: unknown, parse: (fields: Map<string, string>, address: Address) => T): T[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((entry) => {
    const fields = fieldsOf(entry);
    const address = addressOf(fields);
    return address ? [parse(fields, address)] : [];
  });
}

/** Parses the reply to `SENTINEL MASTER <name>`, or undefined if it has no address. */
export function parseMasterState(reply: unknown): MasterState | undefined {
  const fields = fieldsOf(reply);
  const address = addressOf(fields);
  if (!address) return undefined;
  return {
    ...address,
    flags: flagsOf(fields),
    otherSentinelCount: optionalNumber(fields.get('num-other-sentinels')) ?? 0,
    configEpoch: optionalNumber(fields.get('config-epoch')),
  };
}

/**
 * One message published by Sentinel. Most use the instance format
 * `<type> <name> <ip> <port> @ <master-name> <master-ip> <master-port>` (the `@` part is absent
 * when the instance is the master itself); `+switch-master` is
 * `<master-name> <old-ip> <old-port> <new-ip> <new-port>`.
 */
export interface SentinelEvent {
  /** The channel, e.g. `+switch-master`, `+sdown`. */
  channel: string;
  /** The master group the event is about. */
  masterName: string;
  /** `master`, `slave` or `sentinel` (the instance the event is about); `master` for switches. */
  instanceType: string;
  /** The instance the event is about (the new master for `+switch-master`). */
  instance: Address;
  /** For `+switch-master`: the old master. */
  previous?: Address;
  /** For replica and sentinel events: the master after `@` (the old master for `+promoted-slave`). */
  master?: Address;
  /** Words after the instance description (e.g. `#quorum 2/2`). */
  detail: string;
}

/** Event channels a client subscribes to. Replica and sentinel events keep the topology current. */
export const SENTINEL_CHANNELS = [
  '+switch-master',
  '+sdown',
  '-sdown',
  '+odown',
  '-odown',
  '+slave',
  '+convert-to-slave',
  '+sentinel',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+promoted-slave',
  '+failover-end',
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
] as const;

function toAddress(host: string | undefined, port: string | undefined): Address | undefined {
  const n = Number(port);
  if (!host || !Number.isInteger(n) || n <= 0 || n > 65535) return undefined;
  return { host, port: n };
}

/** Parses a published message; undefined when it does not have the expected shape. */
export function parseSentinelEvent(channel: string, message: string): SentinelEvent | undefined {
  const words = message.trim().split(/\s+/);
  if (channel === '+switch-master') {
    const [masterName, oldHost, oldPort, newHost, newPort] = words;
    const previous = toAddress(oldHost, oldPort);
    const instance = toAddress(newHost, newPort);
    if (!masterName || !previous || !instance) return undefined;
    return { channel, masterName, instanceType: 'master', instance, previous, detail: '' };
  }
  const [instanceType, name, host, port] = words;
  const instance = toAddress(host, port);
  if (!instanceType || !name || !instance) return undefined;
  const at = words.indexOf('@', 4);
  if (instanceType === 'master' || at < 0) {
    return { channel, masterName: name, instanceType, instance, detail: words.slice(4).join(' ') };
  }
  const masterName = words[at + 1];
  if (!masterName) return undefined;
  const event: SentinelEvent = {
    channel,
    masterName,
    instanceType,
    instance,
    detail: words.slice(4, at).join(' '),
  };
  const master = toAddress(words[at + 2], words[at + 3]);
  if (master) event.master = master;
  return event;
}

/** A short description of an event for logs: `+sdown slave 127.0.0.1:7002 @ mymaster`. */
export function describeEvent(event: SentinelEvent): string {
  const what =
    event.previous !== undefined
      ? `${formatAddress(event.previous)} -> ${formatAddress(event.instance)}`
      : `${event.instanceType} ${formatAddress(event.instance)}`;
  return `${event.channel} ${what} @ ${event.masterName}`;
}
