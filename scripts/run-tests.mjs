// Runs every test file under test/ with Node's built-in runner (TypeScript through tsx).
// Files run a few at a time: integration tests spend most of their time waiting for
// Sentinel, not on the CPU, so modest parallelism keeps the suite short on 2 cores.
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { chaosTable } from './chaos-table.mjs';

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

// test/partition/ (real network partitions, root only, minutes) runs only when named:
// `npm run test:partition`.
const PARTITION_DIR = join('test', 'partition');
const files = findTests(join(root, 'test')).filter((file) =>
  filters.length === 0 ? !file.startsWith(PARTITION_DIR) : filters.some((f) => file.includes(f)),
);
if (files.length === 0) {
  console.error(`no test file matches ${filters.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '3';
// The chaos scenarios (test/chaos/) append one JSON line each here; the table is printed last.
const reportDir = mkdtempSync(join(tmpdir(), 'chaos-report-'));
const report = join(reportDir, 'rows.jsonl');
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=240000', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, CHAOS_REPORT: report } },
);
const table = chaosTable(report);
if (table) console.log(`\nChaos scenarios (test/chaos/):\n\n${table}\n`);
rmSync(reportDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
