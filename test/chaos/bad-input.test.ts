/**
 * Chaos: bad input at the API boundary (issue 8). Generated malformed sentinel addresses,
 * options, master names, session tokens and command arguments; each must end in a typed error
 * with a useful message (or be accepted, when the rules say it is valid), and none may crash or
 * hang the client.
 *
 * Generator: fast-check, a dev dependency. Its arbitraries already reach the corners a home-made
 * generator forgets (lone surrogates, -0, sparse arrays, null-prototype objects, boxed values,
 * typed arrays), and a failing property prints its seed and a shrunk counterexample, which
 * replays exactly. The seed is fixed so that CI runs the same cases every time; run with
 * `BAD_INPUT_SEED=<n>` to explore others.
 *
 * The rules of what is valid live in test/helpers/bad-input.ts, written from the README rather
 * than imported from src/, so that wrongly accepting is caught as surely as wrongly refusing.
 *
 * Command arguments go to a real topology (1 master, 1 replica, 1 sentinel). Every call races a
 * deadline, and after each, an ECHO of a fresh value checks that the shared connection still
 * pairs replies with commands (a half-written pipeline once shifted every later reply by one).
 * What each input class ended in is printed as a test diagnostic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { list as commandList, exists, hasFlag } from '@ioredis/commands';
import fc from 'fast-check';
import { ReplyError } from 'ioredis';
import { encodeToken } from '../../src/consistency/position.js';
import {
  DedicatedConnectionRequiredError,
  InvalidTokenError,
  MasterNotFoundError,
  Sentinel,
  SentinelConfigError,
  SentinelPoolError,
  WriteOnReplicaError,
} from '../../src/index.js';
import {
  anyValue,
  applyEdit,
  expectedPosition,
  expectedSentinels,
  invalidAddress,
  isValidHost,
  isValidMasterName,
  isValidPort,
  judgeOptions,
  masterName,
  oddValue,
  optionShapedValue,
  POOL_OPTION_RULES,
  password,
  SENTINEL_OPTION_RULES,
  SESSION_OPTION_RULES,
  tokenEdit,
  unprintableName,
  validAddress,
} from '../helpers/bad-input.js';
import { topologyFixture } from '../helpers/topology-fixture.js';

const SEED = Number(process.env.BAD_INPUT_SEED ?? 20_260_501);
/** How long any call may take before it counts as a hang. */
const DEADLINE_MS = 3000;
/** A sentinel address where nothing listens: nothing in the pure groups needs a server. */
const NOWHERE = '127.0.0.1:1';

const crashes = { unhandledRejections: [] as unknown[], uncaughtExceptions: [] as unknown[] };
process.on('unhandledRejection', (reason) => crashes.unhandledRejections.push(reason));
process.on('uncaughtException', (error) => crashes.uncaughtExceptions.push(error));

function check<Ts>(property: fc.IProperty<Ts>, numRuns: number): void {
  fc.assert(property, { seed: SEED, numRuns, includeErrorInReport: true });
}

function checkAsync<Ts>(property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<void> {
  return fc.assert(property, { seed: SEED, numRuns, includeErrorInReport: true });
}

/** How a call ended: a value, a synchronous throw, a rejection, or nothing within the deadline. */
type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'thrown' | 'rejected'; error: unknown }
  | { kind: 'timeout' };

