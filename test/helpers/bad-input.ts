/**
 * Generators (fast-check arbitraries) of malformed input for test/chaos/bad-input.test.ts, and
 * the rules that say which of it is valid. The rules are written again here from the README, not
 * imported from src/: a value the library wrongly accepts then fails as surely as one it wrongly
 * refuses.
 */
import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';

/** The longest delay Node's timers take; every millisecond option must fit. */
export const MAX_MS = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// The rules

/** `host` as the README accepts it: a DNS name (underscores allowed), IPv4, or IPv6 bare. */
export function isValidHost(host: unknown): host is string {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) return false;
  if (host.includes(':')) return isIPv6(host);
  if (/^[0-9.]+$/.test(host)) return isIPv4(host);
  return /^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\.?$/.test(host);
}

export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** What one address string means (`host[:port]`, IPv6 in brackets), or undefined if it is invalid. */
export function expectedAddress(text: string): { host: string; port: number } | undefined {
  const trimmed = text.trim();
  let host: string | undefined;
  let portText = '26379';
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/s.exec(trimmed);
  if (bracketed) {
    host = bracketed[1]!;
    if (!isIPv6(host)) return undefined;
    if (bracketed[2] !== undefined) portText = bracketed[2];
  } else {
    const parts = trimmed.split(':');
    if (parts.length > 2) return undefined;
    host = parts[0];
    if (parts.length === 2) portText = parts[1]!;
  }
  if (!isValidHost(host) || !/^[0-9]+$/.test(portText)) return undefined;
  const port = Number(portText);
  return isValidPort(port) ? { host, port } : undefined;
}

/** What a sentinel list means (distinct addresses, first kept), or undefined if it is invalid. */
export function expectedSentinels(input: unknown): Array<{ host: string; port: number }> | undefined {
  let items: unknown[];
  if (typeof input === 'string') items = input.split(',');
  else if (Array.isArray(input)) items = [...input];
  else return undefined;
  const out: Array<{ host: string; port: number }> = [];
  for (const item of items) {
    let address: { host: string; port: number } | undefined;
    if (typeof item === 'string') address = expectedAddress(item);
    else if (typeof item === 'object' && item !== null) {
      const { host, port = 26379 } = item as { host?: unknown; port?: unknown };
      address = isValidHost(host) && isValidPort(port) ? { host, port } : undefined;
    }
    if (!address) return undefined;
    if (!out.some((a) => a.host === address.host && a.port === address.port)) out.push(address);
  }
  return out.length > 0 ? out : undefined;
}

/** A master group name: 1 to 200 UTF-16 units, no white space, control character or lone surrogate. */
export function isValidMasterName(name: unknown): boolean {
  return (
    typeof name === 'string' && name.length >= 1 && name.length <= 200 && !/[\s\p{Cc}\p{Cs}]/u.test(name)
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.prototype.toString.call(v) === '[object Object]';
const isMs = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_MS;
const isInteger = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isBoolean = (v: unknown) => typeof v === 'boolean';
const isString = (v: unknown) => typeof v === 'string';
const isTls = (v: unknown) => typeof v === 'boolean' || isPlainObject(v);

function isValidWaitForReplicas(v: unknown): boolean {
  return (
    isPlainObject(v) &&
    Object.keys(v).every((k) => k === 'replicas' || k === 'timeoutMs') &&
    isInteger(1, Number.MAX_SAFE_INTEGER)(v.replicas) &&
    isInteger(1, MAX_MS)(v.timeoutMs)
  );
}

function isValidNatMap(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (!isPlainObject(v)) return false;
  return Object.entries(v).every(
    ([key, target]) =>
      /:[0-9]+$/.test(key) &&
      expectedAddress(key) !== undefined &&
      isPlainObject(target) &&
      isValidHost(target.host) &&
      isValidPort(target.port),
  );
}

function isValidAllowedHosts(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (!Array.isArray(v) || v.length === 0) return false;
  return [...v].every(
    (entry) =>
      typeof entry === 'string' &&
      // README: hosts (`10.0.0.5`) or `host:port` pairs (`10.0.0.5:6379`); a bare IPv6 is a host.
      (isIPv6(entry) || expectedAddress(entry) !== undefined),
  );
}

/**
 * What a session token means: `rsp1.-` (no writes yet: undefined), or `rsp1.` and base64url
 * JSON `{ m: 'host:port', o: offset }`; `null` if it is no token.
 */
export function expectedPosition(
  token: unknown,
): { master: { host: string; port: number }; offset: number } | undefined | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
  const parts = token.split('.');
  if (parts.length !== 2 || parts[0] !== 'rsp1' || !parts[1]) return null;
  if (parts[1] === '-') return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const { m, o } = (decoded ?? {}) as { m?: unknown; o?: unknown };
  const [, host, port] = (typeof m === 'string' && /^(\S+):([0-9]{1,5})$/.exec(m)) || [];
  if (host === undefined || port === undefined || !isValidPort(Number(port))) return null;
  if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) return null;
  // session.position gives the master as { host, port }, an IPv6 host without its brackets.
  const bracketed = host.startsWith('[') && host.endsWith(']');
  return { master: { host: bracketed ? host.slice(1, -1) : host, port: Number(port) }, offset: o };
}

