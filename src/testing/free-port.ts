/**
 * Free TCP ports on 127.0.0.1, chosen by the OS. A port found free can be taken by someone else
 * before the server binds it, so callers retry with a new port on EADDRINUSE.
 */
import { createServer } from 'node:net';
import { TopologyError } from '../errors.js';

/** Ports the kit never hands out: a developer's own Redis and Sentinel may run there. */
const RESERVED_PORTS: ReadonlySet<number> = new Set([6379, 26379]);

/** How many times the OS is asked before giving up (it hands out a reserved port very rarely). */
const MAX_ATTEMPTS = 20;

function askOs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Returns a port that was free on 127.0.0.1 a moment ago, never a reserved one (6379, 26379) nor
 * one in `taken` (ports already given to other nodes of the same topology), and adds it to `taken`.
 */
export async function findFreePort(taken: Set<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = await askOs();
    if (port > 0 && !RESERVED_PORTS.has(port) && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new TopologyError(`No free port on 127.0.0.1 after ${MAX_ATTEMPTS} attempts`);
}
