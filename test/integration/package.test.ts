// Checks the package as published: packs the repository with `npm pack`, installs the tarball into a
// throwaway project, and loads both entry points from plain Node, once as ESM (import) and once as
// CommonJS (require). Needs the build output (`npm test` builds first; otherwise `npm run build`).
// Then installs the tarball from npm beside ioredis, as an application does (`npm install ioredis@6
// redis-sentinel-pool`), on the newest and the lowest supported ioredis: one copy of ioredis (and of
// the debug and @ioredis/commands it shares with this library), and an app that uses both
// type-checks under `strict`. That part needs the npm registry.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const PACKAGE = 'redis-sentinel-pool';

/** What each entry point exports: name → typeof, as printed by the child processes. */
interface EntryPoints {
  main: Record<string, string>;
  testing: Record<string, string>;
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

// Both scripts print the same JSON shape. The ESM one also imports the headline names by name, so
// a missing named export fails at link time, as it would for a user.
const ESM_SCRIPT = `
import { Sentinel } from '${PACKAGE}';
import { LocalTopology } from '${PACKAGE}/testing';
import * as main from '${PACKAGE}';
import * as testing from '${PACKAGE}/testing';
void Sentinel;
void LocalTopology;
const describe = (ns) => Object.fromEntries(Object.keys(ns).sort().map((k) => [k, typeof ns[k]]));
console.log(JSON.stringify({ main: describe(main), testing: describe(testing) }));
`;

const CJS_SCRIPT = `
const main = require('${PACKAGE}');
const testing = require('${PACKAGE}/testing');
const describe = (ns) => Object.fromEntries(Object.keys(ns).sort().map((k) => [k, typeof ns[k]]));
console.log(JSON.stringify({ main: describe(main), testing: describe(testing) }));
`;

/** Packs the repository into `destination` as `npm pack` does for a publish. */
function pack(destination: string): PackResult {
  // --ignore-scripts: the dist is already built, and `prepare` would print build output into the JSON.
  const stdout = execFileSync(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const [result] = JSON.parse(stdout) as PackResult[];
  assert.ok(result, `npm pack printed no result: ${stdout}`);
  return result;
}

function assertBuilt(): void {
  for (const built of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/testing/index.js']) {
    assert.ok(existsSync(join(root, built)), `${built} is missing: run npm run build first`);
  }
}

/** Runs a script with plain Node (no tsx, no NODE_OPTIONS/NODE_PATH from this process). */
function runNode(cwd: string, file: string): EntryPoints {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_PATH;
  try {
    const stdout = execFileSync(process.execPath, [file], { cwd, env, encoding: 'utf8', stdio: 'pipe' });
    return JSON.parse(stdout) as EntryPoints;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`node ${file} failed:\n${stderr ?? String(error)}`);
  }
}

describe('published package', { timeout: 120_000 }, () => {
  let work = '';
  let project = '';
  let packed: PackResult;
  // Loaded on first use, so a failing import fails the export tests, not the tarball test.
  let loaded: { esm: EntryPoints; cjs: EntryPoints } | undefined;
  const load = () => {
    loaded ??= { esm: runNode(project, 'check.mjs'), cjs: runNode(project, 'check.cjs') };
    return loaded;
  };

  before(() => {
    assertBuilt();
    work = mkdtempSync(join(tmpdir(), 'rsp-package-'));
    packed = pack(work);

    // A consumer project: the tarball unpacked as node_modules/redis-sentinel-pool (a real copy, so
    // Node resolves from it rather than from the repository), its runtime and peer dependencies
    // (ioredis) linked in from the repository's node_modules.
    project = join(work, 'consumer');
    const nodeModules = join(project, 'node_modules');
    mkdirSync(nodeModules, { recursive: true });
    writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
    execFileSync('tar', ['xzf', join(work, packed.filename), '-C', nodeModules]);
    const installed = join(nodeModules, PACKAGE);
    renameSync(join(nodeModules, 'package'), installed);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      const source = join(root, 'node_modules', dependency);
      assert.ok(existsSync(source), `dependency ${dependency} is not installed in ${root}/node_modules`);
      mkdirSync(join(nodeModules, dependency, '..'), { recursive: true });
      symlinkSync(source, join(nodeModules, dependency), 'dir');
    }

    writeFileSync(join(project, 'check.mjs'), ESM_SCRIPT);
    writeFileSync(join(project, 'check.cjs'), CJS_SCRIPT);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the build, both type entry points and the README, without sources or tests', () => {
    const paths = packed.files.map((file) => file.path);
    for (const expected of [
      'package.json',
      'README.md',
      'dist/esm/index.js',
      'dist/esm/index.d.ts',
      'dist/esm/package.json',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/package.json',
      'dist/esm/testing/index.d.ts',
      'dist/cjs/testing/index.d.ts',
    ]) {
      assert.ok(paths.includes(expected), `${expected} missing from the tarball`);
    }
    const unwanted = paths.filter((path) => /^(src|test)\//.test(path));
    assert.deepEqual(unwanted, [], 'sources or tests in the tarball');
  });

  it('exports the same names, of the same kinds, to import and require', () => {
    const { esm, cjs } = load();
    assert.deepEqual(cjs, esm);
  });

  it('exports Sentinel and the error classes from the main entry point', () => {
    const { esm } = load();
    for (const name of ['Sentinel', 'SentinelConfigError', 'MasterNotFoundError']) {
      assert.equal(esm.main[name], 'function', `${name} (exports: ${Object.keys(esm.main).join(', ')})`);
    }
  });

  it('exports LocalTopology from redis-sentinel-pool/testing', () => {
    const { esm } = load();
    assert.equal(esm.testing.LocalTopology, 'function', `exports: ${Object.keys(esm.testing).join(', ')}`);
  });
});

// An application that uses ioredis itself and this library, once as ESM and once as CommonJS. The
// connections a pool lends must be the application's own `Redis` (one class, one type), and the
// typed pool commands must come from the application's ioredis.
const APP_SOURCE = `
import { Redis, type RedisOptions } from 'ioredis';
import { type MasterPool, Sentinel, type SentinelOptions } from '${PACKAGE}';

const redisOptions: RedisOptions = { host: '127.0.0.1', port: 6379, lazyConnect: true };
const options: SentinelOptions = { password: 'secret', tls: { rejectUnauthorized: true } };

export function pool(): MasterPool {
  return new Sentinel(['127.0.0.1:26379'], options).masterFor('mymaster');
}

export async function lent(master: MasterPool): Promise<Redis> {
  const connection: Redis = await master.acquire();
  master.release(connection);
  return connection;
}

export async function both(master: MasterPool): Promise<Array<string | null>> {
  const own = new Redis(redisOptions);
  const viaPool: string | null = await master.get('key');
  const lentValue = await master.withConnection((connection: Redis) => connection.get('key'));
  const isOwnClass: boolean = (await lent(master)) instanceof Redis;
  own.disconnect();
  return isOwnClass ? [await own.get('key'), viaPool, lentValue] : [];
}
`;

/** Every installed copy of `name` under `nodeModules`, nested ones included. */
function copiesOf(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    if (existsSync(join(dir, name, 'package.json'))) found.push(join(dir, name));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const scoped = entry.name.startsWith('@') ? readdirSync(join(dir, entry.name)) : [''];
      for (const inner of scoped) visit(join(dir, entry.name, inner, 'node_modules'));
    }
  };
  visit(nodeModules);
  return found;
}

