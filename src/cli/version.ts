/**
 * The version `--version` prints: the one in this package's package.json, found by walking up
 * from the running script (`dist/esm/cli/main.js`, or `dist/cjs/…`, through the npm bin
 * symlink), so that it is never a second copy to keep in step. (`import.meta` is not available
 * to the CommonJS build.)
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'redis-sentinel-pool';
/** `dist/esm/cli/` is three levels below the package root; a little slack, and a bound. */
const MAX_LEVELS = 5;

/** The version of the redis-sentinel-pool that `script` belongs to, or `unknown`. */
export function packageVersion(script: string | undefined): string {
  if (script === undefined) return 'unknown';
  let current: string;
  try {
    current = dirname(realpathSync(script));
  } catch {
    return 'unknown';
  }
  for (let level = 0; level < MAX_LEVELS; level++) {
    const manifest = readManifest(join(current, 'package.json'));
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return 'unknown';
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined; // absent, or the {"type": …} marker of dist/esm: keep walking up
  }
}
