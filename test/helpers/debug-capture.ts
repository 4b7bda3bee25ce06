/**
 * Captures every debug line of the library and of ioredis (its own `ioredis:*` namespace goes
 * through the same `debug` module), for checks that no password is ever logged.
 */
import assert from 'node:assert/strict';
import createDebug from 'debug';

/** Lines captured since {@link DebugCapture.start}, until {@link DebugCapture.stop}. */
export class DebugCapture {
  readonly lines: string[] = [];
  private originalLog: typeof createDebug.log | undefined;

  /** Turns on `redis-sentinel-pool:*,ioredis:*` and records every line instead of printing it. */
  start(): void {
    this.originalLog = createDebug.log;
    createDebug.log = (...args: unknown[]) => this.lines.push(args.map(String).join(' '));
    createDebug.enable('redis-sentinel-pool:*,ioredis:*');
  }

  /** Turns debug output off again and restores the logger. */
  stop(): void {
    createDebug.disable();
    if (this.originalLog) createDebug.log = this.originalLog;
  }

  /** Asserts that something was captured and that no line contains any of `secrets`. */
  assertNoneContains(secrets: readonly string[]): void {
    assert.ok(this.lines.length > 0, 'debug output was captured');
    for (const line of this.lines) {
      for (const secret of secrets) {
        assert.ok(!line.includes(secret), `a debug line shows a password: ${line.slice(0, 200)}`);
      }
    }
  }
}
