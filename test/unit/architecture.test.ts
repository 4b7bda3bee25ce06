/**
 * docs/architecture.md says which folder imports which, and lists every module: both are
 * checked here against the source, so the document stays true to the imports.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');
const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') ? [relative(src, path)] : [];
  });
}

/** `pool/`, `index.ts`, `sentinel.ts`, or `leaves` for the other modules at the top. */
function areaOf(file: string): string {
  if (file.includes('/')) return `${file.split('/')[0]}/`;
  return file === 'index.ts' || file === 'sentinel.ts' ? file : 'leaves';
}

function actualArrows(): Map<string, Set<string>> {
  const arrows = new Map<string, Set<string>>();
  for (const file of sourceFiles(src)) {
    const text = readFileSync(join(src, file), 'utf8');
    for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = normalize(join(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
      const [from, to] = [areaOf(file), areaOf(target)];
      if (from === to) continue;
      if (!arrows.has(from)) arrows.set(from, new Set());
      arrows.get(from)!.add(to);
    }
  }
  return arrows;
}

function documentedArrows(): Map<string, Set<string>> {
  const arrows = new Map<string, Set<string>>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const from = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!from || cells.length < 4) continue;
    const targets = cells[2]!.split(',').map((t) => t.trim().replace(/`/g, ''));
    arrows.set(from, new Set(targets));
  }
  return arrows;
}

describe('architecture', () => {
  it('the import table of docs/architecture.md is what the code imports', () => {
    const actual = actualArrows();
    const documented = documentedArrows();
    assert.equal(actual.has('leaves'), false, `leaf modules import ${[...(actual.get('leaves') ?? [])]}`);
    for (const [from, targets] of actual) {
      assert.deepEqual([...targets].sort(), [...(documented.get(from) ?? [])].sort(), `imports of ${from}`);
    }
    for (const from of documented.keys())
      assert.ok(actual.has(from), `${from} is documented but imports nothing`);
  });

  it('pools and discovery never import each other', () => {
    const actual = actualArrows();
    assert.equal(actual.get('pool/')?.has('discovery/'), false);
    assert.equal(actual.get('discovery/')?.has('pool/'), false);
  });

  it('the file tree of docs/architecture.md lists every module, and only those', () => {
    const tree = doc.slice(doc.indexOf('```\nsrc/'));
    const listed: string[] = [];
    // Folders nest by two spaces (src/ at 0, testing/ at 2, testing/netns/ at 4).
    const folders: string[] = [];
    for (const line of tree.split('\n')) {
      const folderMatch = /^( {2,})([a-z-]+\/)/.exec(line);
      if (folderMatch) {
        const depth = folderMatch[1]!.length / 2 - 1;
        folders.length = depth;
        folders.push(folderMatch[2]!);
      }
      const fileMatch = /^( {2,})([a-z-]+\.ts)\b/.exec(line);
      if (fileMatch) listed.push(folders.slice(0, fileMatch[1]!.length / 2 - 1).join('') + fileMatch[2]!);
    }
    assert.deepEqual(listed.sort(), sourceFiles(src).sort());
  });

  it('only connector/ioredis-internals.ts reaches into ioredis private members', () => {
    const privates =
      /\.(commandQueue|offlineQueue|flushQueue|recoverFromFatalError|reconnectTimeout|_commandTimeoutTimer|condition|isSettled|manuallyClosing)\b/;
    for (const file of sourceFiles(src)) {
      if (file === join('connector', 'ioredis-internals.ts')) continue;
      const code = readFileSync(join(src, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line));
      const found = code.find((line) => privates.test(line));
      assert.equal(found, undefined, `${file}: ${found}`);
    }
  });
});
