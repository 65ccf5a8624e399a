/**
 * CSV and NPY files read in chunks: element sources for the streaming computation (../stream.ts). Each
 * source hands out its values in row-major order, a block at a time, from a buffer of a fixed size, so
 * memory does not depend on the file's size.
 *
 * CSV goes through the fast engine's scanner (./csv-fast.ts), fed in pieces that end at line ends: the
 * same numbers and the same errors as reading the whole file. A file the scanner hands over (CsvFallback:
 * quotes, odd line ends) cannot be streamed; the caller then reads it in memory when it can.
 */
import type { FileHandle } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';
import { CsvScanner, headText, textStart } from './csv-fast.js';
import { sniffDelimiter } from './csv-grammar.js';
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

export class CsvSource implements ElementSource {
  private scanner!: CsvScanner;
  /** the next value of scanner.values to hand out */
  private q = 0;
  private pos = 0;
  private eof = false;
  /** bytes read but not yet scanned: the start of a line */
  private rest: Buffer = Buffer.alloc(0);
  private final: { rows: number; cols: number } | undefined;

  constructor(
    private readonly fh: FileHandle,
    readonly where: string,
    private readonly size: number,
    private readonly csv: CsvOptions,
    private readonly onBytes: OnBytes,
  ) {}

  private async readMore(): Promise<Buffer> {
    const want = Math.min(READ_BYTES, this.size - this.pos);
    if (want <= 0) {
      this.eof = true;
      return Buffer.alloc(0);
    }
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.fh.read(buf, 0, want, this.pos);
    this.pos += bytesRead;
    this.onBytes(bytesRead);
    if (bytesRead === 0 || this.pos >= this.size) this.eof = true;
    return buf.subarray(0, bytesRead);
  }

  /** Reads the first lines: the BOM, the delimiter (sniffed from the first 50 lines), the first record. */
  async start(): Promise<void> {
    let head: Buffer = Buffer.alloc(0);
    const lines = (b: Buffer) => {
      let n = 0;
      for (let i = b.indexOf(0x0a); i >= 0 && n < 50; i = b.indexOf(0x0a, i + 1)) n++;
      return n;
    };
    while (!this.eof && lines(head) < 50 && head.length < 64 * READ_BYTES) head = Buffer.concat([head, await this.readMore()]);
    const from = textStart(head);
    const delimiter = this.csv.delimiter ?? sniffDelimiter(headText(head, from));
    this.scanner = new CsvScanner(this.where, delimiter, this.csv.header, 1 << 17);
    this.rest = head.subarray(from);
    while (this.scanner.cols < 0 && !this.final) await this.scan();
  }

  /** Scans the complete lines read so far (and reads more when there are none). */
  private async scan(): Promise<void> {
    let bytes = this.rest;
    let cut = bytes.lastIndexOf(0x0a) + 1;
    while (cut === 0 && !this.eof) {
      bytes = Buffer.concat([bytes, await this.readMore()]);
      cut = bytes.lastIndexOf(0x0a) + 1;
    }
    if (this.eof) cut = bytes.length;
    const piece = bytes.subarray(0, cut);
    this.rest = bytes.subarray(cut);
    if (!isUtf8(piece)) throw new InputError(this.where, NOT_UTF8);
    this.scanner.feed(piece.toString('latin1'), 0, this.eof);
    if (this.eof) this.final = this.scanner.finish();
    else if (this.rest.length === 0) this.rest = await this.readMore();
    else this.rest = Buffer.concat([this.rest, await this.readMore()]);
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

/** The bytes of an .npy file that always hold its header (numpy caps it at 10000 characters). */
export const NPY_HEAD_BYTES = 65536;

export class NpySource implements ElementSource {
  private header!: NpyHeader;
  private count = 0;
  private done = 0;

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
    const size = this.header.type.size;
    const buf = Buffer.allocUnsafe(k * size);
    const at = this.header.dataStart + this.done * size;
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.fh.read(buf, got, buf.length - got, at + got);
      if (bytesRead === 0) throw new InputError(`${this.where}: byte ${at + got}`, 'the file got shorter while it was read');
      got += bytesRead;
    }
    this.onBytes(got);
    dst.set(decodeElements(buf, 0, k, this.header.type, this.where));
    this.done += k;
    return k;
  }

  shape(): number[] {
    return [...this.header.shape];
  }
}
