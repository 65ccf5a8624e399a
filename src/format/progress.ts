/**
 * A progress bar on stderr for long reads: bytes read, percent and rate, redrawn in place at most ten times
 * a second, shown only after about 2 s, only when stderr is a terminal, and cleared at the end.
 */
import type { Io } from '../io/source.js';

/** Nothing is shown for reads shorter than this. */
export const PROGRESS_AFTER_MS = 2000;
const REDRAW_MS = 100;
const WIDTH = 24;

function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** The bar's text for `done` of `total` bytes after `ms` milliseconds. */
export function progressLine(done: number, total: number, ms: number): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(f * WIDTH);
  const rate = ms > 0 ? (done / ms) * 1000 : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(f * 100)}% ${size(done)} / ${size(total)} ${size(rate)}/s`;
}

/** A bar for one read; a command hands `(total) => new Progress(io, total, wanted)` to the readers (ReadOptions). */
export class Progress {
  private done = 0;
  private readonly start: number;
  private last = 0;
  private width = 0;
  private readonly on: boolean;

  constructor(
    private readonly io: Io,
    private readonly total: number,
    wanted: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.on = wanted && io.stderrIsTTY && io.writeStderr !== undefined;
    this.start = now();
  }

  add(bytes: number): void {
    this.done += bytes;
    if (!this.on) return;
    const t = this.now();
    if (t - this.start < PROGRESS_AFTER_MS || t - this.last < REDRAW_MS) return;
    this.last = t;
    const line = progressLine(this.done, this.total, t - this.start);
    this.width = Math.max(this.width, line.length);
    this.io.writeStderr?.(`\r${line.padEnd(this.width)}`);
  }

  /** Clears the bar, if it was shown. */
  finish(): void {
    if (this.width > 0) this.io.writeStderr?.(`\r${' '.repeat(this.width)}\r`);
    this.width = 0;
  }
}
