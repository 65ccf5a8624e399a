/**
 * A piece of a CSV file scanned on two threads. The piece (complete lines, ./csv-source.ts) is cut at a line
 * end past its middle; a pooled worker scans the back part, from a copy in shared memory, into a shared
 * Float64Array, while this thread scans the front part; the worker's values, rows and lines are then appended
 * to this thread's scanner, in order.
 *
 * The values and errors are the one-thread ones by construction: the worker's scanner goes on from the state
 * the front part ends in (the number of fields, the kind of line end), and only a back part that scans
 * cleanly is taken. Whatever else happens there (a cell that is not a number, a ragged row, a quote, a worker
 * that has not started yet or died) makes this thread scan the back part itself, after the front part, as it
 * does on one thread, so an error is met in the same order, with the same line and column.
 *
 * Each side claims the back part with an atomic flag: a worker that comes to it after this thread finished
 * the front part finds it taken, and this thread never waits for a worker to start.
 *
 * This module knows nothing of threads: parallel.ts hands it the pool (useRangeWorkers), and kernel-worker.ts
 * runs scanRange.
 */
import { CsvScanner } from './csv-fast.js';
import type { ScanState } from './csv-fast.js';

/** The back part of a piece, for a worker. */
export interface CsvRangeTask {
  csvRange: true;
  /** the bytes, in shared memory: [0, length) */
  bytes: Uint8Array;
  length: number;
  /** whether the piece ends the file (its last line may have no line end) */
  last: boolean;
  state: ScanState;
  /** where the values go, in shared memory, room for every value the bytes can hold */
  out: Float64Array;
  /** [claim, status, values, rows, lines, line end] (shared) */
  ctrl: Int32Array;
}

const CLAIM = 0;
const STATUS = 1;
const VALUES = 2;
const ROWS = 3;
const LINES = 4;
const EOL = 5;
/** who claimed the back part */
const BY_WORKER = 1;
const BY_MAIN = 2;
/** the worker's outcome: its values are the piece's */
const SCANNED = 1;

/** A task given to a worker: its reply (any value), or a rejection when the worker died. */
export interface RangeRun {
  done: Promise<unknown>;
  /** the reply is not awaited */
  stop(): void;
}

/** The pooled workers, as parallel.ts offers them. */
export interface RangeWorkers {
  /** files of fewer bytes are scanned on this thread alone */
  minBytes: number;
  /** pieces of fewer bytes are scanned on this thread alone */
  minPiece: number;
  /** starts the workers ahead of the first piece; false when they cannot start */
  start(): boolean;
  /** gives the task to an idle worker; undefined when there is none */
  run(task: CsvRangeTask): RangeRun | undefined;
}

let pool: RangeWorkers | undefined;
/**
 * The splitter whose back part a worker has, if any: the pool awaits one reply per worker at a time, so the
 * sources of a computation (logits, targets) take turns, and one finds the worker taken while the other has it.
 */
let holder: RangeSplitter | undefined;

/** The workers that CSV sources started from now on share their pieces with (undefined: none). */
export function useRangeWorkers(w: RangeWorkers | undefined): void {
  pool = w;
}

/** A worker's side: scans the back part unless this thread took it first. Returns 1 when it scanned. */
export function scanRange(t: CsvRangeTask): number {
  if (Atomics.compareExchange(t.ctrl, CLAIM, 0, BY_WORKER) !== 0) return 0;
  let status = 0;
  try {
    const s = CsvScanner.resume(t.state, t.out);
    s.feed(t.bytes.subarray(0, t.length), 0, t.last);
    if (!s.failed && s.values === t.out) {
      t.ctrl.set([s.count, s.rows, s.line, s.eol], VALUES);
      status = SCANNED;
    }
  } catch {
    // this thread scans the part again, and meets the error itself
  }
  Atomics.store(t.ctrl, STATUS, status);
  return 1;
}

/** The front share of a piece: the cut is at the first line end past this fraction of it. */
const FRONT = 0.5;

