import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deniedFinding } from '../../src/cli/status-checks.js';

describe('deniedFinding', () => {
  it('says nothing when nothing was denied', () => {
    assert.equal(deniedFinding('127.0.0.1:26379', []), undefined);
  });

  it('names each denied subcommand and what the client goes without', () => {
    const finding = deniedFinding('127.0.0.1:26379', [
      'sentinel|sentinels',
      'sentinel|get-master-addr-by-name',
    ]);
    assert.equal(finding?.code, 'sentinel-denied');
    assert.match(
      finding.message,
      /^sentinel 127\.0\.0\.1:26379 refuses sentinel\|sentinels, sentinel\|get-master-addr-by-name/,
    );
    assert.match(finding.message, /learns no other sentinel/);
    assert.match(finding.message, /cannot discover the master through it \(required\)/);
    assert.match(finding.hint ?? '', /docs\/sentinel-acl\.md/);
  });
});
