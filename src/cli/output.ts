/**
 * Terminal manners: colours only on a TTY and never when `NO_COLOR` is set (no-color.org), JSON
 * on one line, and small formatters (times, byte counts) shared by the commands.
 */

/** Where a command writes, and the environment it reads; tests and main pass the real ones. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  /** How the user runs us, for hints: `sentinel-pool` or `node dist/esm/cli/main.js`. */
  readonly program: string;
}

type Paint = (text: string) => string;

/** ANSI styles; each is the identity when colours are off. */
export interface Painter {
  readonly isEnabled: boolean;
  readonly bold: Paint;
  readonly dim: Paint;
  readonly red: Paint;
  readonly green: Paint;
  readonly yellow: Paint;
  readonly cyan: Paint;
  readonly magenta: Paint;
}

const identity: Paint = (text) => text;
const style =
  (open: number, close: number): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;

/** Whether to colour `stream`: a TTY, and `NO_COLOR` absent or empty. */
export function isColorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '') && env.TERM !== 'dumb';
}

/** Styles for one stream. */
export function painterFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Painter {
  const on = isColorEnabled(stream, env);
  const pick = (open: number, close: number) => (on ? style(open, close) : identity);
  return {
    isEnabled: on,
    bold: pick(1, 22),
    dim: pick(2, 22),
    red: pick(31, 39),
    green: pick(32, 39),
    yellow: pick(33, 39),
    cyan: pick(36, 39),
    magenta: pick(35, 39),
  };
}

/** Writes one line. */
export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

/** Writes `value` as pretty JSON (one object, for machines and `jq`); `undefined` fields become `null`. */
export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, keepUndefined, 2)}\n`);
}

/** A JSON replacer that keeps absent values as `null`, so every report has the same keys. */
export function keepUndefined(_key: string, value: unknown): unknown {
  return value === undefined ? null : value;
}

/** `1234` → `1.2 s`, `87` → `87 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const abs = Math.abs(ms);
  if (abs >= 10_000) return `${(ms / 1000).toFixed(0)} s`;
  if (abs >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs >= 10 || ms === 0) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(abs >= 1 ? 1 : 2)} ms`;
}

/** A signed offset from a reference time: `+812 ms`, `-3 ms`. */
export function formatOffset(ms: number): string {
  const text = formatMs(ms);
  return ms < 0 ? text : `+${text}`;
}

/** The width our text output keeps to, so that it does not wrap in a terminal. */
export const MAX_LINE_WIDTH = 100;

/**
 * Breaks `text` at spaces into lines of at most `width` characters, each starting with `indent`
 * (a word longer than a line gets a line of its own).
 */
export function wrap(text: string, indent: string, width = MAX_LINE_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `HH:MM:SS.mmm`, local time. */
export function formatClock(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** An error as one line, without a stack: `ReplyError: NOPERM …`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}

/** A short type name for counting errors: `ConnectionLostError`, `ReplyError NOREPLICAS`. */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  if (error.name === 'ReplyError') return `ReplyError ${error.message.split(' ', 1)[0]}`;
  return error.name;
}
