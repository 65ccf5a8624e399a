/**
 * CSV and NPY files read in chunks: element sources for the streaming computation (./stream.ts). Each
 * source hands out its values in row-major order, a block at a time, from a buffer of a fixed size, so
 * memory does not depend on the file's size.
 *
 * CSV goes through the fast engine's scanner (./csv-fast.ts), fed in pieces that end at line ends: the
 * same numbers and the same errors as reading the whole file. A file the scanner hands over (CsvFallback:
 * quotes, odd line ends) cannot be streamed; the caller then reads it in memory when it can.
 */
import type { FileHandle } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { InputError, quote } from '../errors.js';
import { CsvScanner, headText, textStart } from './csv-fast.js';
import { MAX_NUMBER_CHARS, parseNumber, tooLongToken } from './number.js';
import { cellTooLong, sniffDelimiter } from './csv-grammar.js';
import type { CsvOptions } from './csv-dialect.js';
import { checkNpyLength, decodeElements, readNpyHeader } from './npy.js';
import type { NpyHeader } from './npy.js';

/** Bytes read from a file at a time. */
export const READ_BYTES = 1 << 20;

/** A tensor's values in order, a block at a time. */
export interface ElementSource {
  readonly where: string;
  /** the shape as far as it is known before the end: -1 for a dimension not known yet (CSV rows) */
  knownShape(): number[];
  /** fills dst from its start; returns how many values it got (fewer than dst.length only at the end) */
  read(dst: Float64Array): Promise<number>;
  /** the whole shape, once read() has returned fewer values than asked for */
  shape(): number[];
}

/** How many bytes have been read so far, for the progress bar. */
export type OnBytes = (n: number) => void;

const NOT_UTF8 = 'not UTF-8 text (is it a binary file? --input-format names the format)';

/**
 * A file read forward into one growing buffer: buf[0..len) holds bytes read but not yet consumed, and
 * readMore() appends up to READ_BYTES more (doubling the buffer for a record longer than it).
 */
abstract class BufferedFile {
  protected buf: Buffer = Buffer.allocUnsafe(2 * READ_BYTES);
  protected len = 0;
  /** file offset of the next byte to read */
  protected pos = 0;
  protected eof = false;

  constructor(
    protected readonly fh: FileHandle,
    readonly where: string,
    protected readonly size: number,
    protected readonly onBytes: OnBytes,
  ) {}

  /** Appends up to READ_BYTES more of the file to buf. */
  protected async readMore(): Promise<void> {
    const want = Math.min(READ_BYTES, this.size - this.pos);
    if (want <= 0) {
      this.eof = true;
      return;
    }
    if (this.buf.length - this.len < want) {
      // a line longer than the buffer: make room for it
      const bigger = Buffer.allocUnsafe(2 * (this.len + want));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const { bytesRead } = await this.fh.read(this.buf, this.len, want, this.pos);
    this.pos += bytesRead;
    this.len += bytesRead;
    this.onBytes(bytesRead);
    if (bytesRead === 0 || this.pos >= this.size) this.eof = true;
  }
}

export class CsvSource extends BufferedFile implements ElementSource {
  private scanner!: CsvScanner;
  /** the next value of scanner.values to hand out */
  private q = 0;
  private final: { rows: number; cols: number } | undefined;

  constructor(
    fh: FileHandle,
    where: string,
    size: number,
    private readonly csv: CsvOptions,
    onBytes: OnBytes,
  ) {
    super(fh, where, size, onBytes);
  }

  /** Reads the first lines: the BOM, the delimiter (sniffed from the first 50 lines), the first record. */
  async start(): Promise<void> {
    const lines = () => {
      let n = 0;
      for (let i = this.buf.indexOf(0x0a); i >= 0 && i < this.len && n < 50; i = this.buf.indexOf(0x0a, i + 1)) n++;
      return n;
    };
    while (!this.eof && lines() < 50 && this.len < 64 * READ_BYTES) {
      await this.readMore();
      this.refuseLongFirstCell();
    }
    const head = this.buf.subarray(0, this.len);
    const from = textStart(head);
    const delimiter = this.csv.delimiter ?? sniffDelimiter(headText(head, from));
    this.scanner = new CsvScanner(this.where, delimiter, this.csv.header, 1 << 17);
    if (from > 0) {
      this.buf.copyWithin(0, from, this.len);
      this.len -= from;
    }
    while (this.scanner.cols < 0 && !this.final) await this.scan();
  }

  /**
   * Before the delimiter is known: a line with no line end yet whose first MAX_NUMBER_CHARS + 1 bytes hold no
   * character that can be a delimiter (, ; tab space), nor a comment or a quote, starts with a cell that is too
   * long, whatever the delimiter turns out to be.
   */
  private refuseLongFirstCell(): void {
    const at = this.len > 0 ? this.buf.lastIndexOf(0x0a, this.len - 1) + 1 : 0;
    const from = at === 0 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf ? 3 : at;
    if (this.len - from <= MAX_NUMBER_CHARS || this.buf[from] === 0x23) return;
    for (let i = from; i <= from + MAX_NUMBER_CHARS; i++) {
      const c = this.buf[i];
      if (c === 0x2c || c === 0x3b || c === 0x09 || c === 0x20 || c === 0x22) return;
    }
    let line = 1;
    for (let i = this.buf.indexOf(0x0a); i >= 0 && i < at; i = this.buf.indexOf(0x0a, i + 1)) line++;
    throw cellTooLong(`${this.where}:${line}:1`);
  }

