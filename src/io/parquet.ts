/**
 * Parquet tables: a .parquet file, or a directory of part files read as one table (Spark, Dask, Polars and
 * pandas output, hive-style key=value/ folders included), decoded by hyparquet, which is imported only when a
 * Parquet input is opened. Read one row group at a time through the Io's positional reads, so memory
 * depends on the largest row group, not on the table.
 */
import type { AsyncBuffer, ColumnMetaData, Compressors, DecodedArray, FileMetaData, ParquetReadOptions, SchemaTree } from 'hyparquet';
import { BceError, InputError, printable, printableName, quote } from '../errors.js';
import type { Io, OpenFile } from './source.js';
import type { TableBatch, TableReader } from './table.js';
import { columnsOf, rowGroupProblem } from './parquet-schema.js';
import { pageChecked } from './parquet-pages.js';
import { decodeFlat } from './parquet-flat.js';
import type { PageDecoders } from './parquet-flat.js';
import { loadCompressors } from './parquet-codecs.js';
import { hasParquetMagic, joinPath, listParts } from './parquet-detect.js';
import type { ColumnKind } from './parquet-schema.js';

/** The parts of hyparquet bce uses: the footer and schema, row groups read as promises per column. */
type Hyparquet = typeof import('hyparquet') &
  typeof import('hyparquet/src/read.js') &
  typeof import('hyparquet/src/rowgroup.js') &
  PageDecoders;

/** The bytes read from a file's end at first for its footer (a longer footer is read in a second read). */
const FOOTER_BYTES = 1 << 16;


/**
 * A part file of the table: its path, how messages name it, and its footer. Only the first part keeps its
 * footer from the schema check to the read (the others are read again when their turn comes), so that
 * memory does not grow with the number of part files.
 */
interface Part {
  readonly path: string;
  readonly where: string;
  readonly metadata?: FileMetaData;
}

/** A part with its footer. */
type ReadPart = Required<Part>;

/** A column as the reader tracks it: a list column's width is learnt from its first row. */
interface Column {
  readonly name: string;
  readonly type: string;
  readonly kind: ColumnKind;
  width?: number;
}

/** Runs a hyparquet call: what it throws (corrupt or unsupported data) becomes an InputError naming `where`. */
async function guarded<T>(where: string, what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof BceError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new InputError(where, `${what}: ${printable(message)}`);
  }
}

/** hyparquet's view of an OpenFile: whole byte ranges read at their offsets, within the file. */
function asyncBuffer(file: OpenFile, where: string): AsyncBuffer {
  return {
    byteLength: file.size,
    slice(start: number, end = file.size): Promise<ArrayBuffer> {
      const read = readRange(file, where, start, end);
      // hyparquet prefetches ranges it may not await when another fails first: never an unhandled rejection
      read.catch(() => undefined);
      return read;
    },
  };
}

/** Bytes [start, end) of a file, read whole. */
async function readRange(file: OpenFile, where: string, start: number, end: number): Promise<ArrayBuffer> {
  if (!(start >= 0 && end >= start && end <= file.size)) {
    throw new InputError(where, `corrupt metadata: bytes ${start} to ${end} lie outside the file (${file.size} bytes)`);
  }
  const buf = new Uint8Array(end - start);
  for (let got = 0; got < buf.length; ) {
    const n = await file.read(buf, got, buf.length - got, start + got);
    if (n === 0) throw new InputError(where, `the file ended at byte ${start + got}: it was shorter than when it was opened`);
    got += n;
  }
  return buf.buffer;
}

/** Opens a part file: a regular file that starts and ends with PAR1. */
async function openPart(io: Io, path: string, where: string): Promise<OpenFile> {
  const file = await io.openFile(path);
  if (file === undefined) {
    throw new InputError(where, 'no such file, or not a regular file (Parquet is read at random offsets, so a pipe will not do)');
  }
  try {
    if (file.size < 12) throw new InputError(where, `not a Parquet file: ${file.size} bytes, and the smallest has 12`);
    const head = new Uint8Array(4);
    const tail = new Uint8Array(4);
    await file.read(head, 0, 4, 0);
    await file.read(tail, 0, 4, file.size - 4);
    if (!hasParquetMagic(head)) throw new InputError(where, 'not a Parquet file: it does not start with PAR1');
    if (!hasParquetMagic(tail)) throw new InputError(where, 'not a Parquet file, or a truncated one: it does not end with PAR1');
    return file;
  } catch (e) {
    await file.close();
    throw e;
  }
}

