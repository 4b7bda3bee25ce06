/**
 * The runnable examples, each as a reader starts it (`npx tsx examples/<name>.ts`), as a child
 * process: each starts its own LocalTopology, fails over in the middle, prints what happened and
 * exits 0 within the deadline, with no process of its own left behind (it runs in a process
 * group of its own, which its redis-server, sentinel and esbuild processes join). `redis-sentinel-pool`
 * resolves to src/ here (tsconfig.examples.json's paths), so no build is needed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../../src/testing/index.js';
import { CliProcess } from '../helpers/cli-process.js';

const root = join(import.meta.dirname, '..', '..');
const DEADLINE_MS = 60_000;
const EXAMPLES = ['quick-start', 'bullmq', 'socket-io', 'connect-redis', 'rate-limiter', 'opentelemetry'];

/** Whether any process of the group `pgid` still runs. */
function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runnable examples', { concurrency: 3 }, () => {
  for (const name of EXAMPLES) {
    it(`examples/${name}.ts fails over, prints it and exits 0`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join('examples', `${name}.ts`)], {
        cwd: root,
        env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.examples.json', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const run = new CliProcess(child);
      try {
        const result = await run.result(DEADLINE_MS);
        assert.equal(result.code, 0, `exit ${result.code ?? result.signal}:\n${run.describe()}`);
        assert.match(result.stdout, /master :?\d+ -> :?\d+/, 'it says how the master changed');
        // tsx's esbuild service ends when its pipe to the example closes, a moment after it.
        await eventually(() => !isGroupAlive(child.pid!), {
          timeoutMs: 5000,
          message: `every process of examples/${name}.ts ended`,
        });
      } finally {
        if (isGroupAlive(child.pid!)) process.kill(-child.pid!, 'SIGKILL');
      }
    });
  }
});
