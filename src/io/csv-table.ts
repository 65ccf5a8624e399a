/**
 * A CSV/TSV file read as a table (./table.ts) by the fast scanner (./csv-fast.ts) in chunks (./csv-source.ts):
 * the header, read by csv-parse (./csv.ts) so that quoted names work, names the columns; only the cells of
 * the columns asked for are read as numbers, so a column of ids or text costs a split and nothing more.
 * A file whose first record holds a number (or read with --no-header) has no header: its columns are "1", "2"...
 */
import { InputError } from '../errors.js';
import type { OpenFile } from './source.js';
import type { CsvOptions } from './csv-dialect.js';
import { CsvFallback } from './csv-fast.js';
import type { ScanTable } from './csv-fast.js';
import { CsvSource } from './csv-source.js';
import { readRecords } from './csv.js';
import { parseNumber } from './number.js';
import type { TableBatch, TableColumn, TableReader } from './table.js';

/** Rows per batch. */
const BATCH_ROWS = 1 << 16;

/** The first record of a file's head (no blank or comment line), as csv-parse reads it; undefined if none. */
function firstRecord(head: Uint8Array, where: string, delimiter: string): string[] | undefined {
  let at = 0;
  while (at < head.length) {
    let nl = head.indexOf(0x0a, at);
    if (nl < 0) nl = head.length;
    const line = Buffer.from(head.buffer, head.byteOffset + at, nl - at).toString('utf8');
    const t = line.trim();
    if (t !== '' && !t.startsWith('#')) return readRecords(line, where, delimiter)[0];
    at = nl + 1;
  }
  return undefined;
}

export class CsvTable implements TableReader {
  columns: TableColumn[] = [];
  private scan!: ScanTable;
  private readonly source: CsvSource;
  /** the file's columns read, in the file's order, and each one's place among them */
  private read: number[] | undefined;
  private place = new Map<number, number>();
  private firstRow = 0;
  private done = false;
  private closed = false;

  constructor(
    private readonly file: OpenFile,
    readonly where: string,
    csv: CsvOptions,
    onBytes: (n: number) => void = () => {},
  ) {
    this.source = new CsvSource(file, where, file.size, csv, onBytes, (head, delimiter) => {
      const record = firstRecord(head, where, delimiter);
      if (record === undefined) throw new InputError(where, 'no rows: the CSV file is empty');
      const header = csv.header ?? record.every((cell) => parseNumber(cell) === undefined);
      const names = header ? record : record.map((_, k) => String(k + 1));
      this.columns = names.map((name) => ({ name, width: 1 }));
      this.scan = { names, header, mask: new Uint8Array(names.length) };
      return this.scan;
    });
  }

  /** Whether the file has a header (else its columns are selected by index only). */
  get header(): boolean {
    return this.scan.header;
  }

  /** Reads the header (and sniffs the delimiter). */
  async start(): Promise<this> {
    await this.fallible(() => this.source.start());
    return this;
  }

  /** A file that the fast scanner hands over (a control character in a cell, line ends of two kinds) is an input error here. */
  private async fallible<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof CsvFallback)) throw e;
      throw new InputError(`${this.where}:${this.source.line}`, `${e.message}: a table's cells are read by the fast CSV engine, which does not read it`);
    }
  }

  async next(indices: readonly number[]): Promise<TableBatch | undefined> {
    if (this.read === undefined) {
      this.read = [...new Set(indices)].sort((a, b) => a - b);
      this.read.forEach((c, k) => this.place.set(c, k));
      for (const c of this.read) this.scan.mask[c] = 1;
    }
    const w = this.read.length;
    if (this.done || w === 0) return undefined;
    const all = new Float64Array(BATCH_ROWS * w);
    const got = await this.fallible(() => this.source.read(all));
    if (got < all.length) this.done = true;
    const rows = got / w;
    if (rows === 0) return undefined;
    const values = indices.map((c) => {
      const p = this.place.get(c) as number;
      if (w === 1) return all.subarray(0, rows);
      const out = new Float64Array(rows);
      for (let r = 0, i = p; r < rows; r++, i += w) out[r] = all[i];
      return out;
    });
    const firstRow = this.firstRow;
    this.firstRow += rows;
    return { rows, firstRow, values };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}