/** A part file's footer, read and closed again. */
async function readPart(hp: Hyparquet, io: Io, path: string, where: string): Promise<ReadPart> {
  const file = await openPart(io, path, where);
  try {
    const what = 'unreadable Parquet metadata';
    const metadata = await guarded(where, what, () => hp.parquetMetadataAsync(asyncBuffer(file, where), { initialFetchSize: FOOTER_BYTES }));
    const problem = await guarded(where, what, async () => rowGroupProblem(metadata, hp.parquetSchema(metadata)));
    if (problem !== undefined) throw new InputError(where, `${what}: ${problem}`);
    return { path, where, metadata };
  } finally {
    await file.close();
  }
}

/** The columns of a part, as `name: type` texts, for comparing part files. */
function signature(hp: Hyparquet, part: ReadPart): string[] {
  return columnsOf(hp.parquetSchema(part.metadata)).map((c) => `${quote(c.name)}: ${c.type}`);
}

/** Refuses a part whose columns differ from the first part's, saying how. */
function checkSameSchema(hp: Hyparquet, first: Part, firstSig: string[], part: ReadPart): void {
  const sig = signature(hp, part);
  const k = sig.findIndex((s, i) => s !== firstSig[i]);
  if (k < 0 && sig.length === firstSig.length) return;
  const why =
    k >= 0 && k < firstSig.length ? `column ${k + 1} is ${sig[k]} here, ${firstSig[k]} there` : `it has ${sig.length} columns, that file ${firstSig.length}`;
  throw new InputError(part.where, `its schema differs from the first part file's, ${first.where}: ${why}`);
}

