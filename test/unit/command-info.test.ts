import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyCommand, commandOf, isFlaggedWrite } from '../../src/commands/command-info.js';
import { commandMethodNames } from '../../src/commands/command-methods.js';
import { describeRole, parseRole, roleMatches } from '../../src/connector/role.js';
import { pickIndex, smoothLatency } from '../../src/pool/balancer.js';
import { MasterPool } from '../../src/pool/master-pool.js';
import { PoolBase } from '../../src/pool/pool-base.js';
import { ReplicaPool } from '../../src/pool/replica-pool.js';

describe('command classification', () => {
  it('retries only commands flagged readonly; scripts count as writes', () => {
    for (const read of ['get', 'GET', 'hgetall', 'mget', 'eval_ro', 'scan', 'xread']) {
      assert.equal(classifyCommand(read), 'read', read);
    }
    for (const write of ['set', 'incr', 'eval', 'evalsha', 'fcall', 'ping', 'publish', 'no-such-command']) {
      assert.equal(classifyCommand(write), 'write', write);
    }
  });

  it('sends stateful and blocking commands to dedicated connections', () => {
    for (const dedicated of [
      'blpop',
      'brpoplpush',
      'wait',
      'watch',
      'multi',
      'exec',
      'select',
      'subscribe',
      'psubscribe',
      'client',
      'monitor',
    ]) {
      assert.equal(classifyCommand(dedicated), 'dedicated', dedicated);
    }
    assert.equal(classifyCommand('xread', ['STREAMS', 's', '0']), 'read');
    assert.equal(classifyCommand('xread', ['BLOCK', '100', 'STREAMS', 's', '0']), 'dedicated');
  });

  it('knows which commands a replica refuses', () => {
    assert.equal(isFlaggedWrite('set'), true);
    assert.equal(isFlaggedWrite('get'), false);
    assert.equal(isFlaggedWrite('eval'), false, 'the server decides for scripts');
  });

  it('maps method names to commands', () => {
    assert.equal(commandOf('getBuffer', ['k']), 'get');
    assert.equal(commandOf('call', ['SET', 'k', 'v']), 'set');
    assert.equal(commandOf('callBuffer', ['GET', 'k']), 'get');
  });
});

describe('pool methods', () => {
  it('has a generated method for every command, except the few a pool defines itself', () => {
    const own = new Set(['quit', 'multi', 'pipeline']);
    const generated = (PoolBase.prototype as unknown as Record<string, unknown>).get;
    for (const name of commandMethodNames()) {
      for (const proto of [MasterPool.prototype, ReplicaPool.prototype]) {
        const method = (proto as unknown as Record<string, unknown>)[name];
        assert.equal(typeof method, 'function', name);
        if (!own.has(name)) {
          // A pool's own member with a command's name would shadow the command: every
          // generated method has the same source text.
          assert.equal(String(method), String(generated), `${name} is shadowed by a pool member`);
          assert.ok(!Object.hasOwn(proto, name), `${name} is shadowed on ${proto.constructor.name}`);
        }
      }
    }
  });
});

describe('ROLE', () => {
  it('parses master, replica and sentinel replies', () => {
    assert.deepEqual(parseRole(['master', 3129659, [['127.0.0.1', '9001', '3129242']]]), {
      role: 'master',
      offset: 3129659,
    });
    const replica = parseRole(['slave', '127.0.0.1', 9000, 'connected', 3167038]);
    assert.deepEqual(replica, {
      role: 'replica',
      masterHost: '127.0.0.1',
      masterPort: 9000,
      linkState: 'connected',
      offset: 3167038,
    });
    assert.equal(describeRole(replica), 'replica of 127.0.0.1:9000 (connected)');
    assert.deepEqual(parseRole(['sentinel', ['mymaster']]), { role: 'sentinel' });
    assert.equal(parseRole(null).role, 'unknown');
  });

  it('accepts a replica only with its link up', () => {
    assert.ok(roleMatches('master', parseRole(['master', 1, []])));
    assert.ok(!roleMatches('master', parseRole(['slave', 'h', 1, 'connected', 5])));
    assert.ok(roleMatches('replica', parseRole(['slave', 'h', 1, 'connected', 5])));
    assert.ok(!roleMatches('replica', parseRole(['slave', 'h', 1, 'sync', -1])));
    assert.ok(!roleMatches('replica', parseRole(['master', 1, []])));
  });
});

describe('balancer', () => {
  const latencyOf = (candidate: { latency: number | undefined }) => candidate.latency;
  it('round-robins, picks at random, and prefers the fastest or an unmeasured replica', () => {
    const three = [{ latency: 3 }, { latency: 1 }, { latency: 2 }];
    assert.deepEqual(
      [0, 1, 2, 3].map((turn) => pickIndex('round-robin', three, turn, 0, latencyOf)),
      [0, 1, 2, 0],
    );
    assert.equal(pickIndex('random', three, 0, 0.99, latencyOf), 2);
    assert.equal(pickIndex('least-latency', three, 0, 0, latencyOf), 1);
    assert.equal(pickIndex('least-latency', [{ latency: 1 }, { latency: undefined }], 0, 0, latencyOf), 1);
    assert.equal(smoothLatency(undefined, 10), 10);
    assert.equal(smoothLatency(10, 20, 0.5), 15);
  });
});
