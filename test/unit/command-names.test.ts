import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { exists } from '@ioredis/commands';
import {
  COMMAND_NAMES_FILE,
  COMMANDS_VERSION,
  commandNameLists,
  renderCommandNames,
} from '../../scripts/generate-command-names.js';
import { classifyCommand, isFlaggedWrite } from '../../src/commands/command-info.js';

describe('generated command names (src/commands/command-names.ts)', () => {
  it('match the command table of the installed @ioredis/commands', () => {
    const file = readFileSync(COMMAND_NAMES_FILE, 'utf8');
    const generatedFrom = /from @ioredis\/commands (\S+):/.exec(file)?.[1];
    if (generatedFrom === COMMANDS_VERSION) {
      assert.equal(
        file,
        renderCommandNames(),
        'stale: run `node --import tsx scripts/generate-command-names.ts`',
      );
      return;
    }
    // CI's second run installs the lowest supported ioredis, with an older command table: the
    // names generated from the lockfile's table must still mean the same to this one.
    const replicaNames = [
      ...file.slice(0, file.indexOf('DedicatedCommandName')).matchAll(/'([a-z_]+)'/g),
    ].map((m) => m[1]!);
    assert.ok(replicaNames.length > 100, `read the replica names of ${COMMAND_NAMES_FILE}`);
    for (const name of replicaNames.filter((n) => exists(n))) {
      assert.ok(!isFlaggedWrite(name), `${name} is flagged write in @ioredis/commands ${COMMANDS_VERSION}`);
      assert.notEqual(classifyCommand(name), 'dedicated', name);
    }
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