/** Every part of the table at `path`, footers read and schemas checked, and the table's rows. */
async function readParts(hp: Hyparquet, io: Io, path: string): Promise<{ parts: Part[]; first: ReadPart; rows: number }> {
  const where = printableName(path);
  const rels = await listParts(io, path).catch((e: unknown) => {
    if (e instanceof BceError) throw e;
    throw new InputError(where, `cannot list the directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  });
  if (rels === undefined) {
    const part = await readPart(hp, io, path, where);
    return { parts: [part], first: part, rows: Number(part.metadata.num_rows) };
  }
  if (rels.length === 0) {
    throw new InputError(where, 'a directory without .parquet files (bce reads the *.parquet files in it and in its key=value/ folders)');
  }
  const parts: Part[] = [];
  let first: ReadPart | undefined;
  let firstSig: string[] = [];
  let rows = 0;
  for (const rel of rels) {
    const full = joinPath(path, rel);
    const part = await readPart(hp, io, full, printableName(full));
    rows += Number(part.metadata.num_rows);
    if (first === undefined) {
      first = part;
      firstSig = signature(hp, part);
      parts.push(part);
    } else {
      checkSameSchema(hp, first, firstSig, part);
      parts.push({ path: part.path, where: part.where });
    }
  }
  return { parts, first: first as ReadPart, rows };
}

/** Opens a Parquet file, or a directory of part files, as one table. */
export async function openParquetTable(io: Io, path: string): Promise<TableReader> {
  const hp: Hyparquet = {
    ...(await import('hyparquet')),
    ...(await import('hyparquet/src/read.js')),
    ...(await import('hyparquet/src/rowgroup.js')),
    ...(await import('hyparquet/src/column.js')),
    ...(await import('hyparquet/src/datapage.js')),
    ...(await import('hyparquet/src/convert.js')),
    ...(await import('hyparquet/src/thrift.js')),
  };
  const compressors = await loadCompressors();
  const { parts, first, rows } = await readParts(hp, io, path);
  const columns: Column[] = columnsOf(hp.parquetSchema(first.metadata)).map((c) => ({ ...c, width: c.kind === 'list' ? undefined : 1 }));
  return new ParquetTable(hp, compressors, io, printableName(path), parts, columns, rows);
}

/** Where the reader is: a part, its open file, and the next row group in it. */
interface Cursor {
  part: number;
  /** the part's footer, read again for a part that did not keep it */
  metadata?: FileMetaData;
  file?: OpenFile;
  buffer?: AsyncBuffer;
  group: number;
  /** the first row of the next row group, within the part */
  groupStart: number;
}

class ParquetTable implements TableReader {
  private readonly at: Cursor = { part: 0, group: 0, groupStart: 0 };
  private firstRow = 0;
  private checked = false;

  constructor(
    private readonly hp: Hyparquet,
    private readonly compressors: Compressors,
    private readonly io: Io,
    readonly where: string,
    private readonly parts: readonly Part[],
    readonly columns: Column[],
    readonly rows: number,
  ) {}

  /** Refuses a column asked for that bce cannot read, naming it and its type. */
  private check(indices: readonly number[]): void {
    if (this.checked) return;
    for (const i of indices) {
      const c = this.columns[i];
      if (c.kind === 'unreadable') {
        throw new InputError(
          this.where,
          `column ${quote(c.name)} is ${c.type}: bce reads DOUBLE, FLOAT, INT32, INT64 and BOOLEAN columns, and lists of them`,
        );
      }
    }
    this.checked = true;
  }

  async next(indices: readonly number[]): Promise<TableBatch | undefined> {
    this.check(indices);
    for (;;) {
      const stored = this.parts[this.at.part];
      if (stored === undefined) return undefined;
      this.at.metadata ??= stored.metadata ?? (await readPart(this.hp, this.io, stored.path, stored.where)).metadata;
      const part: ReadPart = { ...stored, metadata: this.at.metadata };
      const groups = part.metadata.row_groups;
      if (this.at.group >= groups.length) {
        await this.closeFile();
        this.at.metadata = undefined;
        this.at.part++;
        this.at.group = 0;
        this.at.groupStart = 0;
        continue;
      }
      const groupRows = Number(groups[this.at.group].num_rows);
      const start = this.at.groupStart;
      this.at.group++;
      this.at.groupStart += groupRows;
      if (groupRows === 0) continue;
      const values = await this.readGroup(part, indices, start, groupRows);
      const batch = { rows: groupRows, firstRow: this.firstRow, values };
      this.firstRow += groupRows;
      return batch;
    }
  }

  /** The columns at `indices` of the rows [start, start + rows) of a part, one row group. */
  private async readGroup(part: ReadPart, indices: readonly number[], start: number, rows: number): Promise<Float64Array[]> {
    if (this.at.buffer === undefined) {
      this.at.file = await openPart(this.io, part.path, part.where);
      this.at.buffer = asyncBuffer(this.at.file, part.where);
    }
    const names = [...new Set(indices.map((i) => this.columns[i].name))];
    const group = part.metadata.row_groups[this.at.group - 1];
    const file = pageChecked(this.at.buffer, group, names, this.hp.parquetHeader, part.where, this.at.group);
    const lists = names.filter((n) => this.columns.find((c) => c.name === n)?.kind === 'list');
    const flat = names.filter((n) => !lists.includes(n));
    const options = { file, metadata: part.metadata, columns: lists, rowStart: start, rowEnd: start + rows, compressors: this.compressors };
    const chunks = await guarded(part.where, `corrupt data in row group ${this.at.group}`, async () => [
      ...(lists.length > 0 ? await readChunks(this.hp, options) : []),
      ...(await this.readFlat(part, file, flat, start, rows)),
    ]);
    const decoded = new Map<string, Float64Array>();
    return indices.map((i) => {
      const column = this.columns[i];
      let out = decoded.get(column.name);
      if (out === undefined) {
        const place = { where: part.where, column: column.name, firstRow: start };
        out = toFloat64(chunks.filter((c) => c.column === column.name), column, rows, place);
        decoded.set(column.name, out);
      }
      return out;
    });
  }

  /** Flat columns of a row group, each chunk read whole and decoded page by page (./parquet-flat.ts). */
  private async readFlat(part: ReadPart, file: AsyncBuffer, names: readonly string[], start: number, rows: number): Promise<Chunk[]> {
    const tree = this.hp.parquetSchema(part.metadata);
    const group = part.metadata.row_groups[this.at.group - 1];
    const chunks: Chunk[] = [];
    for (const column of names) {
      const meta = group.columns.find((c) => c.meta_data?.path_in_schema[0] === column)?.meta_data as ColumnMetaData;
      const leaf = tree.children.find((c) => c.element.name === column) as SchemaTree;
      const begin = Number(meta.dictionary_page_offset || meta.data_page_offset);
      const bytes = await file.slice(begin, begin + Number(meta.total_compressed_size));
      const fail = {
        nullAt: (row: number) => cellError({ where: part.where, column, firstRow: start }, start + row, `a null: ${NULLS}`),
        corrupt: (what: string) => new InputError(part.where, `corrupt data in row group ${this.at.group}, column ${quote(column)}: ${what}`),
      };
      const decoder = { parsers: this.hp.DEFAULT_PARSERS, compressors: this.compressors };
      for (const page of decodeFlat(this.hp, bytes, meta, tree, leaf, rows, decoder, fail)) {
        chunks.push({ column, rowStart: start + page.rowStart, data: page.data });
      }
    }
    return chunks;
  }

  private async closeFile(): Promise<void> {
    const file = this.at.file;
    this.at.file = undefined;
    this.at.buffer = undefined;
    await file?.close();
  }

  async close(): Promise<void> {
    await this.closeFile();
    this.at.part = this.parts.length;
  }
}

/** Decoded values of a column: a page of a flat column, or a row group of a list column (one array per row). */
interface Chunk {
  readonly column: string;
  /** the row of data[0] within the part */
  readonly rowStart: number;
  readonly data: DecodedArray;
}

/** Waits for every promise, so that no failure goes unobserved, then throws the first failure. */
async function settle<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * The decoded chunks of some columns over a range of rows, as hyparquet's parquetRead gives them to its
 * onChunk, except that every column's promise is awaited: a corrupt file fails once, with nothing left
 * rejected and unobserved.
 */
async function readChunks(hp: Hyparquet, options: ParquetReadOptions): Promise<Chunk[]> {
  const groups = hp.parquetReadAsync(options);
  await settle(groups.flatMap((g) => g.asyncColumns.map((c) => c.data)));
  const tree = hp.parquetSchema(options.metadata as FileMetaData);
  const chunks: Chunk[] = [];
  for (const group of groups) {
    const { asyncColumns } = hp.assembleAsync(group, tree);
    const columns = await settle(asyncColumns.map((c) => c.data));
    columns.forEach(({ data, skipped }, k) => {
      let rowStart = group.groupStart + skipped;
      for (const page of data) {
        chunks.push({ column: asyncColumns[k].pathInSchema[0], rowStart, data: page });
        rowStart += page.length;
      }
    });
  }
  return chunks;
}

/** Where values come from, for messages: the part file, the column, the part's row of the chunk's start. */
interface Place {
  readonly where: string;
  readonly column: string;
  readonly firstRow: number;
}

/** What a null is told. */
const NULLS = 'bce reads numbers only (drop or fill the nulls first)';

/** The error for the value of 0-based row `row` (within the part) of a column. */
function cellError(place: Place, row: number, what: string): InputError {
  return new InputError(place.where, `row ${row + 1}, column ${quote(place.column)}: ${what}`);
}

/** One value of a decoded array as a double; a null or anything else is an error at `row`. */
function numberAt(v: unknown, place: Place, row: number, item = ''): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) throw cellError(place, row, `a null${item}: ${NULLS}`);
  throw cellError(place, row, `not a number${item}`);
}

/** One row group's chunks of a column -> rows x width doubles, row-major. */
function toFloat64(chunks: readonly Chunk[], column: Column, rows: number, place: Place): Float64Array {
  if (column.kind === 'list') return listsToFloat64(chunks, column, rows, place);
  const out = new Float64Array(rows);
  let filled = 0;
  for (const c of chunks) {
    const at = c.rowStart - place.firstRow;
    const data = c.data;
    if (at < 0 || at + data.length > rows) throw cellError(place, c.rowStart, 'corrupt data: a page outside its row group');
    if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array)) {
      out.set(data as Exclude<DecodedArray, unknown[] | BigInt64Array | BigUint64Array>, at);
    } else {
      for (let i = 0; i < data.length; i++) out[at + i] = numberAt(data[i], place, c.rowStart + i);
    }
    filled += data.length;
  }
  if (filled !== rows) throw cellError(place, place.firstRow + filled, `corrupt data: ${filled} values in a row group of ${rows} rows`);
  return out;
}

/** A list column's chunks -> rows x width doubles: every row a list of the same length. */
function listsToFloat64(chunks: readonly Chunk[], column: Column, rows: number, place: Place): Float64Array {
  let out: Float64Array | undefined;
  let filled = 0;
  for (const c of chunks) {
    const data = c.data as unknown[];
    for (let r = 0; r < data.length; r++) {
      const row = place.firstRow + filled;
      const list = data[r];
      if (!Array.isArray(list)) throw cellError(place, row, `a null list: ${NULLS}`);
      column.width ??= list.length;
      const width = column.width;
      if (width === 0) throw cellError(place, row, 'an empty list: a list column holds one row of classes');
      if (list.length !== width) throw cellError(place, row, `a list of ${list.length} values where the rows before have ${width}`);
      if (filled >= rows) throw cellError(place, row, `corrupt data: more rows than the ${rows} of the row group`);
      out ??= new Float64Array(rows * width);
      for (let k = 0; k < width; k++) out[filled * width + k] = numberAt(list[k], place, row, ` at position ${k + 1} of the list`);
      filled++;
    }
  }
  if (filled !== rows) throw cellError(place, place.firstRow + filled, `corrupt data: ${filled} values in a row group of ${rows} rows`);
  return out ?? new Float64Array(0);
}
