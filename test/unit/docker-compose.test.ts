// Checks docker-compose.yml (the local production-style Sentinel layout) by parsing it: no Docker
// needed. Each node's config is the heredoc its start command writes to /data before starting
// redis-server, so the test reads the directives from there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const composePath = join(import.meta.dirname, '..', '..', 'docker-compose.yml');
const source = readFileSync(composePath, 'utf8');

const MASTER = 'redis-master';
const REPLICAS = ['redis-replica-1', 'redis-replica-2'];
const SENTINELS = ['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3'];
const DATA_NODES = [MASTER, ...REPLICAS];
/** With network_mode: host, this is where the host (and every other node) reaches a node. */
const HOST_ADDRESS = '127.0.0.1';

interface Service {
  image?: unknown;
  network_mode?: unknown;
  ports?: unknown;
  volumes?: unknown;
  command?: unknown;
}

interface Node {
  name: string;
  service: Service;
  script: string;
  configFile: string;
  /** Config lines, split into words: `sentinel monitor mymaster 127.0.0.1 6380 2` → 6 words. */
  lines: string[][];
}

const compose = parse(source) as { services?: Record<string, Service> };
const services = compose.services ?? {};

function scriptOf(name: string, service: Service): string {
  const { command } = service;
  if (Array.isArray(command)) {
    assert.deepEqual(command.slice(0, 2), ['sh', '-c'], `${name}: command should be [sh, -c, script]`);
    assert.equal(typeof command[2], 'string', `${name}: command script`);
    return command[2] as string;
  }
  assert.fail(`${name}: command should be a list [sh, -c, script], got ${JSON.stringify(command)}`);
}

function node(name: string): Node {
  const service = services[name];
  assert.ok(service, `service ${name} missing from docker-compose.yml`);
  const script = scriptOf(name, service);
  const heredoc = /cat > (\S+) <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(script);
  assert.ok(heredoc, `${name}: the command should write its config with cat > FILE <<'EOF' ... EOF`);
  const configFile = heredoc[1]!;
  const lines = heredoc[2]!
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/));
  return { name, service, script, configFile, lines };
}

/** The arguments of every line starting with `words`, e.g. values(n, 'sentinel', 'monitor'). */
function values(n: Node, ...words: string[]): string[][] {
  return n.lines
    .filter((line) => words.every((word, i) => line[i] === word))
    .map((line) => line.slice(words.length));
}

/** The single value of a one-argument directive (`port 6380` → '6380'), failing if absent or repeated. */
function value(n: Node, ...words: string[]): string {
  const found = values(n, ...words);
  assert.equal(found.length, 1, `${n.name}: expected exactly one "${words.join(' ')}" line`);
  assert.equal(found[0]!.length, 1, `${n.name}: "${words.join(' ')}" takes one argument`);
  return found[0]![0]!;
}

function port(n: Node): number {
  return Number(value(n, 'port'));
}

