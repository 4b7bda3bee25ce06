/**
 * Config files of a local topology's nodes (pure). Data nodes run without persistence and with
 * diskless replication and no delay, so a replica is in sync within milliseconds of starting.
 * Sentinels rewrite their file, so it lives in the node's writable temp dir.
 */
import { join } from 'node:path';

/** Quotes one config argument the way Redis's `sdssplitargs` reads it. */
export function quoteConfigArg(value: string): string {
  const escaped = value
    .replace(/[\\"]/g, (c) => `\\${c}`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${escaped}"`;
}

function line(...args: Array<string | number>): string {
  return args.map((a) => (typeof a === 'number' ? String(a) : quoteConfigArg(a))).join(' ');
}

/**
 * Lines giving `username` (or the default user) the password. With a username, the default user
 * is switched off so that a client that forgets the username is refused.
 */
function aclLines(username: string | undefined, password: string | undefined): string[] {
  if (password === undefined) return [];
  if (username === undefined) return [line('requirepass', password)];
  return [line('user', username, 'on', `>${password}`, '~*', '&*', '+@all'), line('user', 'default', 'off')];
}

/** What a node needs to listen with TLS only (the files of `LocalTopologyOptions.tls`). */
export interface NodeTLSConfig {
  certFile: string;
  keyFile: string;
  caFile: string;
  authClients: boolean;
  clientCertFile?: string | undefined;
  clientKeyFile?: string | undefined;
}

/**
 * TLS only on `port`: no plain TCP port. `tls-replication yes` makes a replica connect to its
 * master with TLS, and a sentinel connect with TLS to the data nodes and to other sentinels,
 * and announce its TLS port to them (https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/).
 */
function tlsLines(port: number, tls: NodeTLSConfig): string[] {
  const lines = [
    line('port', 0),
    line('tls-port', port),
    line('tls-cert-file', tls.certFile),
    line('tls-key-file', tls.keyFile),
    line('tls-ca-cert-file', tls.caFile),
    line('tls-auth-clients', tls.authClients ? 'yes' : 'no'),
    line('tls-replication', 'yes'),
  ];
  if (tls.clientCertFile !== undefined && tls.clientKeyFile !== undefined) {
    lines.push(
      line('tls-client-cert-file', tls.clientCertFile),
      line('tls-client-key-file', tls.clientKeyFile),
    );
  }
  return lines;
}

/** Where a node listens: its host address, and a unix socket for the kit in namespace mode. */
export interface NodeListen {
  /** The address it binds to and announces. @default '127.0.0.1' */
  host?: string | undefined;
  /**
   * A unix socket the kit's own clients use (namespace mode: the kit runs outside every host's
   * namespace, and a socket file is reachable from any namespace). Protected mode is then off:
   * the host address is not loopback, and it exists only inside the test namespaces.
   */
  unixSocket?: string | undefined;
}

function commonLines(
  port: number,
  dir: string,
  tls: NodeTLSConfig | undefined,
  listen: NodeListen,
): string[] {
  const lines = [
    ...(tls === undefined ? [line('port', port)] : tlsLines(port, tls)),
    line('bind', listen.host ?? '127.0.0.1'),
    line('daemonize', 'no'),
    line('dir', dir),
    line('logfile', join(dir, 'redis.log')),
  ];
  if (listen.unixSocket !== undefined) {
    lines.push(
      line('unixsocket', listen.unixSocket),
      line('unixsocketperm', 700),
      line('protected-mode', 'no'),
    );
  }
  return lines;
}

/** What a data node's config is made of. */
export interface DataNodeConfig extends NodeListen {
  port: number;
  dir: string;
  /** Port of the master; absent for the master itself. */
  masterPort?: number | undefined;
  /** Host of the master. @default '127.0.0.1' */
  masterHost?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  minReplicasToWrite: number;
  minReplicasMaxLag: number;
  /** TLS only, when set. */
  tls?: NodeTLSConfig | undefined;
  extra: readonly string[];
}

/** Config lines of a master or replica. */
export function dataNodeConfig(config: DataNodeConfig): string[] {
  const lines = [
    ...commonLines(config.port, config.dir, config.tls, config),
    line('save', ''),
    line('appendonly', 'no'),
    line('repl-diskless-sync', 'yes'),
    line('repl-diskless-sync-delay', 0),
    line('enable-debug-command', 'local'),
    line('min-replicas-to-write', config.minReplicasToWrite),
    line('min-replicas-max-lag', config.minReplicasMaxLag),
    ...aclLines(config.username, config.password),
  ];
  if (config.password !== undefined) {
    if (config.username !== undefined) lines.push(line('masteruser', config.username));
    lines.push(line('masterauth', config.password));
  }
  if (config.masterPort !== undefined) {
    lines.push(line('replicaof', config.masterHost ?? '127.0.0.1', config.masterPort));
  }
  return [...lines, ...config.extra];
}

/** What a sentinel's config is made of. */
export interface SentinelNodeConfig extends NodeListen {
  port: number;
  dir: string;
  masterName: string;
  masterPort: number;
  /** Host of the master. @default '127.0.0.1' */
  masterHost?: string | undefined;
  quorum: number;
  downAfterMilliseconds: number;
  failoverTimeout: number;
  /** Credentials of the data nodes. */
  username?: string | undefined;
  password?: string | undefined;
  /** Credentials of the sentinels themselves. */
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  /** TLS only, when set (also towards the data nodes and the other sentinels). */
  tls?: NodeTLSConfig | undefined;
  extra: readonly string[];
}

/** Config lines of a sentinel (`redis-server <file> --sentinel`). */
export function sentinelConfig(config: SentinelNodeConfig): string[] {
  const name = config.masterName;
  const lines = [
    ...commonLines(config.port, config.dir, config.tls, config),
    line('sentinel', 'monitor', name, config.masterHost ?? '127.0.0.1', config.masterPort, config.quorum),
    line('sentinel', 'down-after-milliseconds', name, config.downAfterMilliseconds),
    line('sentinel', 'failover-timeout', name, config.failoverTimeout),
    line('sentinel', 'parallel-syncs', name, 1),
    ...aclLines(config.sentinelUsername, config.sentinelPassword),
  ];
  if (config.password !== undefined) {
    if (config.username !== undefined) lines.push(line('sentinel', 'auth-user', name, config.username));
    lines.push(line('sentinel', 'auth-pass', name, config.password));
  }
  if (config.sentinelPassword !== undefined) {
    if (config.sentinelUsername !== undefined) {
      lines.push(line('sentinel', 'sentinel-user', config.sentinelUsername));
    }
    lines.push(line('sentinel', 'sentinel-pass', config.sentinelPassword));
  }
  return [...lines, ...config.extra];
}

/**
 * Returns a config file's text with every `replicaof`/`slaveof` line replaced by one pointing at
 * `masterHost:masterPort` (for restarting a node as a replica of the current master).
 */
export function withReplicaOf(text: string, masterPort: number, masterHost = '127.0.0.1'): string {
  const kept = text.split('\n').filter((l) => !/^\s*"?(replicaof|slaveof)"?\s/i.test(l));
  while (kept.length > 0 && kept.at(-1)?.trim() === '') kept.pop();
  return `${[...kept, line('replicaof', masterHost, masterPort)].join('\n')}\n`;
}
