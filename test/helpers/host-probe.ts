/**
 * Runs on a host of a namespace-mode topology (`topology.runOnHost(host, this file)`): answers IPC
 * requests `{ id, probe: [{ host, port }] }` with `{ id, reachable: boolean[] }` (PING within
 * 500 ms each), and `{ id, ask: { host, port }, command: string[] }` with `{ id, reply }` or
 * `{ id, error }`. Sends `{ ready: true }` first. Exits when its parent disconnects.
 */
import { Redis } from 'ioredis';

interface Target {
  host: string;
  port: number;
}
interface Request {
  id: number;
  probe?: Target[];
  ask?: Target;
  command?: string[];
}

async function withClient<T>(target: Target, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    ...target,
    lazyConnect: true,
    protocol: 2,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
    commandTimeout: 500,
    disconnectTimeout: 100,
  });
  client.on('error', () => {});
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

process.on('message', (message: Request) => {
  void (async () => {
    if (message.probe) {
      const reachable = await Promise.all(
        message.probe.map((t) =>
          withClient(t, (c) => c.ping()).then(
            () => true,
            () => false,
          ),
        ),
      );
      process.send?.({ id: message.id, reachable });
    } else if (message.ask && message.command) {
      const [name, ...args] = message.command;
      try {
        const reply = await withClient(message.ask, (c) => c.call(name ?? 'PING', args));
        process.send?.({ id: message.id, reply });
      } catch (error) {
        process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  })();
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
