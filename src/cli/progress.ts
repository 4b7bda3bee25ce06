/**
 * A progress line on stderr while something slow runs (a topology starting, Sentinel failing
 * over). On a TTY it is one line redrawn with the elapsed time; elsewhere (a pipe, a log file,
 * a test) it is one line at the start and one at the end, never a stream of redraws.
 */
import { formatMs, isColorEnabled } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 100;

/** One progress line; see the module comment. */
export class Progress {
  private readonly isLive: boolean;
  private timer: NodeJS.Timeout | undefined;
  private label = '';
  private detail = '';
  private startedAt = 0;
  private frame = 0;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    env: NodeJS.ProcessEnv,
  ) {
    // Redrawing needs a terminal; NO_COLOR users asked for plain output too.
    this.isLive = isColorEnabled(stream, env);
  }

  /** Shows `label` until {@link done} or {@link fail}; ends a previous line first. */
  start(label: string): void {
    this.stopTimer();
    this.label = label;
    this.detail = '';
    this.startedAt = performance.now();
    if (!this.isLive) {
      this.stream.write(`${label}…\n`);
      return;
    }
    this.draw();
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  /** Shows a detail after the label (e.g. the step reached so far); only on a live line. */
  update(detail: string): void {
    this.detail = detail;
    if (this.isLive) this.draw();
  }

  /** Ends the line with `✓ label (1.2 s)` and an optional note. */
  done(note?: string): number {
    return this.end('✓', note);
  }

  /** Ends the line with `✗ label (1.2 s)` and an optional note. */
  fail(note?: string): number {
    return this.end('✗', note);
  }

  private end(mark: string, note: string | undefined): number {
    if (this.startedAt === 0) return 0;
    const elapsed = performance.now() - this.startedAt;
    this.stopTimer();
    const suffix = note ? `: ${note}` : '';
    this.stream.write(
      `${this.isLive ? '\r\u001b[2K' : ''}${mark} ${this.label} (${formatMs(elapsed)})${suffix}\n`,
    );
    this.startedAt = 0;
    return elapsed;
  }

  private draw(): void {
    const elapsed = formatMs(performance.now() - this.startedAt);
    const spinner = FRAMES[this.frame++ % FRAMES.length];
    const detail = this.detail ? ` (${this.detail})` : '';
    this.stream.write(`\r\u001b[2K${spinner} ${this.label} ${elapsed}${detail}`);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