async function settle(call: () => unknown): Promise<Outcome> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { kind: 'thrown', error };
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), DEADLINE_MS);
  });
  try {
    return await Promise.race([
      Promise.resolve(result).then(
        (value): Outcome => ({ kind: 'value', value }),
        (error: unknown): Outcome => ({ kind: 'rejected', error }),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error of an outcome, if it failed. */
function errorOf(outcome: Outcome): unknown {
  return outcome.kind === 'thrown' || outcome.kind === 'rejected' ? outcome.error : undefined;
}

/** `SentinelConfigError`, `ReplyError`, or `untyped TypeError`: a finding. */
function kindOf(error: unknown): string {
  if (error instanceof SentinelPoolError) return error.name;
  if (error instanceof ReplyError) return 'ReplyError';
  return `untyped ${error instanceof Error ? error.name : typeof error}`;
}

/** Checks a SentinelConfigError: typed, coded, a short message that says what to fix, no secret. */
function assertConfigError(error: unknown, mentions: RegExp, secrets: readonly string[] = []): void {
  assert.ok(error instanceof SentinelPoolError, `not a SentinelPoolError: ${inspect(error)}`);
  assert.ok(error instanceof SentinelConfigError);
  assert.equal(error.name, 'SentinelConfigError');
  assert.equal(error.code, 'ERR_SENTINEL_CONFIG');
  assert.ok(error.message.length > 0 && error.message.length < 400, `message length: ${error.message}`);
  assert.match(error.message, mentions);
  for (const secret of secrets) {
    assert.ok(!error.message.includes(secret), `the message shows a password: ${error.message}`);
    assert.ok(!String(error).includes(secret), 'String(err) shows a password');
    assert.ok(!inspect(error).includes(secret), 'inspect(err) shows a password');
  }
}

/** Counts what each input class ended in, for the diagnostic table. */
class Tally {
  private readonly counts = new Map<string, Map<string, number>>();

  add(inputClass: string, outcome: string): void {
    const row = this.counts.get(inputClass) ?? new Map<string, number>();
    row.set(outcome, (row.get(outcome) ?? 0) + 1);
    this.counts.set(inputClass, row);
  }

  lines(): string[] {
    return [...this.counts].map(
      ([inputClass, row]) => `${inputClass}: ${[...row].map(([o, n]) => `${o} ×${n}`).join(', ')}`,
    );
  }
}

describe('bad input: sentinel addresses', () => {
  it('accepts every valid form and reads it as the README says', async () => {
    await checkAsync(
      fc.asyncProperty(
        fc.array(validAddress, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (items, joined) => {
          const input =
            joined && items.every((i) => typeof i.input === 'string')
              ? items.map((i) => i.input).join(',')
              : items.map((i) => i.input);
          const sentinel = new Sentinel(input as never);
          try {
            assert.deepEqual(sentinel.sentinels(), expectedSentinels(input));
          } finally {
            await sentinel.quit();
          }
        },
      ),
      300,
    );
  });

  it('refuses every invalid form with a SentinelConfigError that names the address, and no password', () => {
    check(
      fc.property(
        invalidAddress,
        fc.array(validAddress, { maxLength: 2 }),
        fc.nat(2),
        ({ input, secret }, valid, at) => {
          const list = [...valid.map((v) => v.input)];
          list.splice(Math.min(at, list.length), 0, input as string);
          for (const candidate of [input, list]) {
            assert.equal(expectedSentinels(candidate), undefined, 'the generator made a valid address');
            assert.throws(
              () => new Sentinel(candidate as never),
              (error: unknown) => {
                assertConfigError(error, /address|sentinel|host|port|IPv6|URL/i, secret ? [secret] : []);
                return true;
              },
            );
          }
        },
      ),
      400,
    );
  });

  it('settles any junk as the rules say: a Sentinel for valid input, else a SentinelConfigError', async () => {
    const junk = fc.oneof(
      anyValue,
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.array(fc.oneof(anyValue, fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 4 }),
      fc.array(fc.record({ host: anyValue, port: oddValue }, { requiredKeys: [] }), { maxLength: 3 }),
    );
    await checkAsync(
      fc.asyncProperty(junk, async (input) => {
        const expected = expectedSentinels(input);
        let sentinel: Sentinel | undefined;
        try {
          sentinel = new Sentinel(input as never);
        } catch (error) {
          assert.equal(expected, undefined, `refused valid input ${inspect(input)}: ${inspect(error)}`);
          assertConfigError(error, /address|sentinel|host|port|IPv6|URL/i);
          return;
        }
        try {
          assert.deepEqual(sentinel.sentinels(), expected, `accepted invalid input ${inspect(input)}`);
        } finally {
          await sentinel.quit();
        }
      }),
      500,
    );
  });
});

/** The message names one of the bad options: `option db …`, or `unknown option …` for a typo. */
function assertNamesOption(
  error: unknown,
  invalid: readonly string[],
  rules: Readonly<Record<string, unknown>>,
): void {
  const message = (error as Error).message;
  const named = invalid.some((key) =>
    Object.hasOwn(rules, key)
      ? message.includes(`option ${key}`)
      : /unknown (pool |session )?option/.test(message),
  );
  assert.ok(named, `"${message}" names none of ${inspect(invalid)}`);
}

/** Options for `rules` with 1-3 fields, each valid or not, and maybe a password field. */
function optionsFor(rules: Readonly<Record<string, unknown>>, extraKeys: fc.Arbitrary<string>) {
  const key = fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...Object.keys(rules)) },
    { weight: 1, arbitrary: extraKeys },
  );
  return fc.dictionary(key, fc.oneof(oddValue, optionShapedValue), {
    minKeys: 1,
    maxKeys: 3,
    noNullPrototype: true,
  });
}

describe('bad input: options', () => {
  it('checks every Sentinel option; a password never shows in the error', async () => {
    const unknownKey = fc
      .string({ unit: 'binary', maxLength: 20 })
      .filter((k) => !Object.hasOwn(SENTINEL_OPTION_RULES, k));
    const secretField = fc.constantFrom('password', 'sentinelPassword');
    const secretForm = fc.constantFrom('as is', 'in an array', 'in an object', 'boxed');
    await checkAsync(
      fc.asyncProperty(
        optionsFor(SENTINEL_OPTION_RULES, unknownKey),
        fc.option(fc.tuple(password, secretField, secretForm)),
        async (generated, withSecret) => {
          const options: Record<string, unknown> = { ...generated };
          const secrets: string[] = [];
          if (withSecret) {
            const [secret, field, form] = withSecret;
            secrets.push(secret);
            options[field] =
              form === 'as is'
                ? secret
                : form === 'in an array'
                  ? [secret]
                  : form === 'in an object'
                    ? { secret }
                    : Object(secret);
          }
          const invalid = judgeOptions(options, SENTINEL_OPTION_RULES);
          let sentinel: Sentinel | undefined;
          try {
            sentinel = new Sentinel(NOWHERE, options as never);
          } catch (error) {
            assert.ok(invalid.length > 0, `refused valid options ${inspect(options)}: ${inspect(error)}`);
            assertConfigError(error, /option/, secrets);
            assertNamesOption(error, invalid, SENTINEL_OPTION_RULES);
            return;
          }
          await sentinel.quit();
          assert.deepEqual(invalid, [], `accepted invalid options ${inspect(options)}`);
        },
      ),
      600,
    );
  });

  it('checks every pool option of masterFor() and replicaFor()', async () => {
    const unknownKey = fc.string({ maxLength: 20 }).filter((k) => !Object.hasOwn(POOL_OPTION_RULES, k));
    await checkAsync(
      fc.asyncProperty(optionsFor(POOL_OPTION_RULES, unknownKey), fc.boolean(), async (options, replica) => {
        const invalid = judgeOptions(options, POOL_OPTION_RULES);
        // Each pool refuses the options of the other (set ones: undefined means the default).
        const elsewhere = replica ? ['waitForReplicas'] : ['balance', 'fallbackToMaster'];
        for (const key of elsewhere) if (options[key] !== undefined) invalid.push(key);
        const sentinel = new Sentinel(NOWHERE);
        try {
          const outcome = await settle(() =>
            replica ? sentinel.replicaFor('mymaster', options) : sentinel.masterFor('mymaster', options),
          );
          if (outcome.kind === 'value') assert.deepEqual(invalid, [], `accepted ${inspect(options)}`);
          else {
            assert.equal(outcome.kind, 'thrown', 'refused synchronously');
            assert.ok(invalid.length > 0, `refused valid ${inspect(options)}: ${inspect(errorOf(outcome))}`);
            assertConfigError(errorOf(outcome), /option/);
            assertNamesOption(errorOf(outcome), invalid, POOL_OPTION_RULES);
          }
        } finally {
          await sentinel.quit();
        }
      }),
      400,
    );
  });

  it('checks every session option', async () => {
    const unknownKey = fc
      .string({ maxLength: 20 })
      .filter((k) => !Object.hasOwn(SESSION_OPTION_RULES, k) && k !== 'after');
    await checkAsync(
      fc.asyncProperty(optionsFor(SESSION_OPTION_RULES, unknownKey), async (options) => {
        const invalid = judgeOptions(options, SESSION_OPTION_RULES);
        const sentinel = new Sentinel(NOWHERE);
        try {
          const outcome = await settle(() => sentinel.session('mymaster', options));
          if (outcome.kind === 'value') assert.deepEqual(invalid, [], `accepted ${inspect(options)}`);
          else {
            assert.ok(invalid.length > 0, `refused valid ${inspect(options)}: ${inspect(errorOf(outcome))}`);
            assertConfigError(errorOf(outcome), /option/);
            assertNamesOption(errorOf(outcome), invalid, SESSION_OPTION_RULES);
          }
        } finally {
          await sentinel.quit();
        }
      }),
      300,
    );
  });

  it('refuses options that are not an object', () => {
    check(
      fc.property(
        anyValue.filter((v) => v !== undefined && Object.prototype.toString.call(v) !== '[object Object]'),
        (options) => {
          assert.throws(
            () => new Sentinel(NOWHERE, options as never),
            (error: unknown) => {
              assertConfigError(error, /options must be an object/);
              return true;
            },
          );
        },
      ),
      200,
    );
  });
});

describe('bad input: master names', () => {
  it('masterFor, replicaFor, session and discover accept valid names and refuse the rest', async () => {
    await checkAsync(
      fc.asyncProperty(masterName, async (name) => {
        // A Sentinel per name: pools are cached by name (see the finding below).
        const sentinel = new Sentinel(NOWHERE, { socketTimeout: 50 });
        try {
          const calls = {
            masterFor: () => sentinel.masterFor(name as string),
            replicaFor: () => sentinel.replicaFor(name as string),
            session: () => sentinel.session(name as string),
          };
          for (const [method, call] of Object.entries(calls)) {
            const outcome = await settle(call);
            if (isValidMasterName(name)) assert.equal(outcome.kind, 'value', `${method}(${inspect(name)})`);
            else {
              assert.equal(outcome.kind, 'thrown', `${method}(${inspect(name)}) must refuse at once`);
              assertConfigError(errorOf(outcome), /master name/);
            }
          }
          if (!isValidMasterName(name)) {
            // Valid names are asked of a real sentinel in the server group below.
            const outcome = await settle(() => sentinel.discover(name as string));
            assert.equal(outcome.kind, 'rejected', `discover(${inspect(name)})`);
            assertConfigError(errorOf(outcome), /master name/);
          }
        } finally {
          await sentinel.quit();
        }
      }),
      300,
    );
  });
});

describe('bad input: master names that are not strings', () => {
  // masterFor(), replicaFor() and session() check the name before it becomes a cache key: a
  // Symbol or a null-prototype object must not escape as a raw TypeError, and a non-string whose
  // text is a name in use, such as ['mymaster'], must not get that pool.

  it('a non-string whose text names a pool in use is refused', async () => {
    const sentinel = new Sentinel(NOWHERE);
    try {
      sentinel.masterFor('mymaster');
      sentinel.replicaFor('mymaster');
      for (const method of ['masterFor', 'replicaFor'] as const) {
        assert.throws(() => (sentinel[method] as (n: unknown) => unknown)(['mymaster']), SentinelConfigError);
      }
    } finally {
      await sentinel.quit();
    }
  });

  it('one that cannot become a string is refused with SentinelConfigError', async () => {
    const sentinel = new Sentinel(NOWHERE);
    try {
      check(
        fc.property(
          unprintableName,
          fc.constantFrom('masterFor', 'replicaFor', 'session'),
          (name, method) => {
            assert.throws(
              () => (sentinel[method] as (n: unknown) => unknown)(name),
              (error: unknown) => {
                assertConfigError(error, /master name/);
                return true;
              },
            );
          },
        ),
        50,
      );
    } finally {
      await sentinel.quit();
    }
  });

  it('discover() refuses them already', async () => {
    const sentinel = new Sentinel(NOWHERE);
    try {
      await checkAsync(
        fc.asyncProperty(unprintableName, async (name) => {
          const outcome = await settle(() => sentinel.discover(name as string));
          assert.equal(outcome.kind, 'rejected');
          assertConfigError(errorOf(outcome), /master name/);
        }),
        50,
      );
    } finally {
      await sentinel.quit();
    }
  });
});

describe('bad input: session tokens', () => {
  const sentinel = new Sentinel(NOWHERE);
  after(() => sentinel.quit());

  function assertInvalidToken(error: unknown): void {
    assert.ok(error instanceof InvalidTokenError, `not an InvalidTokenError: ${inspect(error)}`);
    assert.ok(error instanceof SentinelPoolError);
    assert.equal(error.code, 'ERR_INVALID_TOKEN');
    assert.match(error.message, /session token/);
    assert.ok(error.message.length < 300);
  }

  it('reads any value (damaged real tokens too) as a token exactly when it is one, else refuses it with InvalidTokenError', () => {
    const position = fc.record({
      master: fc
        .oneof(fc.ipV4(), fc.domain())
        .chain((h) => fc.integer({ min: 1, max: 65535 }).map((p) => `${h}:${p}`)),
      offset: fc.nat(),
    });
    const candidate = fc.oneof(
      anyValue,
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ minLength: 513, maxLength: 2000 }).map((s) => `rsp1.${s}`),
      fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `rsp1.${Buffer.from(s).toString('base64url')}`),
      fc.jsonValue().map((v) => `rsp1.${Buffer.from(JSON.stringify(v)).toString('base64url')}`),
      fc
        .record({
          m: fc.oneof(
            fc.string(),
            fc.nat().map((p) => `h:${p}`),
          ),
          o: fc.oneof(fc.double(), fc.integer()),
        })
        .map((v) => `rsp1.${Buffer.from(JSON.stringify(v)).toString('base64url')}`),
      fc
        .tuple(position, fc.array(tokenEdit, { minLength: 1, maxLength: 3 }))
        .map(([p, edits]) => edits.reduce(applyEdit, encodeToken(p))),
    );
    check(
      fc.property(position, (p) => {
        const token = encodeToken(p);
        assert.equal(
          sentinel.session('mymaster', { after: token }).token,
          token,
          'a valid token round-trips',
        );
      }),
      100,
    );
    check(
      fc.property(candidate, (after) => {
        const expected = after === undefined ? undefined : expectedPosition(after);
        let session: ReturnType<Sentinel['session']>;
        try {
          session = sentinel.session('mymaster', { after: after as string });
        } catch (error) {
          assert.equal(expected, null, `refused ${inspect(after)}: ${inspect(error)}`);
          assertInvalidToken(error);
          return;
        }
        assert.notEqual(expected, null, `took ${inspect(after)} for a token`);
        assert.deepEqual(session.position, expected);
      }),
      800,
    );
  });
});

