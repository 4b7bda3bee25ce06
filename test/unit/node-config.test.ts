import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopologyError } from '../../src/errors.js';
import {
  dataNodeConfig,
  type NodeTLSConfig,
  quoteConfigArg,
  sentinelConfig,
  withReplicaOf,
} from '../../src/testing/node-config.js';
import { resolveTopologyOptions } from '../../src/testing/resolve-topology-options.js';

const TLS: NodeTLSConfig = {
  certFile: '/certs/server.crt',
  keyFile: '/certs/server.key',
  caFile: '/certs/my ca.crt',
  authClients: false,
};

const data = (tls?: NodeTLSConfig) =>
  dataNodeConfig({ port: 7001, dir: '/tmp/n', minReplicasToWrite: 0, minReplicasMaxLag: 10, tls, extra: [] });

const sentinel = (tls?: NodeTLSConfig) =>
  sentinelConfig({
    port: 26001,
    dir: '/tmp/s',
    masterName: 'mymaster',
    masterPort: 7001,
    quorum: 2,
    downAfterMilliseconds: 1500,
    failoverTimeout: 10_000,
    tls,
    extra: [],
  });

/** The lines that configure ports and TLS, in order. */
const tlsAndPortLines = (lines: string[]) => lines.filter((l) => /^"(port|tls-[a-z-]+)"/.test(l));

describe('node config', () => {
  it('listens on plain TCP without tls', () => {
    assert.deepEqual(tlsAndPortLines(data()), ['"port" 7001']);
    assert.deepEqual(tlsAndPortLines(sentinel()), ['"port" 26001']);
  });

  it('listens with TLS only, replicates and monitors over TLS, with tls', () => {
    const expected = [
      '"port" 0',
      '"tls-port" 7001',
      '"tls-cert-file" "/certs/server.crt"',
      '"tls-key-file" "/certs/server.key"',
      '"tls-ca-cert-file" "/certs/my ca.crt"',
      '"tls-auth-clients" "no"',
      '"tls-replication" "yes"',
    ];
    assert.deepEqual(tlsAndPortLines(data(TLS)), expected);
    assert.deepEqual(tlsAndPortLines(sentinel(TLS)), ['"port" 0', '"tls-port" 26001', ...expected.slice(2)]);
  });

  it('asks for client certificates and presents its own with authClients', () => {
    const lines = tlsAndPortLines(
      data({ ...TLS, authClients: true, clientCertFile: '/certs/c.crt', clientKeyFile: '/certs/c.key' }),
    );
    assert.ok(lines.includes('"tls-auth-clients" "yes"'));
    assert.deepEqual(lines.slice(-2), [
      '"tls-client-cert-file" "/certs/c.crt"',
      '"tls-client-key-file" "/certs/c.key"',
    ]);
  });

  it('keeps the TLS lines when a node is pointed at a new master', () => {
    const text = withReplicaOf(`${data(TLS).join('\n')}\n"replicaof" "127.0.0.1" 7000\n`, 7002);
    const lines = text.trimEnd().split('\n');
    assert.deepEqual(tlsAndPortLines(lines), tlsAndPortLines(data(TLS)));
    assert.equal(lines.at(-1), '"replicaof" "127.0.0.1" 7002');
  });

  it('quotes file paths the way Redis reads them', () => {
    assert.equal(quoteConfigArg('/a b/"c"\\d'), '"/a b/\\"c\\"\\\\d"');
  });
});

describe('LocalTopology tls option', () => {
  const files = { certFile: 'server.crt', keyFile: 'server.key', caFile: 'ca.crt' };

  it('defaults authClients to false and the client certificate to certFile', () => {
    assert.equal(resolveTopologyOptions().tls, undefined);
    assert.deepEqual(
      { ...resolveTopologyOptions({ tls: files }).tls },
      { ...files, authClients: false, clientCertFile: undefined, clientKeyFile: undefined },
    );
  });

  const bad: Array<[unknown, RegExp]> = [
    [{ ...files, caFile: '' }, /tls\.caFile must be a file path/],
    [{ certFile: 'server.crt', keyFile: 'server.key' }, /tls\.caFile must be a file path/],
    [{ ...files, authClients: 'yes' }, /tls\.authClients must be a boolean/],
    [{ ...files, clientCertFile: 'c.crt' }, /clientCertFile and tls\.clientKeyFile go together/],
    ['yes', /tls must be an object/],
  ];
  for (const [tls, message] of bad) {
    it(`refuses tls: ${JSON.stringify(tls)}`, () => {
      assert.throws(
        () => resolveTopologyOptions({ tls: tls as never }),
        (error: unknown) => error instanceof TopologyError && message.test(error.message),
      );
    });
  }
});