type Rules = Readonly<Record<string, (value: unknown) => boolean>>;

/** Every option of SentinelOptions and what it accepts (undefined: the default; null is refused). */
export const SENTINEL_OPTION_RULES: Rules = {
  socketTimeout: isMs,
  connectTimeout: isMs,
  sentinelUsername: isString,
  sentinelPassword: isString,
  sentinelTLS: isTls,
  updateSentinels: isBoolean,
  minOtherSentinels: isInteger(0, Number.MAX_SAFE_INTEGER),
  refreshInterval: isMs,
  failoverTimeout: isMs,
  natMap: isValidNatMap,
  allowedHosts: isValidAllowedHosts,
  username: isString,
  password: isString,
  db: isInteger(0, MAX_MS),
  tls: isTls,
  commandTimeout: isMs,
};

/** Every pool option (masterFor refuses balance and fallbackToMaster, replicaFor waitForReplicas). */
export const POOL_OPTION_RULES: Rules = {
  poolSize: isInteger(1, 1000),
  retryWrites: isBoolean,
  maxDedicatedConnections: isInteger(1, 10_000),
  acquireTimeout: isMs,
  coalesceWrites: (v) => isBoolean(v) || v === 'adaptive',
  balance: (v) => v === 'round-robin' || v === 'random' || v === 'least-latency',
  fallbackToMaster: isBoolean,
  waitForReplicas: isValidWaitForReplicas,
};

/** Every option of SessionOptions but `after` (tokens have their own group). */
export const SESSION_OPTION_RULES: Rules = {
  timeoutMs: isMs,
  fallbackToMaster: isBoolean,
  waitForReplicas: isValidWaitForReplicas,
};

/** Whether an options object is valid under `rules`; also the keys that make it invalid. */
export function judgeOptions(options: Record<string, unknown>, rules: Rules): string[] {
  return Object.keys(options).filter(
    (key) => !Object.hasOwn(rules, key) || (options[key] !== undefined && !rules[key]!(options[key])),
  );
}

// ---------------------------------------------------------------------------------------------
// The generators

/** fc.anything() with every kind of value it can make, null-prototype objects included. */
export const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 2,
});

/** Values no option accepts as such, or only some do: the corners of every type. */
export const oddValue = fc.oneof(
  fc.constantFrom<unknown>(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0,
    -0,
    -1,
    1.5,
    MAX_MS,
    MAX_MS + 1,
    2 ** 53,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    '',
    '100',
    'true',
    true,
    false,
    null,
    undefined,
    [],
    {},
    1n,
    Object.create(null),
    new Date(0),
    new Map(),
    () => 1,
  ),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ maxLength: 8 }).map((d) => Symbol(d)),
  fc.func(fc.anything()),
  anyValue,
);

/** Values shaped like the structured options (host lists, NAT maps, TLS), valid or not. */
export const optionShapedValue = fc.oneof(
  fc.array(
    fc.oneof(fc.ipV4(), fc.domain(), fc.constantFrom('', ' ', '::1', '[::1]', '[::1]:6379', 'h:0', 'a..b')),
    {
      maxLength: 3,
    },
  ),
  fc.dictionary(
    fc.oneof(
      fc.constantFrom('10.0.0.5:6379', '10.0.0.5', '[::1]:6379', 'h:99999', ''),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(
      fc.record({
        host: fc.oneof(fc.ipV4(), fc.constantFrom('', 'a b')),
        port: fc.oneof(fc.integer(), fc.constant('1')),
      }),
      anyValue,
    ),
    { maxKeys: 2 },
  ),
  fc.record({ replicas: oddValue, timeoutMs: oddValue }, { requiredKeys: [] }),
  fc.record({ replicas: fc.integer({ min: 1, max: 3 }), timeoutMs: fc.integer({ min: 1, max: 100 }) }),
);

/** A password-like string, distinctive enough that finding it in a message means it leaked. */
export const password = fc.stringMatching(/^[A-Za-z0-9]{12}$/).map((s) => `pw-${s}-secret`);

const validHost = fc.oneof(
  fc.ipV4(),
  fc.domain(),
  fc.constantFrom('localhost', '127.0.0.1', 'sentinel-1', 'redis_sentinel.svc', 'a.b.'),
);
const validPort = fc.integer({ min: 1, max: 65535 });

/** Addresses that must be accepted, with what they mean. */
export const validAddress: fc.Arbitrary<{
  input: string | { host: string; port?: number };
  host: string;
  port: number;
}> = fc.oneof(
  fc.tuple(validHost, validPort).map(([host, port]) => ({ input: ` ${host}:${port} `, host, port })),
  validHost.map((host) => ({ input: host, host, port: 26379 })),
  fc.tuple(fc.ipV6(), validPort).map(([host, port]) => ({ input: `[${host}]:${port}`, host, port })),
  fc.ipV6().map((host) => ({ input: `[${host}]`, host, port: 26379 })),
  fc
    .tuple(fc.oneof(validHost, fc.ipV6()), validPort)
    .map(([host, port]) => ({ input: { host, port }, host, port })),
  validHost.map((host) => ({ input: { host }, host, port: 26379 })),
);

const badPortText = fc.oneof(
  fc.constantFrom(
    '0',
    '65536',
    '-1',
    '1e3',
    '0x50',
    ' 80',
    '',
    '99999999999999999999',
    '٣٣',
    '+1',
    '8 0',
    '26379.0',
  ),
  fc.integer({ min: 65536 }).map(String),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter((s) => !/^[0-9]+$/.test(s)),
);
const badHostText = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    'a..b',
    'ho st',
    '999.1.1.1',
    '1.2.3',
    'host\u0000',
    'хост',
    '😀',
    'x!y',
    '-'.repeat(64),
  ),
  fc.string({ minLength: 254, maxLength: 400 }),
);

