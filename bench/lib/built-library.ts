/**
 * The library as the steady-state bench measures it: the built package (`dist/esm`, what users
 * install), not the TypeScript sources through tsx. tsx's transform wraps every function it
 * creates in a `__name()` call (esbuild's keepNames), a cost on a command path that makes
 * closures per command and that no user pays: a profile of session reads through tsx put about
 * a tenth of the library's own time in `__name`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Library from '../../src/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(root, 'dist', 'esm', 'index.js');

/** The newest modification time of the TypeScript sources under `dir`, in ms. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    const time = stat.isDirectory() ? newestSource(path) : name.endsWith('.ts') ? stat.mtimeMs : 0;
    newest = Math.max(newest, time);
  }
  return newest;
}

/**
 * Throws unless `dist/esm` exists and is newer than every source file: a stale build would
 * measure old code. `npm run bench:steady` builds first.
 */
export function assertBuiltLibrary(): void {
  if (!existsSync(entry)) {
    throw new Error(
      'bench: dist/esm/index.js is missing: run `npm run build` first (npm run bench:steady does)',
    );
  }
  if (statSync(entry).mtimeMs < newestSource(join(root, 'src'))) {
    throw new Error('bench: dist/ is older than src/: run `npm run build` first (npm run bench:steady does)');
  }
}

/**
 * Loads the built library, in a bench child. The parent checked that the build is fresh
 * ({@link assertBuiltLibrary}) before starting it: a source edited since does not stop the run.
 */
export async function loadBuiltLibrary(): Promise<typeof Library> {
  if (!existsSync(entry)) throw new Error('bench: dist/esm/index.js is missing: run `npm run build` first');
  return (await import(entry)) as typeof Library;
}