describe('docker-compose.yml', () => {
  const master = node(MASTER);
  const replicas = REPLICAS.map(node);
  const sentinels = SENTINELS.map(node);
  const dataNodes = [master, ...replicas];
  const all = [...dataNodes, ...sentinels];

  it('defines exactly 1 master, 2 replicas and 3 sentinels, on Redis 7.0 or 7.2', () => {
    assert.deepEqual(Object.keys(services).sort(), [...DATA_NODES, ...SENTINELS].sort());
    for (const n of all) {
      assert.match(String(n.service.image), /^redis:7\.[02](\.\d+)?$/, `${n.name}: image`);
    }
  });

  it('starts redis-server on the config it writes, kept in the volume mounted at /data', () => {
    for (const n of all) {
      const sentinelFlag = SENTINELS.includes(n.name) ? ' --sentinel' : '';
      assert.ok(n.configFile.startsWith('/data/'), `${n.name}: config file ${n.configFile} outside /data`);
      assert.ok(
        n.script.trimEnd().endsWith(`redis-server ${n.configFile}${sentinelFlag}`),
        `${n.name}: should end by starting redis-server ${n.configFile}${sentinelFlag}`,
      );
      // Sentinel rewrites its config file as it learns the topology: it must be writable and kept.
      assert.ok(
        Array.isArray(n.service.volumes) && n.service.volumes.some((v) => String(v).endsWith(':/data')),
        `${n.name}: no volume mounted at /data`,
      );
      // Compose would substitute $NAME in the script before the shell sees it.
      assert.ok(!n.script.includes('$'), `${n.name}: script contains $, which Compose interpolates`);
    }
  });

  it('guards the master against split brain (min-replicas-to-write 1, min-replicas-max-lag 10)', () => {
    assert.equal(values(master, 'replicaof').length, 0, 'the master must not be a replica');
    // Every data node can be promoted, so each carries the guard (it only applies while master).
    for (const n of dataNodes) {
      assert.equal(value(n, 'min-replicas-to-write'), '1', `${n.name}: min-replicas-to-write`);
      assert.equal(value(n, 'min-replicas-max-lag'), '10', `${n.name}: min-replicas-max-lag`);
    }
  });

  it('has both replicas replicate from the master', () => {
    for (const replica of replicas) {
      assert.deepEqual(values(replica, 'replicaof'), [[HOST_ADDRESS, String(port(master))]], replica.name);
    }
  });

  it('has 3 sentinels monitor mymaster at the master address with quorum 2', () => {
    for (const sentinel of sentinels) {
      assert.deepEqual(
        values(sentinel, 'sentinel', 'monitor'),
        [['mymaster', HOST_ADDRESS, String(port(master)), '2']],
        sentinel.name,
      );
    }
  });

  it('makes every node advertise an address the host can reach (host networking, 127.0.0.1)', () => {
    for (const n of all) {
      assert.equal(n.service.network_mode, 'host', `${n.name}: network_mode`);
      assert.equal(n.service.ports, undefined, `${n.name}: ports are ignored with network_mode: host`);
      const bind = values(n, 'bind');
      assert.equal(bind.length, 1, `${n.name}: one bind line`);
      assert.ok(bind[0]!.includes(HOST_ADDRESS), `${n.name}: must listen on ${HOST_ADDRESS}`);
      assert.ok(
        bind[0]!.every((address) => /^-?(127\.0\.0\.1|::1)$/.test(address)),
        `${n.name}: binds beyond loopback (${bind[0]!.join(' ')}), exposing Redis on the host's network`,
      );
    }
    // What Sentinel hands to clients: replicas as they announce themselves, sentinels likewise.
    for (const n of dataNodes) {
      assert.equal(value(n, 'replica-announce-ip'), HOST_ADDRESS, `${n.name}: replica-announce-ip`);
      assert.equal(Number(value(n, 'replica-announce-port')), port(n), `${n.name}: replica-announce-port`);
    }
    for (const n of sentinels) {
      assert.equal(value(n, 'sentinel', 'announce-ip'), HOST_ADDRESS, `${n.name}: sentinel announce-ip`);
      assert.equal(Number(value(n, 'sentinel', 'announce-port')), port(n), `${n.name}: announce-port`);
    }
  });

  it('gives every node its own port, leaving 6379 and 26379 to a local Redis', () => {
    const ports = all.map(port);
    for (const [i, p] of ports.entries()) {
      assert.ok(Number.isInteger(p) && p > 0 && p < 65536, `${all[i]!.name}: port ${p}`);
    }
    assert.equal(new Set(ports).size, ports.length, `ports not distinct: ${ports.join(', ')}`);
    assert.ok(!ports.includes(6379) && !ports.includes(26379), `default ports in use: ${ports.join(', ')}`);
  });

  it('documents the sentinel addresses to give new Sentinel()', () => {
    const documented = /new Sentinel\('([^']+)'\)/.exec(source);
    assert.ok(documented, 'header comment should show new Sentinel(...)');
    assert.deepEqual(
      documented[1]!.split(','),
      sentinels.map((n) => `${HOST_ADDRESS}:${port(n)}`),
    );
  });
});
