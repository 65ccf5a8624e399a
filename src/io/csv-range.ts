/**
 * A piece of a CSV file scanned on two threads. The piece (complete lines, ./csv-source.ts) is cut at a line
 * end past its middle; this thread scans the front part, and a pooled worker the back part, from a copy in
 * shared memory, into a shared Float64Array. The back part is cut again, at line ends, into spans of about
 * SPAN bytes, which the worker claims one after the other; when this thread comes for the back part, it takes
 * the spans the worker has not claimed, waits for the one the worker is scanning (if any), and appends the
 * worker's values, rows and lines to its own scanner span by span, in order, scanning its own spans itself.
 *
 * The values and errors are the one-thread ones by construction: the worker's scanner goes on from the state
 * a span starts in (the number of fields, the kind of line end before it), and only a span that scans
 * cleanly is taken. Whatever else happens in one (a cell that is not a number, a ragged row, a quote, a
 * worker that died) makes this thread scan that span itself, in its turn, as it does on one thread, so an
 * error is met in the same order, with the same line and column. A worker that has not started, or is busy,
 * only leaves more spans to this thread, which never waits for more than one span.
 *
 * This module knows nothing of threads: parallel.ts hands it the pool (useRangeWorkers), and kernel-worker.ts
 * runs scanRange.
 */
import { CsvScanner } from './csv-fast.js';
import type { ScanState } from './csv-fast.js';

/** The back part of a piece, for a worker. */
export interface CsvRangeTask {
  csvRange: true;
  /** the bytes, in shared memory */
  bytes: Uint8Array;
  /** the spans: span j is bytes[bounds[j], bounds[j + 1]) */
  bounds: Int32Array;
  /** whether the piece ends the file (its last line may have no line end) */
  last: boolean;
  /** the scanner's state at the back part's start */
  state: ScanState;
  /** where the values go, in shared memory: span j's from outAt(bounds, j) */
  out: Float64Array;
  /** [next span to claim, then per span: status, values, rows, lines, line end] (shared) */
  ctrl: Int32Array;
}

const NEXT = 0;
const PER_SPAN = 5;
/** the outcome of span j is at ctrl[SPAN_AT + PER_SPAN * j]: its values are the piece's when SCANNED */
const SPAN_AT = 1;
const SCANNED = 1;
/** bytes of a span, about */
const SPAN = 1 << 16;

/** Where span j's values go: a value takes a byte and a delimiter or line end, but the last one of a span. */
function outAt(bounds: Int32Array, j: number): number {
  return (bounds[j] >> 1) + j;
}

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
  /** bytes of a span, about (default SPAN) */
  span?: number;
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

/**
 * The workers that CSV sources started from now on share their pieces with (undefined: none). A computation
 * sets them before it reads: a splitter of an earlier one that ended on an error without giving the worker
 * back holds it no longer (the pool then finds the worker busy or idle by its own flag).
 */
export function useRangeWorkers(w: RangeWorkers | undefined): void {
  pool = w;
  holder = undefined;
}

/** A worker's side: scans the spans of the back part that this thread has not taken. Returns how many. */
export function scanRange(t: CsvRangeTask): number {
  const { bytes, bounds, ctrl } = t;
  const spans = bounds.length - 1;
  let scanned = 0;
  for (let j = Atomics.add(ctrl, NEXT, 1); j < spans; j = Atomics.add(ctrl, NEXT, 1), scanned++) {
    const a = bounds[j];
    const b = bounds[j + 1];
    const at = SPAN_AT + PER_SPAN * j;
    try {
      const out = t.out.subarray(outAt(bounds, j), outAt(bounds, j + 1));
      const s = CsvScanner.resume(j === 0 ? t.state : { ...t.state, eol: lineEndBefore(bytes, a) }, out);
      s.feed(copyOf(bytes, a, b), 0, t.last && j === spans - 1);
      if (!s.failed && s.values === out) ctrl.set([SCANNED, s.count, s.rows, s.line, s.eol], at);
    } catch {
      // this thread scans the span again, and meets the error itself
    }
  }
  return scanned;
}

