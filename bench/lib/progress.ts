/**
 * One progress line on stderr: rewritten in place on a terminal, one line per step otherwise
 * (CI logs). Prefixed with the time since the start.
 */
export class Progress {
  readonly #started = Date.now();
  readonly #isTTY = process.stderr.isTTY === true;
  #last = '';

  elapsedSec(): number {
    return (Date.now() - this.#started) / 1000;
  }

  update = (text: string): void => {
    if (text === this.#last) return;
    this.#last = text;
    const s = Math.floor(this.elapsedSec());
    const line = `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${text}`;
    if (this.#isTTY) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    else process.stderr.write(`${line}\n`);
  };

  /** Ends the in-place line (before other output). */
  done(): void {
    if (this.#isTTY && this.#last !== '') process.stderr.write('\n');
    this.#last = '';
  }
}
