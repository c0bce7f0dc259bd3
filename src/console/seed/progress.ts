/** Where progress goes: a terminal (redrawn in place) or a log/pipe (plain lines). */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

const BAR_WIDTH = 30;
const TTY_REDRAW_MS = 100;
const LINE_EVERY_MS = 5000;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) {
    return '?';
  }
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const number = new Intl.NumberFormat('en-US');

/**
 * Rows written so far, with rows/s and an ETA: a bar redrawn in place on a terminal, or a plain
 * line every few seconds (and at each tenth) when the output is a pipe or a log file.
 */
export class Progress {
  private readonly started: number;
  /** When a line was last written: never yet, so the first update always shows. */
  private lastDraw = -Infinity;
  private lastTenth = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: ProgressOutput = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  update(done: number): void {
    const now = this.now();
    const tenth = Math.floor((done / Math.max(this.total, 1)) * 10);
    if (this.out.isTTY) {
      if (now - this.lastDraw >= TTY_REDRAW_MS || done >= this.total) {
        this.lastDraw = now;
        this.out.write(`\r\x1b[2K${this.render(done, now)}`);
      }
    } else if (tenth > this.lastTenth || now - this.lastDraw >= LINE_EVERY_MS) {
      this.lastDraw = now;
      this.lastTenth = tenth;
      this.out.write(`${this.render(done, now)}\n`);
    }
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.out.isTTY) {
      this.out.write('\n');
    }
  }

  render(done: number, now = this.now()): string {
    const elapsed = Math.max((now - this.started) / 1000, 1e-3);
    const rate = done / elapsed;
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const ratio = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const filled = Math.round(ratio * BAR_WIDTH);
    const bar = this.out.isTTY ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
    return (
      `${this.label} ${bar}${Math.floor(ratio * 100)}% ${number.format(done)}/` +
      `${number.format(this.total)} rows, ${number.format(Math.round(rate))} rows/s, ` +
      `ETA ${formatDuration(eta)}`
    );
  }
}
