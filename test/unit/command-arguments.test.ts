/**
 * What the command methods refuse before ioredis sees it (pure): arguments ioredis cannot turn
 * into a string or would send as something never meant, command names it misreads, and recorded
 * pipeline commands. The same inputs against a real server: test/chaos/bad-input.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCommandArguments, checkRecordedCommand } from '../../src/commands/command-methods.js';
import { SentinelConfigError } from '../../src/errors.js';

function refusal(method: string, args: unknown[]): string | undefined {
  const error = checkCommandArguments(method, args);
  if (error) assert.ok(error instanceof SentinelConfigError && error.code === 'ERR_SENTINEL_CONFIG');
  return error?.message;
}

describe('command arguments', () => {
  it('accepts what ioredis sends as meant', () => {
    const fine: Array<[string, unknown[]]> = [
      ['set', ['k', 'v']],
      ['set', ['k', 1, 'EX', 10n]],
      ['getBuffer', [Buffer.from('k')]],
      ['del', [['a', 'b'], 'c']],
      ['set', ['k', null]],
      ['set', ['k', undefined]],
      ['set', ['k', true]],
      ['set', ['k', new Date(0)]],
      ['hset', ['h', { f: 'v', g: 1 }]],
      ['hset', ['h', new Map([['f', 'v']])]],
      ['mset', [{ a: '1', b: Buffer.from('2') }]],
      ['call', ['GET', 'k']],
      ['call', ['hset', 'h', { f: 'v' }]],
    ];
    for (const [method, args] of fine)
      assert.equal(refusal(method, args), undefined, `${method} ${String(args)}`);
  });

  it('refuses what would crash ioredis or be sent as something else, naming the argument', () => {
    const bad: Array<[string, unknown[], RegExp]> = [
      ['set', ['k', Symbol('v')], /"set": argument 2 is a symbol/],
      ['set', [() => 1, 'v'], /argument 1 is a function/],
      ['set', ['k', Object.create(null)], /argument 2 is an object that cannot be converted/],
      [
        'set',
        [
          'k',
          {
            toString: () => {
              throw new Error('no');
            },
          },
        ],
        /cannot be converted/,
      ],
      ['set', ['k', { a: 1 }], /would be sent as "\[object Object\]"/],
      ['set', ['k', new Map()], /"\[object Map\]"/],
      ['del', [['a', ['b']]], /argument 1\[1\] is an array inside an array/],
      ['set', ['k', new Uint8Array(2)], /Buffer\.from/],
      ['hset', ['h', { f: Symbol('v') }], /a field or value of argument 2 is a symbol/],
      ['hset', ['h', 'f', { a: 1 }], /argument 3 is an object/],
      [
        'call',
        [],
        /call\(\): the first argument must be the command name, a non-empty string, got undefined/,
      ],
      ['call', [''], /got an empty string/],
      ['callBuffer', [Symbol('get')], /got symbol/],
      ['call', ['valueOf'], /"valueOf" is not a Redis command/],
      ['call', ['__proto__', 'x'], /is not a Redis command/],
    ];
    for (const [method, args, message] of bad) {
      assert.match(refusal(method, args) ?? 'accepted', message);
    }
  });

  it('reads a getter that throws as a refusal, not a crash', () => {
    const hostile = {
      get f(): string {
        throw new Error('getter');
      },
    };
    assert.match(refusal('hset', ['h', hostile]) ?? 'accepted', /could not be read/);
  });

  it('checks commands recorded for a pipeline', () => {
    assert.equal(checkRecordedCommand(['set', 'k', 'v']), undefined);
    assert.match(checkRecordedCommand([])?.message ?? '', /\[method, \.\.\.args\]/);
    assert.match(checkRecordedCommand(['nosuch', 'x'])?.message ?? '', /got "nosuch"/);
    assert.match(checkRecordedCommand('set')?.message ?? '', /got string/);
    assert.match(checkRecordedCommand(['set', 'k', Object.create(null)])?.message ?? '', /argument 2/);
    assert.equal(
      checkRecordedCommand(['swap', 'k'], (name) => name === 'swap'),
      undefined,
    );
  });
});
