// Checks the files under deploy/ (the classic layout run by supervisord or systemd) by parsing
// them: no supervisord, systemd or Redis needed. The Redis and Sentinel configs are read as
// Redis reads them (one directive per line, words split on spaces), the supervisord file as INI
// and the systemd units as unit files. docs/deployment.md describes them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Where the units and the supervisord programs expect the configs (docs/deployment.md). */
const REDIS_CONF = '/etc/redis/redis.conf';
const SENTINEL_CONF = '/etc/redis/sentinel.conf';

/** Config directives, split into words; `commented` keeps only the `# directive …` lines. */
function directives(source: string, commented = false): string[][] {
  return source
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => (commented ? /^#\s*[a-z]/.test(line) : line !== '' && !line.startsWith('#')))
    .map((line) => line.replace(/^#\s*/, '').split(/\s+/));
}

function values(lines: string[][], ...words: string[]): string[][] {
  return lines
    .filter((line) => words.every((word, i) => line[i] === word))
    .map((line) => line.slice(words.length));
}

/** The single value of a one-argument directive, failing if absent or repeated. */
function value(lines: string[][], ...words: string[]): string {
  const found = values(lines, ...words);
  assert.equal(found.length, 1, `expected exactly one "${words.join(' ')}" line, got ${found.length}`);
  assert.equal(found[0]!.length, 1, `"${words.join(' ')}" takes one argument`);
  return found[0]![0]!;
}

/** INI sections (supervisord) or unit-file sections (systemd): key → every value given to it. */
function sections(source: string, comment: RegExp): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [i, raw] of source.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || comment.test(line)) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      assert.ok(!out.has(header[1]!), `section [${header[1]}] appears twice`);
      current = new Map();
      out.set(header[1]!, current);
      continue;
    }
    const pair = /^([A-Za-z_][\w.-]*)\s*=\s*(.*)$/.exec(line);
    assert.ok(pair, `line ${i + 1} is neither a section, a key=value nor a comment: ${raw}`);
    assert.ok(current, `line ${i + 1} comes before any section`);
    current.set(pair[1]!, [...(current.get(pair[1]!) ?? []), pair[2]!.trim()]);
  }
  return out;
}

function single(section: Map<string, string[]> | undefined, key: string, where: string): string {
  assert.ok(section, `${where} missing`);
  const found = section.get(key) ?? [];
  assert.equal(found.length, 1, `${where}: expected one ${key}=, got ${found.length}`);
  return found[0]!;
}

const redis = directives(read('deploy/redis.conf'));
const sentinel = directives(read('deploy/sentinel.conf'));

describe('deploy/redis.conf and deploy/sentinel.conf', () => {
  it('guard the master against split brain (min-replicas-to-write 1, min-replicas-max-lag 10)', () => {
    assert.equal(value(redis, 'min-replicas-to-write'), '1');
    assert.equal(value(redis, 'min-replicas-max-lag'), '10');
    assert.equal(value(redis, 'appendonly'), 'yes');
  });

  it('run in the foreground, as supervisord and systemd need', () => {
    assert.equal(value(redis, 'daemonize'), 'no');
    assert.equal(value(sentinel, 'daemonize'), 'no');
  });

  it('have no comment at the end of a directive (Redis would read it as arguments)', () => {
    for (const line of [...redis, ...sentinel]) {
      assert.ok(!line.slice(1).some((word) => word.startsWith('#')), `comment inside "${line.join(' ')}"`);
    }
  });

  it('leave replicaof commented out, naming the master the sentinels monitor', () => {
    assert.equal(
      values(redis, 'replicaof').length,
      0,
      'the file is the master; replicas uncomment replicaof',
    );
    const replicaof = values(directives(read('deploy/redis.conf'), true), 'replicaof');
    assert.equal(replicaof.length, 1, 'one commented "# replicaof <host> <port>" line');
    const monitor = values(sentinel, 'sentinel', 'monitor');
    assert.equal(monitor.length, 1, 'one sentinel monitor line');
    const [name, host, port, quorum] = monitor[0]!;
    assert.deepEqual(replicaof[0], [host, port]);
    assert.equal(port, value(redis, 'port'), 'sentinel monitor names the port of redis.conf');
    assert.equal(name, 'mymaster');
    // Three sentinels, one per host: a quorum of 2 is a majority.
    assert.equal(quorum, '2');
  });

  it('give the sentinels the timings of docker-compose.yml', () => {
    const compose = read('docker-compose.yml');
    for (const setting of ['down-after-milliseconds', 'failover-timeout', 'parallel-syncs']) {
      const inCompose = new Set(
        [...compose.matchAll(new RegExp(`sentinel ${setting} mymaster (\\d+)`, 'g'))].map((m) => m[1]),
      );
      assert.equal(inCompose.size, 1, `docker-compose.yml: one value of ${setting}`);
      assert.equal(value(sentinel, 'sentinel', setting, 'mymaster'), [...inCompose][0], setting);
    }
    assert.equal(value(sentinel, 'port'), '26379');
  });
});

describe('deploy/supervisor/redis.conf', () => {
  const programs = sections(read('deploy/supervisor/redis.conf'), /^[;#]/);

  it('runs redis-server on each config, restarted, stopped with its process group', () => {
    assert.deepEqual([...programs.keys()].sort(), ['program:redis', 'program:redis-sentinel']);
    const expected = {
      'program:redis': `redis-server ${REDIS_CONF}`,
      'program:redis-sentinel': `redis-server ${SENTINEL_CONF} --sentinel`,
    };
    for (const [name, command] of Object.entries(expected)) {
      const program = programs.get(name);
      assert.equal(single(program, 'command', name), command, `${name}: command`);
      assert.equal(single(program, 'autorestart', name), 'true', `${name}: autorestart`);
      assert.equal(single(program, 'stopasgroup', name), 'true', `${name}: stopasgroup`);
      assert.equal(single(program, 'killasgroup', name), 'true', `${name}: killasgroup`);
      assert.equal(single(program, 'user', name), 'redis', `${name}: user`);
    }
  });
});

describe('deploy/systemd units', () => {
  const units = {
    'redis.service': [REDIS_CONF],
    'redis-sentinel.service': [SENTINEL_CONF, '--sentinel'],
  };

  for (const [file, args] of Object.entries(units)) {
    it(`${file} runs redis-server ${args.join(' ')} in the foreground, restarted, as redis`, () => {
      const unit = sections(read(`deploy/systemd/${file}`), /^[;#]/);
      assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']);
      const service = unit.get('Service');
      const exec = single(service, 'ExecStart', file).split(/\s+/);
      assert.ok(exec[0]!.startsWith('/'), `${file}: ExecStart needs an absolute path`);
      assert.equal(basename(exec[0]!), 'redis-server');
      assert.deepEqual(exec.slice(1), [...args, '--daemonize', 'no'], `${file}: ExecStart arguments`);
      assert.equal(single(service, 'Type', file), 'simple');
      assert.ok(['always', 'on-failure'].includes(single(service, 'Restart', file)), `${file}: Restart`);
      assert.equal(single(service, 'User', file), 'redis');
      // Sentinel rewrites sentinel.conf, and has Redis rewrite redis.conf: /etc/redis stays writable.
      if (service?.has('ProtectSystem')) {
        const writable = single(service, 'ReadWritePaths', file).split(/\s+/);
        assert.ok(writable.includes('/etc/redis'), `${file}: ReadWritePaths must include /etc/redis`);
      }
      assert.equal(single(unit.get('Install'), 'WantedBy', file), 'multi-user.target');
    });
  }
});
