/**
 * Names the kind of an error an application saw, stable across runs: class name, stable code,
 * the first word of a server reply; addresses and numbers in free-text messages are blanked so
 * that one kind is counted once and not once per port.
 */
export function errorType(error: unknown): string {
  if (!(error instanceof Error)) return `non-Error ${typeof error}`;
  const code = (error as { code?: unknown }).code;
  const message = error.message
    .replace(/\d{1,3}(\.\d{1,3}){3}(:\d+)?/g, '<addr>')
    .replace(/\d+/g, 'N')
    .slice(0, 70);
  // Server replies (ioredis ReplyError, node-redis ErrorReply): the reply's first word is the kind.
  if (/Reply/.test(error.name)) return `${error.name} ${message.split(' ')[0]}`;
  if (error.name !== 'Error') return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  return `Error: ${message}`;
}
