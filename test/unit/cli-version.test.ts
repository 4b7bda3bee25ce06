/**
 * `sentinel-pool --version` reads the version from the package's own package.json, found from
 * the running script, past the `{"type": …}` marker of a dist folder.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageVersion } from '../../src/cli/version.js';

const root = join(import.meta.dirname, '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('cli version', () => {
  it('finds the package version from a script inside the package', () => {
    assert.equal(packageVersion(join(root, 'src', 'cli', 'main.ts')), version);
  });

  it('says unknown when there is no script, or it is outside any package of ours', () => {
    assert.equal(packageVersion(undefined), 'unknown');
    assert.equal(packageVersion('/nonexistent/main.js'), 'unknown');
  });
});
