// Checks README.md and docs/*.md as a reader would follow them: every relative link reaches a file
// (and a heading, for links with #anchor), every code block marked `<!-- example: FILE -->` is that
// file as it is (the files under examples/ are type-checked by tsconfig.examples.json), and the
// README keeps the test command that .ci/run runs.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const DOCS = ['README.md', ...readdirSync(join(root, 'docs')).map((file) => `docs/${file}`)].filter((file) =>
  file.endsWith('.md'),
);

/** The lines of a Markdown file outside ``` fences, with inline code blanked out. */
function prose(source: string): { line: string; number: number }[] {
  const out: { line: string; number: number }[] = [];
  let fenced = false;
  for (const [i, line] of source.split('\n').entries()) {
    if (line.trimStart().startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) out.push({ line: line.replace(/`[^`]*`/g, '``'), number: i + 1 });
  }
  return out;
}

/** GitHub's anchors for the headings of a Markdown file (duplicates get -1, -2, …). */
function anchors(source: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of source.split('\n')) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    out.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return out;
}

describe('documentation links', () => {
  for (const file of DOCS) {
    it(`${file}: every relative link resolves`, () => {
      const source = read(file);
      const broken: string[] = [];
      for (const { line, number } of prose(source)) {
        for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          const target = match[1]!;
          if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
          const [path = '', anchor] = target.split('#');
          const resolved = path === '' ? file : relative(root, join(root, dirname(file), path));
          if (!existsSync(join(root, resolved))) {
            broken.push(`line ${number}: ${target} (no ${resolved})`);
            continue;
          }
          if (anchor !== undefined && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) {
            broken.push(`line ${number}: ${target} (no heading #${anchor} in ${resolved})`);
          }
        }
      }
      assert.deepEqual(broken, []);
    });
  }
});

describe('documentation examples', () => {
  it('every code block marked <!-- example: FILE --> is that file, unchanged', () => {
    let count = 0;
    for (const file of DOCS) {
      const source = read(file);
      for (const match of source.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```\n/g)) {
        count += 1;
        assert.ok(existsSync(join(root, match[1]!)), `${file}: ${match[1]} does not exist`);
        assert.equal(match[2], read(match[1]!), `${file}: the block differs from ${match[1]}`);
      }
      const markers = source.split('<!-- example: ').length - 1;
      const blocks = [...source.matchAll(/<!-- example: \S+ -->\n```ts\n/g)].length;
      assert.equal(blocks, markers, `${file}: a <!-- example: --> marker not followed by a \`\`\`ts block`);
    }
    assert.ok(count >= 1, 'no example block found');
  });

  it('the README quick start is examples/quick-start.ts', () => {
    assert.ok(read('README.md').includes('<!-- example: examples/quick-start.ts -->'));
  });
});

describe('README.md', () => {
  const readme = read('README.md');

  it('stays a front page (under 400 lines), with the reference in docs/', () => {
    const lines = readme.split('\n').length;
    assert.ok(lines < 400, `README.md has ${lines} lines`);
  });

  it('gives, in its Development section, the test command that .ci/run runs', () => {
    const development = readme.slice(readme.indexOf('\n## Development'));
    const block = /```sh\n([\s\S]*?)```/.exec(development);
    assert.ok(block, 'a sh block in the Development section');
    const commands = block[1]!.split('\n').map((line) => line.replace(/#.*/, '').trim());
    assert.ok(commands.includes('npm test'), 'npm test in the Development section');
    assert.match(read('.ci/run'), /^npm test$/m, '.ci/run runs npm test');
  });
});