  /** Scans the complete lines read so far (reading more first when there are none). */
  private async scan(): Promise<void> {
    // the end of the last complete line in buf[0..len) (all of it at the end of the file)
    const lineEnd = () => (this.eof ? this.len : this.len > 0 ? this.buf.lastIndexOf(0x0a, this.len - 1) + 1 : 0);
    if (!this.eof) await this.readMore();
    let cut = lineEnd();
    // a line longer than what is read: look at its cells so far, to refuse a cell too long before it ends
    let probeAt = 0;
    while (cut === 0 && !this.eof) {
      probeAt = this.scanner.probe(this.buf, probeAt, this.len);
      await this.readMore();
      cut = lineEnd();
    }
    const piece = this.buf.subarray(0, cut);
    if (!isUtf8(piece)) throw new InputError(this.where, NOT_UTF8);
    this.scanner.feed(piece, 0, this.eof);
    this.buf.copyWithin(0, cut, this.len);
    this.len -= cut;
    if (this.eof) this.final = this.scanner.finish();
  }

  knownShape(): number[] {
    return this.final ? [this.final.rows, this.final.cols] : [-1, this.scanner.cols];
  }

  async read(dst: Float64Array): Promise<number> {
    let n = 0;
    const s = this.scanner;
    while (n < dst.length) {
      const avail = s.count - this.q;
      if (avail > 0) {
        const k = Math.min(avail, dst.length - n);
        dst.set(s.values.subarray(this.q, this.q + k), n);
        this.q += k;
        n += k;
        if (this.q === s.count) {
          s.count = 0;
          this.q = 0;
        }
        continue;
      }
      if (this.final) break;
      await this.scan();
    }
    return n;
  }

  shape(): number[] {
    if (!this.final) throw new Error('shape() before the end');
    return [this.final.rows, this.final.cols];
  }
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of an .npy file that always hold its header (numpy caps it at 10000 characters). */
export const NPY_HEAD_BYTES = 65536;

export class NpySource implements ElementSource {
  private header!: NpyHeader;
  private count = 0;
  private done = 0;
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly fh: FileHandle,
    readonly where: string,
    private readonly size: number,
    private readonly onBytes: OnBytes,
  ) {}

  /** Reads the header; false when the file cannot be streamed (Fortran order). Throws InputError. */
  async start(): Promise<boolean> {
    const head = Buffer.allocUnsafe(Math.min(this.size, NPY_HEAD_BYTES));
    await this.fh.read(head, 0, head.length, 0);
    this.header = readNpyHeader(head, this.where);
    this.count = checkNpyLength(this.header, this.size, this.where);
    this.onBytes(this.header.dataStart);
    return !this.header.fortranOrder || this.header.shape.filter((d) => d > 1).length <= 1;
  }

  knownShape(): number[] {
    return [...this.header.shape];
  }

  async read(dst: Float64Array): Promise<number> {
    const k = Math.min(dst.length, this.count - this.done);
    if (k <= 0) return 0;
    const { type } = this.header;
    const size = type.size;
    if (this.buf.length < k * size) this.buf = Buffer.allocUnsafe(k * size);
    const buf = this.buf.subarray(0, k * size);
    const at = this.header.dataStart + this.done * size;
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.fh.read(buf, got, buf.length - got, at + got);
      if (bytesRead === 0) throw new InputError(`${this.where}: byte ${at + got}`, 'the file got shorter while it was read');
      got += bytesRead;
    }
    this.onBytes(got);
    if (type.kind === 'f' && size === 8 && type.littleEndian === HOST_LITTLE) {
      // float64 in the host's order: the bytes are the values
      new Uint8Array(dst.buffer, dst.byteOffset, k * 8).set(buf);
    } else dst.set(decodeElements(buf, 0, k, type, this.where));
    this.done += k;
    return k;
  }

  shape(): number[] {
    return [...this.header.shape];
  }
}

const isJsonSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** characters of a bare number token (as ./json.ts reads them): + - . 0-9 e E, and letters for NaN / Infinity */
const isTokenChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * A flat JSON array of numbers ([1.5, -2, NaN, "inf", ...], as json.dump writes a list), read in chunks.
 * Numbers are read as ./json.ts reads them: a bare token or a string, in the strict grammar of ./number.ts.
 * Anything else (nesting, objects, escapes in strings, a bad token) is an InputError naming the byte offset
 * and the element; the caller re-reads files that fit in memory, to word any error as the in-memory reader does.
 */
export class JsonSource extends BufferedFile implements ElementSource {
  /** file offset of buf[0] */
  private base = 0;
  private n = 0;
  private closed = false;
  private trailingChecked = false;


