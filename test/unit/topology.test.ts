import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAllowedAddress, translateAddress } from '../../src/address-policy.js';
import { diffReplicas, healthyReplicas, isNewerMaster } from '../../src/discovery/topology-diff.js';
import type { ReplicaInfo } from '../../src/topology.js';

const replica = (port: number, extra: Partial<ReplicaInfo> = {}): ReplicaInfo => ({
  host: '10.0.0.1',
  port,
  flags: ['slave'],
  masterLinkStatus: 'ok',
  ...extra,
});
const A = { host: '10.0.0.1', port: 1 };
const B = { host: '10.0.0.1', port: 2 };

describe('topology', () => {
  it('keeps only healthy replicas, never the master', () => {
    const reported = [
      replica(2),
      replica(3, { flags: ['s_down', 'slave'] }),
      replica(4, { masterLinkStatus: 'err' }),
    ];
    assert.deepEqual(
      healthyReplicas(reported, A).map((r) => r.port),
      [2],
    );
    assert.deepEqual(healthyReplicas(reported, B), []);
  });

  it('diffs replicas: up, down, and no down for a promoted one', () => {
    assert.deepEqual(
      diffReplicas([replica(2), replica(3)], [replica(3), replica(4)], A).map(
        (c) => `${c.kind}:${c.replica.port}`,
      ),
      ['replicaUp:4', 'replicaDown:2'],
    );
    assert.deepEqual(diffReplicas([replica(2)], [], B), []);
  });

  it('adopts only a master with a newer configuration epoch', () => {
    assert.equal(isNewerMaster(undefined, -1, { master: A, epoch: 0 }), true);
    assert.equal(isNewerMaster(A, 0, { master: A, epoch: 1 }), false, 'same master');
    assert.equal(isNewerMaster(A, 1, { master: B, epoch: 2 }), true);
    assert.equal(isNewerMaster(B, 2, { master: A, epoch: 1 }), false, 'a lagging sentinel');
    assert.equal(isNewerMaster(B, 1, { master: A, epoch: 1 }), false, 'same epoch, other address');
    assert.equal(isNewerMaster(B, 1, { master: A, epoch: undefined }), true, 'no epoch reported');
  });

  it('translates with natMap and guards with allowedHosts', () => {
    assert.deepEqual(translateAddress(A, { '10.0.0.1:1': { host: '127.0.0.1', port: 7001 } }), {
      host: '127.0.0.1',
      port: 7001,
    });
    assert.deepEqual(translateAddress(B, { '10.0.0.1:1': { host: '127.0.0.1', port: 7001 } }), B);
    assert.deepEqual(
      translateAddress(A, (a) => ({ ...a, port: a.port + 1000 })),
      { host: '10.0.0.1', port: 1001 },
    );
    assert.equal(isAllowedAddress(A, undefined), true);
    assert.equal(isAllowedAddress(A, ['10.0.0.1']), true);
    assert.equal(isAllowedAddress(A, ['10.0.0.1:2']), false);
    assert.equal(isAllowedAddress(B, ['10.0.0.1:2']), true);
    assert.equal(
      isAllowedAddress(A, (a) => a.port === 1),
      true,
    );
  });
});
