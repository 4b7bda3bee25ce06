/**
 * The chaos suite accepts only errors the documentation lists (DOCUMENTED_ERRORS in
 * test/chaos/support/scenario.ts): this keeps that list and the Errors table of docs/errors.md in
 * step, and checks that every error class the library exports has a row there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import * as library from '../../src/index.js';
import { DOCUMENTED_ERRORS } from '../chaos/support/scenario.js';

const errors = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
// The table and the server errors after it; not the sections that follow.
const section = errors.slice(errors.indexOf('# Errors'), errors.indexOf('\n## Fail fast on configuration'));

it('every error the chaos suite accepts is documented in docs/errors.md', () => {
  assert.ok(section.length > 100, 'docs/errors.md has an Errors table');
  for (const kind of DOCUMENTED_ERRORS) {
    if (kind.startsWith('ReplyError ')) {
      assert.ok(
        section.includes(`\`${kind.slice('ReplyError '.length)}\``),
        `${kind} is not in docs/errors.md`,
      );
    } else {
      assert.ok(section.includes(`| \`${kind}\` |`), `${kind} has no row in the docs/errors.md table`);
    }
  }
});

it('every error class the library exports has a row in the docs/errors.md table', () => {
  for (const [name, value] of Object.entries(library)) {
    if (typeof value !== 'function' || !(value.prototype instanceof library.SentinelPoolError)) continue;
    assert.ok(section.includes(`| \`${name}\` |`), `${name} has no row in the docs/errors.md table`);
  }
});
