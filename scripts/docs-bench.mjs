// Copies bench/results/bench.md (written by `npm run bench`) into docs/benchmarks.md between the
// markers <!-- bench:start --> and <!-- bench:end -->, one heading level down. The failover
// figures in the documentation are never typed by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const docPath = join(root, 'docs/benchmarks.md');
const doc = readFileSync(docPath, 'utf8');
const bench = readFileSync(join(root, 'bench/results/bench.md'), 'utf8')
  .replace(/^# .*\n+/, '')
  .replace(/^(#+) /gm, '$1# ')
  .trim();
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const from = doc.indexOf(start);
const to = doc.indexOf(end);
if (from < 0 || to < from) throw new Error(`docs/benchmarks.md needs ${start} … ${end}`);
writeFileSync(docPath, `${doc.slice(0, from + start.length)}\n${bench}\n${doc.slice(to)}`);
console.log('docs/benchmarks.md: benchmark section updated from bench/results/bench.md');