/** A CSV source's side: feeds its pieces to its scanner, sharing them with a worker when one is free. */
export class RangeSplitter {
  private bytes = new Uint8Array(new SharedArrayBuffer(1 << 19));
  private out = new Float64Array(new SharedArrayBuffer(8 << 18));
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(6 * Int32Array.BYTES_PER_ELEMENT));
  /** the back part given to a worker: bytes[0..length), the file's end when `last` */
  private running: RangeRun | undefined;
  private length = 0;
  private last = false;

  private constructor(
    private readonly workers: RangeWorkers,
    private readonly source: string,
    private readonly delimiter: string,
  ) {}

  /**
   * A splitter for the file `source` of `size` bytes in the dialect `delimiter`, when workers are offered and
   * the file is big enough for them.
   */
  static forFile(size: number, source: string, delimiter: string): RangeSplitter | undefined {
    if (pool === undefined || size < pool.minBytes || !pool.start()) return undefined;
    return new RangeSplitter(pool, source, delimiter);
  }

  /**
   * Scans the complete lines of `piece` (all of it when `last`), as scanner.feed(piece, 0, last) does, but
   * for the back part given to a worker: its values are appended by the next call (or by this one when
   * `last`), so that this thread computes on the front part's while the worker scans.
   */
  async feed(scanner: CsvScanner, piece: Uint8Array, last: boolean): Promise<void> {
    await this.settle(scanner);
    const cut = scanner.cols >= 0 && piece.length >= this.workers.minPiece ? piece.indexOf(0x0a, Math.floor(piece.length * FRONT)) + 1 : 0;
    this.running = cut > 0 && cut < piece.length && holder === undefined ? this.post(piece, cut, last, scanner.cols) : undefined;
    if (this.running === undefined) {
      scanner.feed(piece, 0, last);
      return;
    }
    try {
      scanner.feed(piece.subarray(0, cut), 0, false);
    } catch (e) {
      // the back part is not needed: a worker that has not claimed it yet finds it taken
      Atomics.compareExchange(this.ctrl, CLAIM, 0, BY_MAIN);
      this.running.stop();
      this.running = holder = undefined;
      throw e;
    }
    if (last) await this.settle(scanner);
  }

  /** Appends the back part given to a worker, if any: its values, or this thread scans it. */
  private async settle(scanner: CsvScanner): Promise<void> {
    const run = this.running;
    if (run === undefined) return;
    this.running = holder = undefined;
    if (await this.back(run)) {
      const c = this.ctrl;
      scanner.absorb(this.out.subarray(0, c[VALUES]), c[ROWS], c[LINES], c[EOL]);
    } else scanner.feed(this.bytes.subarray(0, this.length), 0, this.last);
  }

  /** Copies piece[cut..) to shared memory and offers it to a worker. */
  private post(piece: Uint8Array, cut: number, last: boolean, cols: number): RangeRun | undefined {
    const length = (this.length = piece.length - cut);
    this.last = last;
    if (this.bytes.length < length) this.bytes = new Uint8Array(new SharedArrayBuffer(2 * length));
    // a value takes a byte and a delimiter or line end, but the last one
    const most = Math.ceil((length + 1) / 2);
    if (this.out.length < most) this.out = new Float64Array(new SharedArrayBuffer(16 * most));
    this.bytes.set(piece.subarray(cut));
    this.ctrl.fill(0);
    // the line end the front part ends with: the kind the back part must keep to
    const eol = cut >= 2 && piece[cut - 2] === 0x0d ? 2 : 1;
    const state = { source: this.source, delimiter: this.delimiter, cols, eol };
    const run = this.workers.run({ csvRange: true, bytes: this.bytes, length, last, state, out: this.out, ctrl: this.ctrl });
    if (run === undefined) return undefined;
    holder = this;
    // a worker that dies is seen when the reply is awaited, not as an unhandled rejection before
    run.done.catch(() => undefined);
    return run;
  }

  /** Whether the worker scanned the back part (false: this thread is to scan it). */
  private async back(run: RangeRun): Promise<boolean> {
    if (Atomics.compareExchange(this.ctrl, CLAIM, 0, BY_MAIN) === 0) {
      run.stop();
      return false;
    }
    try {
      await run.done;
    } catch {
      return false;
    }
    return this.ctrl[STATUS] === SCANNED;
  }
}
