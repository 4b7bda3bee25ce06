/**
 * The chaos suite accepts only errors the README documents (DOCUMENTED_ERRORS in
 * test/chaos/support/scenario.ts): this keeps that list and the README's Errors section in step,
 * and checks that every error class the library exports has a row there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import * as library from '../../src/index.js';
import { DOCUMENTED_ERRORS } from '../chaos/support/scenario.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(
  readme.indexOf('\n## Errors'),
  readme.indexOf('\n## What happens during a failover'),
);

it('every error the chaos suite accepts is documented in the README Errors section', () => {
  assert.ok(section.length > 100, 'README has an Errors section');
  for (const kind of DOCUMENTED_ERRORS) {
    if (kind.startsWith('ReplyError ')) {
      assert.ok(section.includes(`\`${kind.slice('ReplyError '.length)}\``), `${kind} is not in the README`);
    } else {
      assert.ok(section.includes(`| \`${kind}\` |`), `${kind} has no row in the README Errors table`);
    }
  }
});

it('every error class the library exports has a row in the README Errors table', () => {
  for (const [name, value] of Object.entries(library)) {
    if (typeof value !== 'function' || !(value.prototype instanceof library.SentinelPoolError)) continue;
    assert.ok(section.includes(`| \`${name}\` |`), `${name} has no row in the README Errors table`);
  }
});