  private fail(at: number, what: string): never {
    throw new InputError(`${this.where}: byte ${this.base + at}`, `[${this.n}]: ${what}`);
  }

  /** Reads up to the first element: false when the file is not a flat array (then it is read in memory). */
  async start(): Promise<boolean> {
    await this.readMore();
    let i = this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf ? 3 : 0;
    while (i < this.len && isJsonSpace(this.buf[i])) i++;
    if (this.buf[i] !== 0x5b) return false;
    i++;
    while (i < this.len && isJsonSpace(this.buf[i])) i++;
    if (i < this.len && (this.buf[i] === 0x5b || this.buf[i] === 0x7b)) return false;
    this.drop(i);
    return true;
  }

  /** Forgets buf[0..k). */
  private drop(k: number): void {
    this.buf.copyWithin(0, k, this.len);
    this.len -= k;
    this.base += k;
  }

  knownShape(): number[] {
    return this.closed ? [this.n] : [-1];
  }

  async read(dst: Float64Array): Promise<number> {
    let got = 0;
    while (got < dst.length && !this.closed) {
      // the complete elements in buf: up to its last ',' or ']' (all of it at the end of the file)
      let end = this.len;
      if (!this.eof) {
        end = this.len > 0 ? Math.max(this.buf.lastIndexOf(0x2c, this.len - 1), this.buf.lastIndexOf(0x5d, this.len - 1)) + 1 : 0;
        if (end === 0) {
          // no element ends in what is read: forget the blanks before it, and refuse one that never ends
          let i = 0;
          while (i < this.len && isJsonSpace(this.buf[i])) i++;
          this.drop(i);
          if (this.len > READ_BYTES) this.fail(0, `more than ${READ_BYTES} bytes without ',' or ']' (an element is a number, at most ${MAX_NUMBER_CHARS} characters)`);
          await this.readMore();
          continue;
        }
      }
      const s = this.buf.toString('latin1', 0, end);
      let i = 0;
      while (got < dst.length) {
        while (i < s.length && isJsonSpace(s.charCodeAt(i))) i++;
        if (i >= s.length) break;
        const c = s.charCodeAt(i);
        if (c === 0x5d && this.n === 0 && got === 0) {
          // an empty array
          this.closed = true;
          i++;
          break;
        }
        let a = i;
        let b: number;
        let text = s;
        const at = i;
        if (c === 0x22) {
          // a string: to its closing quote, skipping escaped characters
          b = i + 1;
          let escaped = false;
          while (b < s.length && s.charCodeAt(b) !== 0x22) {
            if (b - i > MAX_NUMBER_CHARS) this.fail(i, tooLongToken('string'));
            if (s.charCodeAt(b) === 0x5c) {
              escaped = true;
              b++;
            }
            b++;
          }
          if (b >= s.length) {
            if (this.eof) this.fail(i, 'unexpected end of the input inside an array');
            this.fail(i, 'expected a number, found a string that is not one');
          }
          a = i + 1;
          if (escaped) {
            try {
              text = JSON.parse(s.slice(i, b + 1)) as string;
            } catch {
              this.fail(i, 'invalid escape in string');
            }
            a = 0;
          }
          i = b + 1;
          if (escaped) b = text.length;
        } else {
          while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
          b = i;
          if (b - a > MAX_NUMBER_CHARS) this.fail(a, tooLongToken('number'));
          if (a === b) {
            this.fail(a, c === 0x5b || c === 0x7b ? 'nested arrays and objects are read in memory, not streamed' : `expected a number, found ${quote(Buffer.from(s[a], 'latin1').toString('utf8'))}`);
          }
        }
        const v = parseNumber(text.slice(a, b));
        if (v === undefined) this.fail(at, `${quote(Buffer.from(text.slice(a, b), 'latin1').toString('utf8'))} is not a number`);
        dst[got++] = v;
        while (i < s.length && isJsonSpace(s.charCodeAt(i))) i++;
        if (i >= s.length) {
          if (this.eof) this.fail(i, 'unexpected end of the input inside an array');
          break;
        }
        const d = s.charCodeAt(i);
        this.n++;
        i++;
        if (d === 0x5d) {
          this.closed = true;
          break;
        }
        if (d !== 0x2c) this.fail(i - 1, "expected ',' or ']'");
      }
      this.drop(i);
      if (this.closed) break;
      if (got < dst.length && !this.eof) await this.readMore();
      else if (got < dst.length && this.eof && this.len === 0) this.fail(0, 'unexpected end of the input inside an array');
    }
    if (this.closed && !this.trailingChecked) {
      this.trailingChecked = true;
      for (;;) {
        let i = 0;
        while (i < this.len && isJsonSpace(this.buf[i])) i++;
        if (i < this.len) this.fail(i, 'expected the end of the input after the array');
        this.drop(this.len);
        if (this.eof) break;
        await this.readMore();
      }
    }
    return got;
  }

  shape(): number[] {
    return [this.n];
  }
}