/** A thread's own copy of bytes[a, b): Buffer.indexOf, the scanner's search for line ends, is twice as slow in shared memory. */
let local = Buffer.allocUnsafe(0);
function copyOf(bytes: Uint8Array, a: number, b: number): Buffer {
  if (local.length < b - a) local = Buffer.allocUnsafe(2 * (b - a));
  local.set(bytes.subarray(a, b));
  return local.subarray(0, b - a);
}

/** The kind of the line end at bytes[a - 1]: 1 \n, 2 \r\n. */
function lineEndBefore(bytes: Uint8Array, a: number): number {
  return a >= 2 && bytes[a - 2] === 0x0d ? 2 : 1;
}

/** The front share of a piece: the cut is at the first line end past this fraction of it. */
const FRONT = 0.35;

/** A CSV source's side: feeds its pieces to its scanner, sharing them with a worker when one is free. */
export class RangeSplitter {
  private bytes = new Uint8Array(new SharedArrayBuffer(1 << 20));
  private out = new Float64Array(new SharedArrayBuffer(8 << 19));
  private bounds = new Int32Array(0);
  private ctrl: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** the back part given to a worker, if any */
  private running: RangeRun | undefined;
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
      this.abandon();
      throw e;
    }
    if (last) await this.settle(scanner);
  }

  /** After an error: the back part given to a worker is not needed, and the worker claims no more of it. */
  abandon(): void {
    if (this.running === undefined) return;
    Atomics.store(this.ctrl, NEXT, this.bounds.length);
    this.running.stop();
    this.running = holder = undefined;
  }

  /** Appends the back part given to a worker, if any: span by span, the worker's values or its own scan. */
  private async settle(scanner: CsvScanner): Promise<void> {
    const run = this.running;
    if (run === undefined) return;
    this.running = holder = undefined;
    const { bytes, bounds, ctrl } = this;
    const spans = bounds.length - 1;
    // the spans before `taken` are the worker's; it replies once it has scanned the one it is on
    const taken = Math.min(spans, Atomics.exchange(ctrl, NEXT, spans));
    let alive = true;
    if (taken > 0) await run.done.catch(() => (alive = false));
    else run.stop();
    for (let j = 0; j < spans; j++) {
      const at = SPAN_AT + PER_SPAN * j;
      if (j < taken && alive && ctrl[at] === SCANNED) {
        const from = outAt(bounds, j);
        scanner.absorb(this.out.subarray(from, from + ctrl[at + 1]), ctrl[at + 2], ctrl[at + 3], ctrl[at + 4]);
      } else scanner.feed(copyOf(bytes, bounds[j], bounds[j + 1]), 0, this.last && j === spans - 1);
    }
  }

  /** Copies piece[cut..) to shared memory, cut into spans, and offers it to a worker. */
  private post(piece: Uint8Array, cut: number, last: boolean, cols: number): RangeRun | undefined {
    const length = piece.length - cut;
    if (this.bytes.length < length) this.bytes = new Uint8Array(new SharedArrayBuffer(2 * length));
    this.bytes.set(piece.subarray(cut));
    const ends = [0];
    const span = this.workers.span ?? SPAN;
    for (let a = span; a < length; ) {
      const nl = this.bytes.indexOf(0x0a, a - 1);
      if (nl < 0 || nl + 1 >= length) break;
      ends.push(nl + 1);
      a = nl + 1 + span;
    }
    ends.push(length);
    const bounds = (this.bounds = Int32Array.from(ends));
    const most = outAt(bounds, bounds.length - 1) + 1;
    if (this.out.length < most) this.out = new Float64Array(new SharedArrayBuffer(16 * most));
    this.ctrl = new Int32Array(new SharedArrayBuffer((SPAN_AT + PER_SPAN * (bounds.length - 1)) * Int32Array.BYTES_PER_ELEMENT));
    this.last = last;
    const state = { source: this.source, delimiter: this.delimiter, cols, eol: lineEndBefore(piece, cut) };
    const run = this.workers.run({ csvRange: true, bytes: this.bytes, bounds, last, state, out: this.out, ctrl: this.ctrl });
    if (run === undefined) return undefined;
    holder = this;
    // a worker that dies is seen when the reply is awaited, not as an unhandled rejection before
    run.done.catch(() => undefined);
    return run;
  }
}
