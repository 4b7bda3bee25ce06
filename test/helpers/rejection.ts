/**
 * Assertions on how a call fails: what it rejected with and how long that took, and the text of
 * an error together with its causes (what a user reads when the message says "check …").
 */
import assert from 'node:assert/strict';

/** Runs `call` and returns what it rejected with and how long it took; fails if it resolved. */
export async function rejection(call: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  const error = await call().then(
    (value) => assert.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof Error, `rejected with a non-Error: ${String(error)}`);
  return { error, ms: performance.now() - started };
}

/** The message and the causes under it, joined with ` <- `. */
export function fullText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.join(' <- ');
}