describe('bad input: against a real server', () => {
  const fixture = topologyFixture({ replicas: 1, sentinels: 1, quorum: 1 }, { restore: false });
  let sentinel: Sentinel;
  const tally = new Tally();
  const findings: string[] = [];

  before(async () => {
    sentinel = fixture.open({ commandTimeout: 2000, failoverTimeout: 2000 });
    await sentinel.masterFor(fixture.topology.masterName).ping();
  });

  /** ECHOes a fresh value on both pools: replies still go to the commands that asked. */
  async function assertHealthy(after: string): Promise<void> {
    for (const pool of [
      sentinel.masterFor(fixture.topology.masterName),
      sentinel.replicaFor(fixture.topology.masterName),
    ]) {
      const probe = `probe-${Math.random()}`;
      const outcome = await settle(() => pool.echo(probe));
      assert.deepEqual(outcome, { kind: 'value', value: probe }, `the connection is broken after ${after}`);
    }
  }

  /** Records an outcome; anything but a value, a typed error or a server reply is a finding. */
  function record(inputClass: string, what: string, outcome: Outcome): void {
    assert.notEqual(outcome.kind, 'timeout', `${what} did not settle within ${DEADLINE_MS} ms`);
    const error = errorOf(outcome);
    const kind = error === undefined ? 'value' : kindOf(error);
    tally.add(inputClass, outcome.kind === 'thrown' ? `${kind} (thrown)` : kind);
    if (kind.startsWith('untyped')) findings.push(`${what}: ${inspect(error)}`);
  }

  const CRASHERS = {
    symbol: fc.string({ maxLength: 5 }).map((d) => Symbol(d)),
    'function (not last)': fc.func(fc.string()),
    'null-prototype object': fc.constant(null).map(() => Object.create(null) as object),
    'throwing toString': fc.string().map((m) => ({
      toString(): string {
        throw new Error(m);
      },
    })),
    'plain object': fc.object({ maxDepth: 1 }),
    'nested array': fc.array(fc.array(fc.string(), { minLength: 1 }), { minLength: 1, maxLength: 3 }),
    'typed array': fc.uint8Array({ minLength: 1 }),
  } as const;
  const FINE = {
    string: fc.string({ unit: 'binary', maxLength: 30 }),
    number: fc.oneof(fc.integer(), fc.double()),
    bigint: fc.bigInt(),
    boolean: fc.boolean(),
    'null or undefined': fc.constantFrom(null, undefined),
    Buffer: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    'array of strings': fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
    Date: fc.date({ noInvalidDate: true }),
  } as const;
  const labelled = (table: Record<string, fc.Arbitrary<unknown>>) =>
    fc.oneof(...Object.entries(table).map(([label, arb]) => arb.map((value) => ({ label, value }))));

  /** Commands that are safe to fuzz on a shared server: no admin command, no huge allocation. */
  const SAFE = [
    'get',
    'set',
    'del',
    'exists',
    'incr',
    'append',
    'strlen',
    'hset',
    'hget',
    'hgetall',
    'hmset',
    'mset',
    'msetnx',
    'mget',
    'lpush',
    'lrange',
    'sadd',
    'smembers',
    'zadd',
    'zrange',
    'expire',
    'ttl',
    'type',
    'echo',
    'ping',
    'getrange',
  ];
  const READS = SAFE.filter((c) => hasFlag(c, 'readonly'));

  it('command arguments: a crash-prone argument is refused with SentinelConfigError, the rest sent', async () => {
    const args = fc.array(
      fc.oneof({ weight: 3, arbitrary: labelled(FINE) }, { weight: 2, arbitrary: labelled(CRASHERS) }),
      {
        maxLength: 5,
      },
    );
    await checkAsync(
      fc.asyncProperty(
        fc.constantFrom(...SAFE),
        args,
        fc.boolean(),
        fc.constantFrom('method', 'call', 'session'),
        async (command, generated, onReplica, via) => {
          const pools = {
            replica: sentinel.replicaFor(fixture.topology.masterName),
            master: sentinel.masterFor(fixture.topology.masterName),
          };
          const session = sentinel.session(fixture.topology.masterName);
          const values = generated.map((a) => a.value);
          // A function last would be taken for a callback: keep crash-prone functions inside.
          if (typeof values.at(-1) === 'function') values.push('tail');
          const crashProne = generated.find((a) => a.label in CRASHERS);
          const inputClass = crashProne?.label ?? 'strings, numbers and friends';
          const name = onReplica && READS.includes(command) ? 'replica' : 'master';
          const target =
            via === 'session' ? (name === 'replica' ? session.replica : session.master) : pools[name];
          const callable = target as unknown as Record<string, (...a: unknown[]) => unknown>;
          const outcome = await settle(() =>
            via === 'call' ? callable.call!(command, ...values) : callable[command]!(...values),
          );
          record(`${inputClass} (${via})`, `${name}.${command}(${inspect(values, { depth: 1 })})`, outcome);
          const error = errorOf(outcome);
          // mset, msetnx, hset and hmset spread an object argument (as ioredis does): no strict rule.
          const spreads = ['mset', 'msetnx', 'hset', 'hmset'].includes(command);
          if (crashProne && !spreads) assertConfigError(error, /argument/);
          if (error instanceof SentinelConfigError)
            assert.ok(crashProne, `refused sendable arguments: ${error.message}`);
          await assertHealthy(`${command} with ${inputClass}`);
        },
      ),
      400,
    );
  });

  /** Names ioredis 6 finds in its transformer tables through the prototype (call('valueOf')). */
  const PROTOTYPE_KEYS = fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype));

  it('command names: unknown or empty names get the server reply or SentinelConfigError', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName);
    const unknownName = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 30 })
      .filter((n) => !exists(n.toLowerCase()));
    await checkAsync(
      fc.asyncProperty(
        fc.oneof(unknownName, fc.constantFrom('', 'NOSUCHCOMMAND', 'GET K', 'get\r\nset'), PROTOTYPE_KEYS),
        fc.array(fc.string(), { maxLength: 3 }),
        async (name, args) => {
          const outcome = await settle(() => master.call(name, ...args));
          const inputClass =
            name === ''
              ? 'empty command name'
              : name in Object.prototype
                ? 'Object.prototype key as command name'
                : 'unknown command name';
          record(inputClass, `call(${inspect(name)})`, outcome);
          const error = errorOf(outcome);
          if (name === '') assertConfigError(error, /command name/);
          else if (name in Object.prototype) assertConfigError(error, /is not a Redis command/);
          else assert.ok(error instanceof ReplyError, `call(${inspect(name)}): ${inspect(outcome)}`);
        },
      ),
      150,
    );
    for (const name of [undefined, null, 42, Symbol('get'), {}, ['get'], Buffer.from('get')]) {
      const outcome = await settle(() => (master.call as (...a: unknown[]) => unknown)(name, 'k'));
      record('non-string command name', `call(${inspect(name)})`, outcome);
      assertConfigError(errorOf(outcome), /command name/);
    }
    await assertHealthy('bad command names');
  });

  it('wrong arity gets the server reply', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName) as unknown as Record<
      string,
      (...a: unknown[]) => Promise<unknown>
    >;
    for (const [command, args] of [
      ['get', []],
      ['get', ['a', 'b']],
      ['set', ['k']],
      ['hset', ['h']],
      ['incr', []],
      ['expire', ['k']],
      ['zadd', ['z', '1']],
      ['lrange', ['l', '0']],
    ] as const) {
      const outcome = await settle(() => master[command]!(...args));
      record('wrong arity', `${command}(${args.join(', ')})`, outcome);
      assert.ok(errorOf(outcome) instanceof ReplyError, `${command}: ${inspect(outcome)}`);
    }
    await assertHealthy('wrong arity');
  });

  it('blocking and connection-changing commands are refused on the shared pools', async () => {
    const pools = [
      sentinel.masterFor(fixture.topology.masterName),
      sentinel.replicaFor(fixture.topology.masterName),
    ];
    const dedicated = commandList.filter(
      (c) => hasFlag(c, 'blocking') && c !== 'xread' && c !== 'xreadgroup',
    );
    const stateful = [
      'watch',
      'unwatch',
      'multi',
      'exec',
      'discard',
      'select',
      'client',
      'auth',
      'hello',
      'reset',
      'quit',
      'monitor',
      'readonly',
      'readwrite',
      'subscribe',
      'psubscribe',
      'ssubscribe',
      'unsubscribe',
    ];
    for (const command of [...dedicated, ...stateful]) {
      for (const pool of pools) {
        const outcome = await settle(() => pool.call(command, 'k', '0'));
        record('blocking or stateful', `call(${command})`, outcome);
        assert.ok(
          errorOf(outcome) instanceof DedicatedConnectionRequiredError,
          `${command}: ${inspect(outcome)}`,
        );
      }
    }
    const outcome = await settle(() => pools[0]!.xread('BLOCK', 0, 'STREAMS', 's', '$'));
    assert.ok(errorOf(outcome) instanceof DedicatedConnectionRequiredError);
    await assertHealthy('blocking commands');
  });

  it('every command flagged write is refused by replicaFor() before it is sent', async () => {
    const replica = sentinel.replicaFor(fixture.topology.masterName);
    const writes = commandList.filter((c) => hasFlag(c, 'write'));
    for (const command of writes) {
      const outcome = await settle(() => replica.call(command, 'k', 'v'));
      const error = errorOf(outcome);
      record('write on replica', `replica.call(${command})`, outcome);
      assert.ok(
        error instanceof WriteOnReplicaError || error instanceof DedicatedConnectionRequiredError,
        `${command}: ${inspect(outcome)}`,
      );
    }
    await assertHealthy('writes on the replica pool');
  });

  it('huge arguments settle', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName);
    const keys = Array.from({ length: 200_000 }, (_, i) => `huge:${i}`);
    const big = 'x'.repeat(4 * 1024 * 1024);
    const fields = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`f${i}`, i]));
    const cases: Array<[string, () => Promise<unknown>, unknown]> = [
      ['del of 200k keys', () => master.del(keys), 0],
      ['4 MB value', () => master.set('huge:big', big).then(() => master.strlen('huge:big')), big.length],
      ['hset of 20k fields', () => master.hset('huge:h', fields), 20_000],
      ['echo of 4 MB', () => master.echo(big).then((r) => r.length), big.length],
    ];
    for (const [what, call, expected] of cases) {
      const outcome = await settle(call);
      record('huge', what, outcome);
      assert.deepEqual(outcome, { kind: 'value', value: expected }, what);
    }
    const outcome = await settle(() =>
      master.del(Array.from({ length: 1000 }, (_, i) => (i === 999 ? Symbol('last') : `k${i}`)) as never),
    );
    assertConfigError(errorOf(outcome), /argument 1\[999\] is a symbol/);
    await assertHealthy('huge arguments');
  });

  it('pipelines and transactions: a bad argument is refused while recording, nothing half-sent', async () => {
    const args = fc.array(
      fc.oneof({ weight: 4, arbitrary: labelled(FINE) }, { weight: 1, arbitrary: labelled(CRASHERS) }),
      { maxLength: 3 },
    );
    await checkAsync(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...SAFE), args), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (commands, transaction) => {
          const master = sentinel.masterFor(fixture.topology.masterName);
          const outcome = await settle(() => {
            const batch = transaction ? master.multi() : master.pipeline();
            const chain = batch as unknown as Record<string, (...a: unknown[]) => unknown>;
            for (const [command, generated] of commands) {
              const values = generated.map((a) => a.value);
              if (typeof values.at(-1) === 'function') values.push('tail');
              chain[command]!(...values);
            }
            return batch.exec();
          });
          const inputClass = transaction ? 'transaction' : 'pipeline';
          record(inputClass, `${inputClass} of ${commands.map(([c]) => c).join(', ')}`, outcome);
          if (outcome.kind === 'value') {
            for (const [error] of (outcome.value ?? []) as Array<[Error | null, unknown]>) {
              if (error) assert.ok(error instanceof ReplyError, inspect(error));
            }
          } else
            assert.ok(
              ['SentinelConfigError', 'ReplyError'].includes(kindOf(errorOf(outcome))),
              inspect(outcome),
            );
          await assertHealthy(inputClass);
        },
      ),
      150,
    );
  });

  it('discover() asks the sentinel about any valid name and settles', async () => {
    await checkAsync(
      fc.asyncProperty(
        masterName.filter((n) => isValidMasterName(n) && n !== fixture.topology.masterName),
        async (name) => {
          const outcome = await settle(() => sentinel.discover(name as string));
          record('valid but unknown master name', `discover(${inspect(name)})`, outcome);
          assert.ok(errorOf(outcome) instanceof MasterNotFoundError, inspect(outcome));
        },
      ),
      100,
    );
  });

  it('natMap and allowedHosts functions that throw or return junk never break discovery', async () => {
    const natMap = fc.oneof(
      fc.func(anyValue),
      fc.func(fc.record({ host: fc.oneof(fc.constant('127.0.0.1'), anyValue), port: oddValue })),
      fc.string().map((m) => () => {
        throw new Error(m);
      }),
      fc.constant(() => undefined),
    );
    const allowed = fc.oneof(
      fc.func(anyValue),
      fc.constant(() => true),
      fc.string().map((m) => () => {
        throw new Error(m);
      }),
    );
    await checkAsync(
      fc.asyncProperty(natMap, allowed, async (translate, guard) => {
        const client = new Sentinel(fixture.topology.sentinelAddresses(), {
          natMap: translate as never,
          allowedHosts: guard as never,
        });
        client.on('error', () => {});
        try {
          const outcome = await settle(() => client.discover(fixture.topology.masterName));
          record('natMap/allowedHosts function', 'discover() with user functions', outcome);
          const error = errorOf(outcome);
          if (error !== undefined) assert.ok(error instanceof MasterNotFoundError, inspect(error));
          else {
            const { master } =
              outcome.kind === 'value'
                ? (outcome.value as { master: { host: string; port: number } })
                : { master: undefined };
            assert.ok(master && isValidHost(master.host) && isValidPort(master.port), inspect(master));
          }
        } finally {
          await client.quit();
        }
      }),
      40,
    );
  });

  it('pool methods given a non-function or malformed recorded commands refuse them typed', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName);
    const calls: Array<[string, () => unknown]> = [
      ['withConnection(42)', () => master.withConnection(42 as never)],
      ["pipeline('junk')", () => master.pipeline('junk' as never).exec()],
      ['pipeline([[]])', () => master.pipeline([[]]).exec()],
      ["multi([['nosuch']])", () => master.multi([['nosuch', 'x']]).exec()],
    ];
    try {
      for (const [what, call] of calls) {
        const outcome = await settle(call);
        assert.notEqual(outcome.kind, 'timeout', what);
        assertConfigError(errorOf(outcome), /./);
      }
    } finally {
      await assertHealthy('malformed recorded commands');
    }
  });

  it('a defineCommand method takes a trailing callback, and refuses unsendable arguments', async () => {
    const master = sentinel.masterFor(fixture.topology.masterName);
    master.defineCommand('echoArgument', { numberOfKeys: 0, lua: 'return ARGV[1]' });
    const method = (master as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)
      .echoArgument!;
    const viaCallback = await new Promise((resolve, reject) => {
      void method('hello', (error: Error | null, value: unknown) => (error ? reject(error) : resolve(value)));
    });
    assert.equal(viaCallback, 'hello');
    await assert.rejects(method(Symbol('x')), { name: 'SentinelConfigError' });
  });

  it('a db the server does not have fails the commands at once (DatabaseIndexError naming it), never writes to db 0', async () => {
    const other = new Sentinel(fixture.topology.sentinelAddresses(), { db: 4000, failoverTimeout: 1000 });
    try {
      const outcome = await settle(() => other.masterFor(fixture.topology.masterName).set('db:bad', 'x'));
      const error = errorOf(outcome);
      assert.ok(error instanceof Error, inspect(outcome));
      assert.equal(error.name, 'DatabaseIndexError', inspect(outcome));
      assert.match(error.message, /DB index is out of range/);
      assert.match(error.message, /option db/);
    } finally {
      await other.quit();
    }
    assert.equal(
      await sentinel.masterFor(fixture.topology.masterName).get('db:bad'),
      null,
      'the write reached db 0',
    );
  });

  it('a natMap function that throws or returns junk is reported by the error event, the address kept', async () => {
    for (const natMap of [
      () => {
        throw new Error('boom');
      },
      () => ({ host: 42, port: 'x' }),
    ]) {
      const other = new Sentinel(fixture.topology.sentinelAddresses(), { natMap: natMap as never });
      const reported: Error[] = [];
      other.on('error', (error) => reported.push(error));
      try {
        assert.equal(await other.masterFor(fixture.topology.masterName).echo('ok'), 'ok');
        assert.ok(reported.length > 0, 'nothing reported');
        for (const error of reported) assert.equal(error.name, 'SentinelConfigError', inspect(error));
      } finally {
        await other.quit();
      }
    }
  });

  it('reads after a damaged token settle', async () => {
    const session = sentinel.session(fixture.topology.masterName);
    await session.master.set('token:k', 'v');
    const token = session.token;
    assert.notEqual(token, 'rsp1.-');
    await checkAsync(
      fc.asyncProperty(fc.array(tokenEdit, { minLength: 1, maxLength: 2 }), async (edits) => {
        const damaged = edits.reduce(applyEdit, token);
        const outcome = await settle(() =>
          sentinel
            .session(fixture.topology.masterName, { after: damaged, timeoutMs: 20 })
            .replica.get('token:k'),
        );
        record('damaged token', `read after ${inspect(damaged)}`, outcome);
        // A token damaged into an earlier position may read a replica from before the write.
        if (outcome.kind === 'value') assert.ok(outcome.value === 'v' || outcome.value === null);
        else assert.ok(errorOf(outcome) instanceof InvalidTokenError, inspect(outcome));
      }),
      60,
    );
  });

  it('saw only typed errors and server replies', (t) => {
    for (const line of tally.lines()) t.diagnostic(line);
    assert.deepEqual(findings, []);
  });
});

it('no unhandled rejection or uncaught exception in the whole file', () => {
  assert.deepEqual(
    crashes.unhandledRejections.map((e) => inspect(e)),
    [],
  );
  assert.deepEqual(
    crashes.uncaughtExceptions.map((e) => inspect(e)),
    [],
  );
});
