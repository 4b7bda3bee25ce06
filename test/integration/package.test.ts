// Checks the package as published: packs the repository with `npm pack`, installs the tarball into a
// throwaway project, and loads both entry points from plain Node, once as ESM (import) and once as
// CommonJS (require). Needs the build output (`npm test` builds first; otherwise `npm run build`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
    for (const built of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/testing/index.js']) {
      assert.ok(existsSync(join(root, built)), `${built} is missing: run npm run build first`);
    }
    work = mkdtempSync(join(tmpdir(), 'rsp-package-'));

    // --ignore-scripts: the dist is already built, and `prepare` would print build output into the JSON.
    const stdout = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [result] = JSON.parse(stdout) as PackResult[];
    assert.ok(result, `npm pack printed no result: ${stdout}`);
    packed = result;

    // A consumer project: the tarball unpacked as node_modules/redis-sentinel-pool (a real copy, so
    // Node resolves from it rather than from the repository), its runtime dependencies linked in
    // from the repository's node_modules.
    project = join(work, 'consumer');
    const nodeModules = join(project, 'node_modules');
    mkdirSync(nodeModules, { recursive: true });
    writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
    execFileSync('tar', ['xzf', join(work, packed.filename), '-C', nodeModules]);
    const installed = join(nodeModules, PACKAGE);
    renameSync(join(nodeModules, 'package'), installed);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
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
