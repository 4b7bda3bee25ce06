/**
 * The CLI's argument parser (pure): option forms, values, positionals, usage errors, help text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CommandSpec,
  formatCommandList,
  formatHelp,
  parseArgs,
  parseInteger,
  UsageError,
} from '../../src/cli/args.js';

const SPEC = {
  name: 'status',
  summary: 'Check a master group',
  details: ['Exit code: 0 healthy.'],
  options: {
    sentinels: { type: 'string', placeholder: 'h:p,h:p', required: true, description: 'Sentinel addresses' },
    name: { type: 'string', description: 'Master group name' },
    json: { type: 'boolean', short: 'j', description: 'JSON output' },
    tls: { type: 'boolean', description: 'Use TLS' },
  },
  examples: ['status --sentinels 127.0.0.1:26379'],
} as const satisfies CommandSpec;

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, `a UsageError, got ${error}`);
    assert.match(error.message, pattern);
    assert.equal(error.command, 'status');
    return true;
  });
}

describe('cli args: parseArgs', () => {
  it('reads --name value, --name=value, booleans and short aliases', () => {
    const { values, positionals, isHelp } = parseArgs(
      ['--sentinels', 'a:1,b:2', '--name=mymaster', '-j'],
      SPEC,
    );
    assert.deepEqual(values, { sentinels: 'a:1,b:2', name: 'mymaster', json: true, tls: false });
    assert.deepEqual(positionals, []);
    assert.equal(isHelp, false);
  });

  it('gives defaults: false for booleans, undefined for strings', () => {
    const { values } = parseArgs(['--sentinels', 'a'], SPEC);
    assert.equal(values.json, false);
    assert.equal(values.name, undefined);
  });

  it('lets a later occurrence win', () => {
    assert.equal(parseArgs(['--sentinels', 'a', '--sentinels', 'b'], SPEC).values.sentinels, 'b');
  });

  it('keeps values that look like numbers or contain "=" and dashes', () => {
    const { values } = parseArgs(['--sentinels=a=b', '--name', '-x-'], SPEC);
    assert.equal(values.sentinels, 'a=b');
    assert.equal(values.name, '-x-');
  });

  it('takes an empty inline value and a value starting with -- only inline', () => {
    assert.equal(parseArgs(['--sentinels', 'a', '--name='], SPEC).values.name, '');
    assert.equal(parseArgs(['--sentinels', 'a', '--name=--odd'], SPEC).values.name, '--odd');
  });

  it('collects positionals up to the allowed count, and everything after --', () => {
    const parsed = parseArgs(['--sentinels', 'a', 'one', '--', '--json', 'two'], SPEC, 3);
    assert.deepEqual(parsed.positionals, ['one', '--json', 'two']);
    assert.equal(parsed.values.json, false);
  });

  it('recognizes --help and -h and then skips the other checks', () => {
    assert.equal(parseArgs(['--help'], SPEC).isHelp, true);
    assert.equal(parseArgs(['-h', 'stray'], SPEC).isHelp, true);
  });

  it('rejects unknown options, long and short', () => {
    usageError(() => parseArgs(['--sentinels', 'a', '--bogus'], SPEC), /unknown option --bogus/);
    usageError(() => parseArgs(['--sentinels', 'a', '-z'], SPEC), /unknown option -z/);
  });

  it('rejects a missing value, and another option taken as a value', () => {
    usageError(() => parseArgs(['--sentinels'], SPEC), /--sentinels needs a value \(h:p,h:p\)/);
    usageError(() => parseArgs(['--name', '--json', '--sentinels', 'a'], SPEC), /--name needs a value/);
  });

  it('rejects a value given to a boolean option', () => {
    usageError(() => parseArgs(['--sentinels', 'a', '--json=yes'], SPEC), /--json takes no value/);
  });

  it('rejects a missing required option', () => {
    usageError(() => parseArgs(['--name', 'x'], SPEC), /missing --sentinels h:p,h:p/);
  });

  it('rejects unexpected positionals', () => {
    usageError(() => parseArgs(['--json', 'extra'], SPEC), /unexpected argument "extra"$/);
  });

  it('says a second value after a string option is one value too many (a list takes commas)', () => {
    usageError(
      () => parseArgs(['--sentinels', 'a:1', 'b:2'], SPEC),
      /unexpected argument "b:2" after --sentinels a:1 \(an option takes one value: separate a list with commas/,
    );
  });

  it('suggests the option a typo meant', () => {
    usageError(
      () => parseArgs(['--sentinels', 'a', '--nmae', 'x'], SPEC),
      /unknown option --nmae \(did you mean --name\?\)/,
    );
    usageError(() => parseArgs(['--sentinels', 'a', '--jsno'], SPEC), /did you mean --json\?/);
    usageError(() => parseArgs(['--sentinels', 'a', '--bogus'], SPEC), /unknown option --bogus$/);
  });

  it('bounds the number of arguments', () => {
    usageError(
      () =>
        parseArgs(
          Array.from({ length: 201 }, () => '-j'),
          SPEC,
        ),
      /too many arguments/,
    );
  });
});

describe('cli args: parseInteger', () => {
  it('reads whole numbers in range', () => {
    assert.equal(parseInteger('status', 'timeout', '250', 1, 1000), 250);
  });

  it('rejects anything else with the option name', () => {
    for (const bad of ['', '-1', '1.5', '1e3', 'ten', '1001', '0']) {
      usageError(
        () => parseInteger('status', 'timeout', bad, 1, 1000),
        /--timeout must be a whole number from 1 to 1000/,
      );
    }
  });
});

describe('cli args: help', () => {
  it('lists usage with required options, details, every option with its placeholder, and examples', () => {
    const help = formatHelp('sentinel-pool', SPEC);
    assert.match(help, /^Usage: sentinel-pool status --sentinels <h:p,h:p> \[options\]\n/);
    assert.match(help, /Exit code: 0 healthy\./);
    assert.match(help, /--sentinels <h:p,h:p> {2}Sentinel addresses/);
    assert.match(help, /-j, --json {13}JSON output/);
    assert.match(help, /-h, --help/);
    assert.match(help, /Examples:\n {2}sentinel-pool status --sentinels 127\.0\.0\.1:26379\n$/);
  });

  it('lists commands with their summaries', () => {
    const list = formatCommandList(
      'sentinel-pool',
      [SPEC, { name: 'watch', summary: 'Watch', options: {} }],
      'Blurb.',
    );
    assert.match(list, /^Usage: sentinel-pool <command> \[options\]/);
    assert.match(list, /\n {2}status {2}Check a master group\n {2}watch {3}Watch\n/);
  });
});
