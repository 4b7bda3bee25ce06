// Copies bench/results/bench.md (written by `npm run bench`) into README.md between the
// markers <!-- bench:start --> and <!-- bench:end -->, one heading level down. The README's
// failover figures are never typed by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const bench = readFileSync(join(root, 'bench/results/bench.md'), 'utf8')
  .replace(/^# .*\n+/, '')
  .replace(/^(#+) /gm, '$1## ')
  .trim();
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < from) throw new Error(`README.md needs ${start} … ${end}`);
writeFileSync(readmePath, `${readme.slice(0, from + start.length)}\n${bench}\n${readme.slice(to)}`);
console.log('README.md: benchmark section updated from bench/results/bench.md');