/** npm without this process's npm_* variables (an `npm test` run sets some, e.g. the prefix). */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

// The newest 6.x (as `npm install ioredis@6` picks it) and the lowest supported, 6.0.0.
for (const { spec, expected } of [
  { spec: 'ioredis@6', expected: /^6\./ },
  { spec: 'ioredis@6.0.0', expected: /^6\.0\.0$/ },
]) {
  describe(`npm install ${spec} ${PACKAGE}`, { timeout: 240_000 }, () => {
    let work = '';
    let app = '';

    before(() => {
      assertBuilt();
      work = mkdtempSync(join(tmpdir(), 'rsp-install-'));
      const tarball = join(work, pack(work).filename);
      app = join(work, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
      // Bounded: a stalled registry fails this test after 2 minutes instead of hanging the suite.
      execFileSync(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', spec, tarball],
        { cwd: app, env: npmEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
      );
    });

    after(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('installs one ioredis, shared with the application (and one debug, one @ioredis/commands)', () => {
      const nodeModules = join(app, 'node_modules');
      for (const name of ['ioredis', 'debug', '@ioredis/commands']) {
        assert.deepEqual(copiesOf(nodeModules, name), [join(nodeModules, name)], `copies of ${name}`);
      }
      const { version } = JSON.parse(readFileSync(join(nodeModules, 'ioredis', 'package.json'), 'utf8')) as {
        version: string;
      };
      assert.match(version, expected);
    });

    it('type-checks an application that uses both, under strict, as ESM and as CommonJS', () => {
      writeFileSync(join(app, 'app.mts'), APP_SOURCE);
      writeFileSync(join(app, 'app.cts'), APP_SOURCE);
      // ioredis 6.1's own declarations import the untyped `redis-errors` (its @types package is
      // only an ioredis devDependency): any strict app that checks libraries needs this, ours aside.
      writeFileSync(join(app, 'redis-errors.d.ts'), "declare module 'redis-errors';\n");
      const tsconfig = {
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          noEmit: true,
          // The library's declarations are checked too, against the application's ioredis.
          skipLibCheck: false,
          // Node's types from this repository: the application has none installed.
          typeRoots: [join(root, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['app.mts', 'app.cts', 'redis-errors.d.ts'],
      };
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
      try {
        execFileSync(process.execPath, [tsc, '-p', app], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        assert.fail(`tsc failed:\n${stdout ?? ''}${stderr ?? String(error)}`);
      }
    });
  });
}