/**
 * Addresses that must be refused, each with a password that may be inside (URL credentials):
 * it must not appear in the error.
 */
export const invalidAddress: fc.Arbitrary<{ input: unknown; secret?: string }> = fc
  .oneof(
    fc.tuple(validHost, badPortText).map(([h, p]) => ({ input: `${h}:${p}` })),
    fc.tuple(badHostText, validPort).map(([h, p]) => ({ input: `${h}:${p}` })),
    fc.tuple(fc.ipV6(), validPort).map(([h, p]) => ({ input: `${h}:${p}` })),
    fc.tuple(fc.ipV6(), validPort).map(([h, p]) => ({ input: `[${h}:${p}` })),
    fc.tuple(fc.ipV6(), validPort).map(([h, p]) => ({ input: `[${h}]x${p}` })),
    fc.tuple(fc.ipV4(), validPort).map(([h, p]) => ({ input: `[${h}]:${p}` })),
    fc
      .tuple(validHost, validPort, password)
      .map(([h, p, s]) => ({ input: `redis://user:${s}@${h}:${p}`, secret: s })),
    fc.tuple(validHost, password).map(([h, s]) => ({ input: `:${s}@${h}`, secret: s })),
    fc
      .tuple(validHost, validPort, password)
      .map(([h, p, s]) => ({ input: `rediss://${s}@${h}:${p}/0`, secret: s })),
    fc.constantFrom<unknown>(
      '',
      ' , ',
      ',',
      [],
      'a:1,',
      42,
      0,
      true,
      null,
      undefined,
      1n,
      {},
      () => '127.0.0.1:1',
    ),
    fc.string({ maxLength: 4 }).map((d) => ({ input: Symbol(d) })),
    fc.record({
      host: anyValue.filter((h) => !isValidHost(h)),
      port: fc.option(validPort, { nil: undefined }),
    }),
    fc.record({
      host: validHost,
      port: oddValue.filter((p) => !isValidPort(p) && p !== undefined && p !== null),
    }),
    fc.string({ minLength: 10_000, maxLength: 20_000 }).map((s) => `${s}:26379`),
  )
  .map((v) => (typeof v === 'object' && v !== null && 'input' in v ? v : { input: v })) as fc.Arbitrary<{
  input: unknown;
  secret?: string;
}>;

/** Master names: valid ones, and every way of being wrong. */
export const masterName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,30}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'my master',
    'a\tb',
    'a\u0000b',
    'x\u0085',
    '\u00a0x',
    '\ud800',
    'a\r\nb',
    'x'.repeat(201),
  ),
  fc.constant('x'.repeat(200)),
  fc.string({ minLength: 150, maxLength: 400 }),
  anyValue.filter((v) => typeof v !== 'string' && canBeString(v)),
);

/** Whether `${value}` works (it throws for symbols and objects without a usable toString). */
export function canBeString(value: unknown): boolean {
  try {
    return typeof `${value}` === 'string';
  } catch {
    return false;
  }
}

/** Names that cannot even become a string: a template literal with one of them throws. */
export const unprintableName = fc.oneof(
  fc.string({ maxLength: 5 }).map((d) => Symbol(d)),
  fc.constant(null).map(() => Object.create(null) as object),
  fc.string().map((m) => ({
    toString(): string {
      throw new Error(m);
    },
  })),
  anyValue.filter((v) => !canBeString(v)),
);

/** One edit of a token: what a proxy, a copy-paste or a truncated header does to it. */
export const tokenEdit = fc.record({
  kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate', 'append', 'case', 'version', 'dot'),
  at: fc.nat(),
  text: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
});

export function applyEdit(token: string, edit: { kind: string; at: number; text: string }): string {
  const at = edit.at % (token.length + 1);
  switch (edit.kind) {
    case 'replace':
      return token.slice(0, at) + edit.text + token.slice(at + edit.text.length);
    case 'insert':
      return token.slice(0, at) + edit.text + token.slice(at);
    case 'delete':
      return token.slice(0, at) + token.slice(at + 1);
    case 'truncate':
      return token.slice(0, at);
    case 'append':
      return token + edit.text;
    case 'case':
      return token.slice(0, at) + token.slice(at).toUpperCase();
    case 'version':
      return token.replace(/^rsp1/, edit.text);
    default:
      return `${token.slice(0, at)}.${token.slice(at)}`;
  }
}
