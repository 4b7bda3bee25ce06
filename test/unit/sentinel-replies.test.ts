import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseMasterAddress,
  parseMasterState,
  parseReplicas,
  parseSentinelEvent,
  parseSentinels,
} from '../../src/discovery/sentinel-replies.js';
import { isHealthyReplica } from '../../src/topology.js';

const replicaFields = [
  'name', '127.0.0.1:7002', 'ip', '127.0.0.1', 'port', '7002', 'flags', 'slave',
  'master-link-status', 'ok', 'slave-repl-offset', '2472', 'slave-priority', '100',
]; // biome-ignore format: a Sentinel reply as it comes

describe('Sentinel replies', () => {
  it('parses get-master-addr-by-name', () => {
    assert.deepEqual(parseMasterAddress(['127.0.0.1', '7001']), { host: '127.0.0.1', port: 7001 });
    assert.equal(parseMasterAddress(null), null);
    assert.equal(parseMasterAddress(['127.0.0.1', 'x']), null);
  });

  it('parses replicas from flat arrays (RESP2), Maps and objects (RESP3)', () => {
    const expected = {
      host: '127.0.0.1',
      port: 7002,
      flags: ['slave'],
      masterLinkStatus: 'ok',
      replicationOffset: 2472,
      priority: 100,
    };
    const asMap = new Map<string, string>();
    for (let i = 0; i < replicaFields.length; i += 2) asMap.set(replicaFields[i]!, replicaFields[i + 1]!);
    assert.deepEqual(parseReplicas([replicaFields]), [expected]);
    assert.deepEqual(parseReplicas([asMap]), [expected]);
    assert.deepEqual(parseReplicas([Object.fromEntries(asMap)]), [expected]);
    assert.deepEqual(parseReplicas('garbage'), []);
    assert.deepEqual(parseReplicas([['ip', '127.0.0.1']]), [], 'an entry without a port is dropped');
  });

  it('tells healthy replicas from down or detached ones', () => {
    const [replica] = parseReplicas([replicaFields]);
    assert.ok(replica && isHealthyReplica(replica));
    assert.ok(!isHealthyReplica({ ...replica, flags: ['s_down', 'slave'] }));
    assert.ok(!isHealthyReplica({ ...replica, flags: ['slave', 'disconnected'] }));
    assert.ok(!isHealthyReplica({ ...replica, masterLinkStatus: 'err' }));
  });

  it('parses sentinels and the master state', () => {
    assert.deepEqual(
      parseSentinels([['ip', '127.0.0.1', 'port', '26380', 'flags', 'sentinel', 'runid', 'abc']]),
      [{ host: '127.0.0.1', port: 26380, flags: ['sentinel'] }],
    );
    const state = parseMasterState([
      'name', 'mymaster', 'ip', '127.0.0.1', 'port', '7001', 'flags', 'master,o_down',
      'config-epoch', '3', 'num-other-sentinels', '2', 'quorum', '2',
    ]); // biome-ignore format: a Sentinel reply
    assert.deepEqual(state, {
      host: '127.0.0.1',
      port: 7001,
      flags: ['master', 'o_down'],
      otherSentinelCount: 2,
      configEpoch: 3,
    });
  });

  it('parses published events', () => {
    assert.deepEqual(parseSentinelEvent('+switch-master', 'mymaster 127.0.0.1 7001 127.0.0.1 7002'), {
      channel: '+switch-master',
      masterName: 'mymaster',
      instanceType: 'master',
      instance: { host: '127.0.0.1', port: 7002 },
      previous: { host: '127.0.0.1', port: 7001 },
      detail: '',
    });
    assert.deepEqual(
      parseSentinelEvent('+sdown', 'slave 127.0.0.1:7003 127.0.0.1 7003 @ mymaster 127.0.0.1 7001'),
      {
        channel: '+sdown',
        masterName: 'mymaster',
        instanceType: 'slave',
        instance: { host: '127.0.0.1', port: 7003 },
        master: { host: '127.0.0.1', port: 7001 },
        detail: '',
      },
    );
    assert.deepEqual(parseSentinelEvent('+odown', 'master mymaster 127.0.0.1 7001 #quorum 2/2'), {
      channel: '+odown',
      masterName: 'mymaster',
      instanceType: 'master',
      instance: { host: '127.0.0.1', port: 7001 },
      detail: '#quorum 2/2',
    });
    assert.equal(parseSentinelEvent('+switch-master', 'mymaster 127.0.0.1'), undefined);
    assert.equal(parseSentinelEvent('+sdown', ''), undefined);
  });
});
