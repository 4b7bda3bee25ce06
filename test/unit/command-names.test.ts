import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  COMMAND_NAMES_FILE,
  commandNameLists,
  renderCommandNames,
} from '../../scripts/generate-command-names.js';
import { classifyCommand, isFlaggedWrite } from '../../src/commands/command-info.js';

describe('generated command names (src/commands/command-names.ts)', () => {
  it('match the command table of the installed @ioredis/commands', () => {
    assert.equal(
      readFileSync(COMMAND_NAMES_FILE, 'utf8'),
      renderCommandNames(),
      'stale: run `node --import tsx scripts/generate-command-names.ts`',
    );
  });

  it('offer replicas no command the replica pool refuses', () => {
    const { replica, dedicated } = commandNameLists();
    for (const name of replica) {
      assert.ok(!isFlaggedWrite(name), name);
      assert.notEqual(classifyCommand(name), 'dedicated', name);
    }
    for (const name of ['get', 'hgetall', 'scan', 'eval_ro', 'ping', 'info', 'time']) {
      assert.ok(replica.includes(name), name);
    }
    for (const name of ['set', 'del', 'eval', 'publish', 'replicaof', 'config', 'blpop']) {
      assert.ok(!replica.includes(name), name);
    }
    for (const name of ['blpop', 'subscribe', 'watch', 'select', 'multi', 'wait']) {
      assert.ok(dedicated.includes(name), name);
    }
    assert.ok(!dedicated.includes('xread'), 'XREAD blocks only with BLOCK');
  });
});
