/**
 * The steady-state bench still runs: `bench/steady-state.ts --quick` (one tiny round at two
 * concurrencies, every client in its own process, on topologies of its own) as a child process
 * exits 0, prints its tables and writes its JSON. Its numbers are not checked: a quick round on
 * a shared machine measures nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WORKLOADS } from '../../bench/lib/steady-types.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** A quick run takes 15–40 s here, most of it starting the client processes under load. */
const DEADLINE_MS = 100_000;
/** After SIGTERM the bench stops its children and Redis processes; SIGKILL if it has not by then. */
const TERM_GRACE_MS = 5000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runQuickBench(out: string): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/steady-state.ts', '--quick', `--out=${out}`],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const term = setTimeout(() => child.kill('SIGTERM'), DEADLINE_MS);
  const kill = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS + TERM_GRACE_MS);
  try {
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout, stderr };
  } finally {
    clearTimeout(term);
    clearTimeout(kill);
  }
}

describe('bench/steady-state.ts --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-quick-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('runs every client and workload, prints the tables and writes the JSON', {
    timeout: 120_000,
  }, async () => {
    const run = await runQuickBench(out);
    assert.equal(run.code, 0, `exit code ${run.code}; stderr:\n${run.stderr.slice(-3000)}`);
    for (const heading of ['## Master', '## Replica', '## Session reads', '## Targets']) {
      assert.ok(run.stdout.includes(heading), `no "${heading}" in:\n${run.stdout}`);
    }
    const masterRows = run.stdout.split('\n').filter((line) => /^\| (1|10) \| [\d,]+ \|/.test(line));
    assert.equal(masterRows.length, 4, `master and replica rows at 1 and 10 callers:\n${run.stdout}`);

    const json = JSON.parse(readFileSync(join(out, 'steady-state-quick.json'), 'utf8')) as {
      samples: { workload: string; client: string; ops: number; errors: number; firstError?: string }[];
    };
    // 4 clients × 2 shared workloads + 4 session workloads of ours only, at 2 concurrencies.
    assert.equal(json.samples.length, (4 * 2 + (WORKLOADS.length - 2)) * 2);
    for (const s of json.samples) {
      assert.ok(s.ops > 0, `${s.client} ran no ${s.workload} operation`);
      assert.equal(s.errors, 0, `${s.client}, ${s.workload}: ${s.firstError}`);
    }
    assert.match(readFileSync(join(out, 'steady-state-quick.md'), 'utf8'), /quick mode/);
  });
});
