/**
 * The fast CSV engine: a one-pass scanner for plain numeric CSV, over the file's bytes, with no intermediate
 * strings.
 *
 * It gives the same numbers and the same errors (message, line:column) as the csv-parse engine (./csv.ts),
 * which the differential tests check on fuzzed files. Whatever it does not handle makes it throw
 * CsvFallback, and the caller hands the file to csv-parse: a double quote, a control character other than
 * tab and the line end, a carriage return that does not end a line, line ends of both kinds, a second BOM, and
 * a single space as the delimiter.
 *
 * Numbers follow ./number.ts exactly: the token is checked by hand, then converted exactly when it has at
 * most 15 significant digits and a power of ten up to 1e22 (one correctly rounded multiplication or
 * division of two exact doubles), or 16 to 19 digits (double-double arithmetic in ./long-mantissa.ts, with a
 * check for the rare undecidable case), and by Number() otherwise, which rounds correctly.
 *
 * The scanner is fed in pieces ending at line ends by ./csv-source.ts, which reads a file in chunks or drains
 * the bytes of a file in memory.
 * As the csv-parse engine parses the whole file before it converts a cell, a ragged row anywhere wins over an
 * earlier cell that is not a number: the first bad cell is kept and thrown at the end.
 */
import { InputError, quote } from '../errors.js';
import { WHITESPACE } from './csv-dialect.js';
import { cellError, cellTooLong, quotedCell, raggedError } from './csv-grammar.js';
import { MAX_NUMBER_CHARS } from './number.js';
import { POW10, longMantissa } from './long-mantissa.js';

/** This file needs the csv-parse engine. */
export class CsvFallback extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CsvFallback';
  }
}


