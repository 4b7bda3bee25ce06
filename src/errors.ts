/**
 * Every error this library throws or rejects with is a {@link SentinelPoolError}: check
 * `err.code` (stable) or `instanceof`, not the message. Each subclass stands for a different
 * decision the caller has to make. Server errors (ReplyError from ioredis) pass through as they
 * are; {@link classifyReplyError} tells what a server error means for a Sentinel client.
 *
 * Messages name the master group and the address, never a credential.
 */

/** Options accepted by every error of this library. */
export interface SentinelPoolErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error of this library. */
export class SentinelPoolError extends Error {
  /** A stable identifier of the error kind, e.g. `ERR_MASTER_NOT_FOUND`. */
  readonly code: string;

  constructor(code: string, message: string, options?: SentinelPoolErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad arguments or options: fix the call. Thrown synchronously where possible. */
export class SentinelConfigError extends SentinelPoolError {
  constructor(message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_SENTINEL_CONFIG', message, options);
  }
}

/** One sentinel's answer (or failure) while looking for a master. */
export interface SentinelAttempt {
  /** The sentinel, as `host:port`. */
  sentinel: string;
  /** What it said or why it could not be asked. */
  outcome: string;
}

/**
 * No sentinel could name a usable master for this group: the name is unknown to all of them,
 * none was reachable, or every answer failed a sanity check. `attempts` says what each said.
 */
export class MasterNotFoundError extends SentinelPoolError {
  /** The master group name. */
  readonly masterName: string;
  /** What each sentinel answered, in the order asked. */
  readonly attempts: readonly SentinelAttempt[];

  constructor(masterName: string, attempts: readonly SentinelAttempt[], options?: SentinelPoolErrorOptions) {
    const detail = attempts.length
      ? attempts.map((a) => `${a.sentinel}: ${a.outcome}`).join('; ')
      : 'no sentinel was asked';
    super('ERR_MASTER_NOT_FOUND', `No master found for "${masterName}" (${detail})`, options);
    this.masterName = masterName;
    this.attempts = attempts;
  }
}

/** No healthy replica is known for the group and falling back to the master is off. */
export class ReplicaNotFoundError extends SentinelPoolError {
  /** The master group name. */
  readonly masterName: string;

  constructor(masterName: string, message?: string, options?: SentinelPoolErrorOptions) {
    super('ERR_REPLICA_NOT_FOUND', message ?? `No healthy replica of "${masterName}"`, options);
    this.masterName = masterName;
  }
}

/**
 * A command waited `failoverTimeout` for a master and none became reachable (no sentinel named
 * one, or the one named did not answer). The command was not sent.
 */
export class FailoverTimeoutError extends SentinelPoolError {
  /** The master group name. */
  readonly masterName: string;

  constructor(masterName: string, message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_FAILOVER_TIMEOUT', message, options);
    this.masterName = masterName;
  }
}

/**
 * The base of the errors by which a data node refuses the client's configuration: no waiting
 * fixes it, so commands fail with it at once instead of waiting `failoverTimeout`; the pool keeps
 * trying in the background, and the first command after the fix succeeds.
 */
function configurationRefusal(code: string) {
  return class extends SentinelPoolError {
    /** The master group name. */
    readonly masterName: string;
    /** The server that refused, `host:port`, when known. */
    readonly address: string | undefined;

    constructor(
      masterName: string,
      address: string | undefined,
      message: string,
      options?: SentinelPoolErrorOptions,
    ) {
      super(code, message, options);
      this.masterName = masterName;
      this.address = address;
    }
  };
}

/**
 * A data node refused the client's credentials or permissions: WRONGPASS, NOAUTH, or NOPERM on
 * a command the client sends itself (AUTH/HELLO, SELECT, ROLE). Commands and `acquire()` fail with
 * it at once; once the server or the options are fixed, the next command succeeds. Check the
 * options `username` and `password`, and that user's ACL.
 */
export class AuthenticationError extends configurationRefusal('ERR_AUTHENTICATION') {}

/**
 * A TLS handshake with a data node failed on a certificate: the server's did not verify against
 * `tls.ca` (or did not match its host name), or the server refused the client's. Commands and
 * `acquire()` fail with it at once. Check the option `tls` (`ca`, `cert`, `key`, `servername`).
 */
export class TlsCertificateError extends configurationRefusal('ERR_TLS_CERTIFICATE') {}

/**
 * The client and a data node disagree on TLS: the client spoke plain TCP to a port that only
 * speaks TLS (the server reset two attempts in a row before any reply), or TLS to a port that does
 * not. Commands and `acquire()` fail with it at once; the pool keeps trying in the background.
 * Set or unset the option `tls`.
 */
export class TlsMismatchError extends configurationRefusal('ERR_TLS_MISMATCH') {}

/**
 * A data node does not have the database the option `db` selects (`ERR DB index is out of range`:
 * the server's `databases` setting is lower). Commands and `acquire()` fail with it at once; the
 * pool keeps trying in the background. Check the option `db`.
 */
export class DatabaseIndexError extends configurationRefusal('ERR_DATABASE_INDEX') {}

/** A dedicated connection could not be acquired within `acquireTimeout`. */
export class PoolTimeoutError extends SentinelPoolError {
  constructor(message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_POOL_TIMEOUT', message, options);
  }
}

/** A command that writes was sent to a replica pool; send it to `masterFor()` instead. */
export class WriteOnReplicaError extends SentinelPoolError {
  /** The command name, lower case. */
  readonly command: string;

  constructor(command: string, masterName: string) {
    super(
      'ERR_WRITE_ON_REPLICA',
      `"${command}" writes, and replicaFor("${masterName}") only serves reads: use masterFor("${masterName}")`,
    );
    this.command = command;
  }
}

/**
 * A command needs a connection of its own (blocking commands, WATCH, SELECT, subscriptions):
 * run it inside `pool.withConnection(conn => …)` or on `pool.acquire()`.
 */
export class DedicatedConnectionRequiredError extends SentinelPoolError {
  /** The command name, lower case. */
  readonly command: string;

  constructor(command: string) {
    super(
      'ERR_DEDICATED_CONNECTION_REQUIRED',
      `"${command}" changes or blocks its connection: run it inside pool.withConnection(async (conn) => …)`,
    );
    this.command = command;
  }
}

/**
 * Reported through the `error` event only, once per sentinel and command: a sentinel refused an
 * optional command to the client's sentinel user (NOPERM). The client goes on without it, with
 * less: `consequence` says what. docs/sentinel-acl.md lists what the user needs.
 */
export class SentinelPermissionError extends SentinelPoolError {
  /** The sentinel, `host:port`. */
  readonly sentinel: string;
  /** The command refused, as ACL rules name it (`sentinel|sentinels`, `subscribe`). */
  readonly command: string;

  constructor(sentinel: string, command: string, consequence: string, options?: SentinelPoolErrorOptions) {
    super(
      'ERR_SENTINEL_NOPERM',
      `Sentinel ${sentinel} refuses "${command}" to the sentinel user (NOPERM): ${consequence}; grant +${command} (see docs/sentinel-acl.md)`,
      options,
    );
    this.sentinel = sentinel;
    this.command = command;
  }
}

/** The object was closed with `quit()` or `disconnect()`; create a new one. */
export class ClosedError extends SentinelPoolError {
  /**
   * @param what what is closed, as messages name it: `masterFor("mymaster")`.
   * @param fix what to do instead, when more than "create a new one" must be said.
   */
  constructor(what: string, fix = 'create a new one') {
    super('ERR_CLOSED', `${what} is closed: ${fix}`);
  }
}

/** A read-your-writes read found no caught-up replica in time, and fallback to the master is off. */
export class ConsistencyTimeoutError extends SentinelPoolError {
  constructor(message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_CONSISTENCY_TIMEOUT', message, options);
  }
}

/** A session token could not be read: it is not a token of this library, or it is damaged. */
export class InvalidTokenError extends SentinelPoolError {
  constructor(message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_INVALID_TOKEN', message, options);
  }
}

/** A durable write is on the master but fewer replicas than required confirmed it in time. */
export class ReplicationTimeoutError extends SentinelPoolError {
  /** How many replicas confirmed the write. */
  readonly confirmedReplicas: number;
  /** How many were required. */
  readonly requiredReplicas: number;

  constructor(confirmedReplicas: number, requiredReplicas: number, timeoutMs: number) {
    super(
      'ERR_REPLICATION_TIMEOUT',
      `The write is on the master but only ${confirmedReplicas} of ${requiredReplicas} required replicas confirmed it within ${timeoutMs} ms`,
    );
    this.confirmedReplicas = confirmedReplicas;
    this.requiredReplicas = requiredReplicas;
  }
}

/**
 * A sentinel named an address outside `allowedHosts`. The answer was ignored; this error is
 * reported through the `error` event so that the attempt is seen.
 */
export class AddressNotAllowedError extends SentinelPoolError {
  /** The refused address, `host:port`. */
  readonly address: string;
  /** The sentinel that named it, `host:port`. */
  readonly sentinel: string;

  constructor(masterName: string, address: string, sentinel: string) {
    super(
      'ERR_ADDRESS_NOT_ALLOWED',
      `Sentinel ${sentinel} named ${address} for "${masterName}", which allowedHosts does not permit: ignored`,
    );
    this.address = address;
    this.sentinel = sentinel;
  }
}

/**
 * The installed ioredis lacks an internal this library relies on (ioredis moved or renamed it).
 * Install a supported ioredis version (see the README), or report it with `missing`.
 */
export class IoredisInternalsError extends SentinelPoolError {
  /** The ioredis version found, or `unknown`. */
  readonly ioredisVersion: string;
  /** The members not found, e.g. `Redis#flushQueue`. */
  readonly missing: readonly string[];

  constructor(ioredisVersion: string, missing: readonly string[]) {
    super(
      'ERR_IOREDIS_INTERNALS',
      `ioredis ${ioredisVersion} lacks ${missing.join(', ')}, which redis-sentinel-pool relies on: install a supported ioredis 6 version`,
    );
    this.ioredisVersion = ioredisVersion;
    this.missing = missing;
  }
}

/** A local test topology could not be started or changed (testing kit). */
export class TopologyError extends SentinelPoolError {
  constructor(message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_TOPOLOGY', message, options);
  }
}

/** `redis-server` is not installed or not where the options say. */
export class RedisServerNotFoundError extends SentinelPoolError {
  constructor(binary: string, options?: SentinelPoolErrorOptions) {
    super(
      'ERR_REDIS_SERVER_NOT_FOUND',
      `redis-server not found (looked for "${binary}"). Install Redis: "sudo apt-get install -y redis-server" on Debian/Ubuntu, "brew install redis" on macOS, or pass the binary's path in the redisServer option`,
      options,
    );
  }
}

/**
 * The testing kit's network-namespace mode (`LocalTopology` option `network: 'namespaces'`) cannot
 * run here: it needs Linux, root, and iproute2's `ip`. `missing` says which.
 */
export class NetworkNamespacesUnavailableError extends SentinelPoolError {
  /** What is missing: `'linux'`, `'root'` or `'ip'`. */
  readonly missing: 'linux' | 'root' | 'ip';

  constructor(missing: 'linux' | 'root' | 'ip', detail: string, options?: SentinelPoolErrorOptions) {
    super('ERR_NETWORK_NAMESPACES_UNAVAILABLE', `LocalTopology network 'namespaces' ${detail}`, options);
    this.missing = missing;
  }
}

/**
 * `writeLeaseMs`: no majority of the sentinels confirmed the master within the lease, for
 * `failoverTimeout`, so the command was held and then failed. It was **not** sent.
 */
export class WriteLeaseExpiredError extends SentinelPoolError {
  constructor(masterName: string, message: string, options?: SentinelPoolErrorOptions) {
    super('ERR_WRITE_LEASE_EXPIRED', `${message} (master group "${masterName}")`, options);
  }
}
