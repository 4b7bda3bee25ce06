/**
 * The child's side of the IPC channel: the config from argv, messages from the parent, a `fatal`
 * report on any uncaught error, and exit when the parent goes away (a child never outlives it).
 */
import type { BenchMessage } from './bench-child.js';
import { withTimeout } from './clock.js';

const inbox: BenchMessage[] = [];
let wake: (() => void) | undefined;

function fail(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${text}\n`);
  if (process.connected) process.send?.({ type: 'fatal', error: text }, () => process.exit(1));
  else process.exit(1);
}

/** Wires the process up as a benchmark child; call first. */
export function startChild(): void {
  if (process.send === undefined) {
    process.stderr.write('this script is a child of bench/run.ts (npm run bench), not a command\n');
    process.exit(2);
  }
  process.on('disconnect', () => process.exit(3));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('message', (message: BenchMessage) => {
    inbox.push(message);
    wake?.();
  });
}

/** Sends a message to the parent; resolves once it was handed to the channel. */
export function tell(message: BenchMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send?.(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** The next message of `type` from the parent (others are dropped); rejects after `timeoutMs`. */
export function heard(type: string, timeoutMs: number): Promise<BenchMessage> {
  return withTimeout(next(type), timeoutMs, `no "${type}" from the parent`);
}

async function next(type: string): Promise<BenchMessage> {
  for (;;) {
    const message = inbox.shift();
    if (message?.type === type) return message;
    if (message !== undefined) continue;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}

/** The JSON config passed as the last argument. */
export function configFromArgv<T>(): T {
  const json = process.argv.at(-1);
  if (json === undefined) throw new Error('missing JSON config argument');
  return JSON.parse(json) as T;
}
