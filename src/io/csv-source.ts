/**
 * A CSV file read in chunks: the fast engine's scanner (./csv-fast.ts) fed pieces that end at line ends. The
 * in-memory reader (readCsvBytes) drains this same source over the bytes, so streaming and reading whole
 * give the same numbers and errors by construction. As the in-memory reader checks that the whole
 * file is UTF-8 before it scans, an error met here is thrown only once the rest of the file is checked too. A
 * file the scanner hands over (CsvFallback: quotes, odd line ends) cannot be streamed; the caller then reads it
 * in memory when it can.
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';
import { CsvFallback, CsvScanner, headText, textStart } from './csv-fast.js';
import type { ScanTable } from './csv-fast.js';
import { MAX_NUMBER_CHARS } from './number.js';
import { cellTooLong, sniffDelimiter } from './csv-grammar.js';
import type { CsvOptions } from './csv-dialect.js';
import type { OpenFile } from './source.js';
import { NOT_UTF8 } from './read-tensor.js';
import { ChunkedFile, READ_BYTES, bytesFile, drain } from './chunked-file.js';
import { RangeSplitter } from './csv-range.js';
import type { ElementSource, OnBytes } from './chunked-file.js';

export class CsvSource extends ChunkedFile implements ElementSource {
  private scanner!: CsvScanner;
  /** the next value of scanner.values to hand out */
  private q = 0;
  private final: { rows: number; cols: number } | undefined;
  /** a big file's pieces are scanned on two threads (./csv-range.ts) */
  private split: RangeSplitter | undefined;

  constructor(
    file: OpenFile,
    where: string,
    size: number,
    private readonly csv: CsvOptions,
    onBytes: OnBytes,
    /** for a table read by columns (./csv-table.ts): reads the header from the file's head */
    private readonly tableOf?: (head: Uint8Array, delimiter: string) => ScanTable,
  ) {
    super(file, where, size, onBytes);
  }

  /** Reads the first lines: the BOM, the delimiter (sniffed from the first 50 lines), the first record. */
  async start(): Promise<void> {
    try {
      await this.begin();
    } catch (e) {
      await this.textError(e);
    }
  }

  /** An error of the text (or its need of csv-parse) is the file's own unless the file is not UTF-8. */
  private async textError(e: unknown): Promise<never> {
    this.split?.abandon();
    if (e instanceof InputError || e instanceof CsvFallback) await this.utf8First(e);
    throw e;
  }

  private async begin(): Promise<void> {
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
    const table = this.tableOf?.(head.subarray(from), delimiter);
    this.scanner = new CsvScanner(this.where, delimiter, this.csv.header, Math.min(1 << 17, Math.ceil(this.size / 2)), table);
    if (!table) this.split = RangeSplitter.forFile(this.size, this.where, delimiter);
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
    if (this.split) await this.split.feed(this.scanner, piece, this.eof);
    else this.scanner.feed(piece, 0, this.eof);
    this.buf.copyWithin(0, cut, this.len);
    this.len -= cut;
    if (this.eof) this.final = this.scanner.finish();
  }

  /** The line the scanner is at (where a CsvFallback was met). */
  get line(): number {
    return this.scanner?.line ?? 0;
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
      try {
        await this.scan();
      } catch (e) {
        await this.textError(e);
      }
    }
    return n;
  }

  shape(): number[] {
    if (!this.final) throw new Error('shape() before the end');
    return [this.final.rows, this.final.cols];
  }
}

/**
 * A whole CSV file in memory with the fast engine: its CsvSource drained. Throws InputError for bad input and
 * CsvFallback when the file needs csv-parse.
 */
export async function readCsvBytes(
  bytes: Uint8Array,
  source: string,
  options: CsvOptions = {},
  onBytes: OnBytes = () => undefined,
): Promise<{ data: Float64Array; shape: [number, number] }> {
  const s = new CsvSource(bytesFile(bytes), source, bytes.length, options, onBytes);
  await s.start();
  // about the values a file of short numbers holds
  const data = await drain(s, Math.ceil(bytes.length / 6));
  const [rows, cols] = s.shape();
  return { data, shape: [rows, cols] };
}