/** Lower-case letters of s[a..a+n) equal `word` (ASCII only). */
function isWord(s: Uint8Array, a: number, b: number, word: string): boolean {
  if (b - a !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((s[a + i] | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * The number s[a..b) in the strict grammar of ./number.ts, or undefined when it is not one.
 * Accepted: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, and [+-]? nan | inf | infinity.
 */
export function scanNumber(s: Uint8Array, a: number, b: number): number | undefined {
  let i = a;
  let neg = false;
  let c = i < b ? s[i] : 0;
  if (c === 0x2b || c === 0x2d) {
    neg = c === 0x2d;
    i++;
  }
  let m = 0;
  let sig = 0;
  let exp10 = 0;
  let digits = 0;
  // the first 15 significant digits in m, the next 4 in lo (lk of them): both exact
  let lo = 0;
  let lk = 0;
  let point = false;
  for (; i < b; i++) {
    const d = s[i] - 0x30;
    if (d < 0 || d > 9) {
      // one decimal point, after the integer digits (if any)
      if (d === 0x2e - 0x30 && !point) {
        point = true;
        continue;
      }
      break;
    }
    digits++;
    if (m !== 0 || d !== 0) sig++;
    if (sig <= 15) m = m * 10 + d;
    else if (sig <= 19) {
      lo = lo * 10 + d;
      lk++;
    }
    if (point) exp10--;
  }
  if (digits === 0) {
    // no digits: only the special values remain
    const start = c === 0x2b || c === 0x2d ? a + 1 : a;
    if (isWord(s, start, b, 'nan')) return NaN;
    if (isWord(s, start, b, 'inf') || isWord(s, start, b, 'infinity')) return neg ? -Infinity : Infinity;
    return undefined;
  }
  if (i < b) {
    c = s[i];
    if (c !== 0x65 && c !== 0x45) return undefined;
    i++;
    let eneg = false;
    c = i < b ? s[i] : 0;
    if (c === 0x2b || c === 0x2d) {
      eneg = c === 0x2d;
      i++;
    }
    let e = 0;
    const first = i;
    for (; i < b; i++) {
      const d = s[i] - 0x30;
      if (d < 0 || d > 9) break;
      if (e < 100000) e = e * 10 + d;
    }
    if (i === first || i !== b) return undefined;
    exp10 += eneg ? -e : e;
  }
  if (sig <= 15 && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 < 0 ? m / POW10[-exp10] : m * POW10[exp10];
    return neg ? -v : v;
  }
  if (sig <= 19) {
    // 16 to 19 significant digits: every digit is in m and lo
    const v = longMantissa(m, lo, lk, exp10);
    if (v === v) return neg ? -v : v;
  }
  return Number(latin1(s, a, b));
}

/** The UTF-8 text of bytes s[a..b). */
function utf8(s: Uint8Array, a: number, b: number): string {
  return Buffer.from(s.buffer, s.byteOffset + a, b - a).toString('utf8');
}

/** Bytes s[a..b) as a string of the same character codes (a number token, all ASCII). */
function latin1(s: Uint8Array, a: number, b: number): string {
  let t = '';
  for (let i = a; i < b; i++) t += String.fromCharCode(s[i]);
  return t;
}

export interface ScanResult {
  rows: number;
  cols: number;
}

/** Where a scanner stands after its first record, for another to go on from (./csv-range.ts). */
export interface ScanState {
  source: string;
  delimiter: string;
  cols: number;
  /** the kind of the line end before the range: 1 \n, 2 \r\n */
  eol: number;
}

/**
 * A table read by columns (./csv-table.ts): the caller reads the header (the first record, skipped here when
 * `header`); only the cells of the columns in `mask` (set before the first data row) are read as numbers, a
 * quoted cell is allowed, and a cell that is not a number is an error at once, naming its row and column.
 */
export interface ScanTable {
  readonly names: readonly string[];
  readonly header: boolean;
  mask: Uint8Array;
}

/**
 * Scans numeric CSV fed in pieces that end at line ends. Values go to `values[0..count)`; a consumer may take
 * them and reset `count` (the streaming reader does).
 */
export class CsvScanner {
  values: Float64Array;
  count = 0;
  /** data rows so far */
  rows = 0;
  /** fields per record, from the first record (the header, if any); -1 before it */
  cols = -1;
  /** physical lines consumed so far (the line being scanned, while it is) */
  line = 0;
  /** 0: no line end seen yet, 1: \n, 2: \r\n */
  eol = 0;
  private records = 0;
  private readonly delim: number;
  private readonly ws: boolean;
  /** the first cell that is not a number, thrown by finish() unless a ragged row comes first */
  private pending: InputError | undefined;
  /** the [start, end) offsets of the cells of the line being scanned */
  private readonly cells: number[] = [];

  constructor(
    private readonly source: string,
    private readonly delimiter: string,
    private readonly header: boolean | undefined,
    capacity = 1024,
    private readonly table?: ScanTable,
  ) {
    if (table) this.cols = table.names.length;
    if (delimiter === ' ') throw new CsvFallback('a single space as the delimiter');
    this.ws = delimiter === WHITESPACE;
    this.delim = this.ws ? -1 : delimiter.charCodeAt(0);
    this.values = new Float64Array(Math.max(16, capacity));
  }

  /**
   * A scanner that goes on from `state` over a later range of the same file: its lines are counted from 0
   * and its values go to `values`.
   */
  static resume(state: ScanState, values: Float64Array): CsvScanner {
    const s = new CsvScanner(state.source, state.delimiter, false);
    s.cols = state.cols;
    s.records = 1;
    s.eol = state.eol;
    s.values = values;
    return s;
  }

  /** Takes on what a resumed scanner read in the range after this one's: its values, rows, lines and line end. */
  absorb(values: Float64Array, rows: number, lines: number, eol: number): void {
    if (this.count + values.length > this.values.length) this.room(values.length);
    this.values.set(values, this.count);
    this.count += values.length;
    this.rows += rows;
    this.line += lines;
    this.eol = eol;
  }

  /** True once a cell has been found that is not a number (the values are then meaningless). */
  get failed(): boolean {
    return this.pending !== undefined;
  }

  /** Room in values for k more. */
  private room(k: number): void {
    const bigger = new Float64Array(Math.max(2 * this.values.length, this.count + k));
    bigger.set(this.values.subarray(0, this.count));
    this.values = bigger;
  }

  private push(v: number): void {
    if (this.count === this.values.length) this.room(1);
    this.values[this.count++] = v;
  }

  /**
   * Scans the complete lines of s[from..): up to and including its last '\n', or all of it when `last`.
   * Returns the index where the unconsumed rest begins.
   */
  feed(s: Uint8Array, from: number, last: boolean): number {
    let pos = from;
    const n = s.length;
    while (pos < n) {
      let nl = s.indexOf(0x0a, pos);
      if (nl < 0) {
        if (!last) return pos;
        nl = n;
      }
      let end = nl;
      if (nl < n) {
        const crlf = end > pos && s[end - 1] === 0x0d;
        if (crlf) end--;
        const kind = crlf ? 2 : 1;
        if (this.eol === 0) this.eol = kind;
        else if (this.eol !== kind) throw new CsvFallback('line ends of two kinds');
      }
      this.line++;
      this.scanLine(s, pos, end);
      pos = nl + 1;
    }
    return n;
  }

  /** One line s[a..b), without its line end. */
  private scanLine(s: Uint8Array, a: number, b: number): void {
    // blank lines and comment lines (# after optional spaces) are skipped
    const p = this.skipBlanks(s, a, b);
    if (p === b) return;
    if (s[p] === 0x23) {
      // a comment: its text does not matter, but a stray carriage return or control character might to csv-parse
      for (let i = p; i < b; i++) if (s[i] < 0x20 && s[i] !== 0x09) throw new CsvFallback('a control character');
      return;
    }
    const first = this.records === 0;
    this.records++;
    // a table's header was read by the caller (it may hold quoted names)
    if (first && this.table?.header) return;
    const n = this.split(s, a, b);
    if (first && !this.table) {
      this.cols = n;
      if (this.isHeader(s, n)) return;
    } else if (n !== this.cols) {
      throw raggedError(`${this.source}:${this.line}`, utf8(s, a, b), this.cols, n, this.delimiter);
    }
    if (this.table) this.takeSelected(s, a, this.table);
    else this.take(s, a, n);
    this.rows++;
  }

  /** The numbers of a table's selected cells; a cell that is not a number is an error naming row and column. */
  private takeSelected(s: Uint8Array, a: number, table: ScanTable): void {
    const { cells } = this;
    const { mask } = table;
    for (let c = 0; c < mask.length; c++) {
      if (mask[c] === 0) continue;
      const v = scanNumber(s, cells[2 * c], cells[2 * c + 1]);
      if (v === undefined) {
        const e = this.badCell(s, a, cells[2 * c], cells[2 * c + 1]);
        throw new InputError(e.where, `row ${this.rows + 1}, column ${quote(table.names[c], 80, '"')}: ${e.what}`);
      }
      this.push(v);
    }
  }

  /** Past the blanks (spaces, and tabs unless the tab delimits) of s[p..b). */
  private skipBlanks(s: Uint8Array, p: number, b: number): number {
    const delim = this.delim;
    while (p < b) {
      const c = s[p];
      if (c === 0x20 || (c === 0x09 && delim !== 0x09)) p++;
      else break;
    }
    return p;
  }

  /**
   * Where the cell that starts at s[p] ends: its delimiter (whitespace: the next space or tab) or b. Throws
   * CsvFallback for a quote or a control character.
   */
  private cellEnd(s: Uint8Array, p: number, b: number): number {
    const ws = this.ws;
    const delim = this.delim;
    for (; p < b; p++) {
      const c = s[p];
      if (c === delim) break;
      if (c < 0x23) {
        if (ws && (c === 0x20 || c === 0x09)) break;
        if (c === 0x22) throw new CsvFallback('a quoted field');
        if (c < 0x20 && c !== 0x09) throw new CsvFallback('a control character');
      }
    }
    return p;
  }

  /**
   * Splits the line s[a..b) into cells, trimmed: their [start, end) offsets go to this.cells[0..2n); returns n.
   * A cell longer than MAX_NUMBER_CHARS is refused here.
   */
  private split(s: Uint8Array, a: number, b: number): number {
    const cells = this.cells;
    const delim = this.delim;
    let n = 0;
    let p = a;
    for (;;) {
      p = this.skipBlanks(s, p, b);
      if (this.ws && p === b) break;
      const start = p;
      if (this.table && s[p] === 0x22) {
        // a table's quoted cell (a name, an id): its text is what lies between the quotes
        const q = quotedCell(s, p, b, delim);
        if (q === undefined) throw new InputError(`${this.source}:${this.line}:${utf8(s, a, p).length + 1}`, 'a quoted cell that does not end before the next delimiter or the line end');
        cells[n++] = start + 1;
        cells[n++] = q.close;
        if ((p = q.end) >= b) break;
        p++;
        continue;
      }
      p = this.cellEnd(s, p, b);
      if (p - start > MAX_NUMBER_CHARS && (!this.table || this.table.mask[n >> 1] === 1)) throw this.tooLong(s, a, start);
      let e = p;
      while (e > start) {
        const t = s[e - 1];
        if (t === 0x20 || (t === 0x09 && delim !== 0x09)) e--;
        else break;
      }
      cells[n++] = start;
      cells[n++] = e;
      if (p >= b) break;
      p++; // past the delimiter
    }
    return n >> 1;
  }

  /** The numbers of the n cells just split from the line that begins at s[a]; the first bad cell is kept. */
  private take(s: Uint8Array, a: number, n: number): void {
    const cells = this.cells;
    for (let k = 0; k < 2 * n; k += 2) {
      const v = scanNumber(s, cells[k], cells[k + 1]);
      if (v !== undefined) this.push(v);
      else if (this.pending === undefined) this.pending = this.badCell(s, a, cells[k], cells[k + 1]);
    }
  }

  /** Whether the first record, split into n cells, is a header: as asked, else when no cell is a number. */
  private isHeader(s: Uint8Array, n: number): boolean {
    if (this.header !== undefined) return this.header;
    for (let k = 0; k < 2 * n; k += 2) if (scanNumber(s, this.cells[k], this.cells[k + 1]) !== undefined) return false;
    return true;
  }

  private badCell(s: Uint8Array, a: number, start: number, e: number): InputError {
    // the column counts characters of the UTF-8 text before the cell
    const column = utf8(s, a, start).length + 1;
    return cellError(`${this.source}:${this.line}:${column}`, utf8(s, start, e));
  }

  /** The error for the cell at s[start..) of the line that begins at s[a], `lines` after the current one. */
  private tooLong(s: Uint8Array, a: number, start: number, lines = 0): InputError {
    return cellTooLong(`${this.source}:${this.line + lines}:${utf8(s, a, start).length + 1}`);
  }

  /**
   * Looks at the line s[0..b) that has no line end yet, from `from` (0 or where an earlier look stopped, the
   * start of a cell), so that a cell longer than MAX_NUMBER_CHARS is refused before the rest of it is read.
   * Returns where to look on from. Throws CsvFallback for a quote or a control character, as split would.
   */
  probe(s: Uint8Array, from: number, b: number): number {
    let p = from;
    if (from === 0) {
      p = this.skipBlanks(s, p, b);
      if (p < b && s[p] === 0x23) return 0; // a comment
    }
    for (;;) {
      p = this.skipBlanks(s, p, b);
      const start = p;
      p = this.cellEnd(s, p, b);
      if (p - start > MAX_NUMBER_CHARS) throw this.tooLong(s, 0, start, 1);
      if (p >= b) return start;
      p++;
    }
  }

  /** After the last piece: the shape, or the error that the whole file earns. */
  finish(): ScanResult {
    if (this.records === 0) throw new InputError(this.source, 'no rows: the CSV file is empty');
    if (this.pending !== undefined) throw this.pending;
    return { rows: this.rows, cols: this.cols };
  }
}

/** The UTF-8 text of the first `lines` lines of bytes[from..) (for sniffing the delimiter). */
export function headText(bytes: Uint8Array, from: number, lines = 50): string {
  let end = from;
  for (let k = 0; k < lines; k++) {
    const nl = bytes.indexOf(0x0a, end);
    if (nl < 0) {
      end = bytes.length;
      break;
    }
    end = nl + 1;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, end - from).toString('utf8');
}

/** Where the text begins: after one UTF-8 BOM. A second one is csv-parse's to strip. */
export function textStart(bytes: Uint8Array): number {
  const bom = (i: number) => bytes[i] === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf;
  if (!bom(0)) return 0;
  if (bom(3)) throw new CsvFallback('a second BOM');
  return 3;
}
