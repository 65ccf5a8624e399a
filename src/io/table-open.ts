/**
 * Tables of predictions as tensors: `FILE:COLUMNS` specs, the one dispatch from a table's format to its
 * reader (./table.ts), and selections read into tensors. Every flag that names the same table is served by
 * one reader, read once: each batch of rows is read for all of the file's selections together.
 *
 * A selection of one column of one value per row gives [N]; several columns, or one list column, [N, C], the
 * columns' values side by side in the order listed.
 */
import { InputError, printableName } from '../errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Io, OpenFile } from './source.js';
import { SourceReader } from './source.js';
import type { ReadOptions } from './read-tensor.js';
import { splitMember } from './read-tensor.js';
import type { TableReader } from './table.js';

/** Opens a table at `path` (its columns known, no row read yet). */
type TableOpener = (io: Io, path: string, options: ReadOptions) => Promise<TableReader>;

/** The table formats by extension ('/' for a directory), and their readers, loaded only when used. */
const TABLE_OPENERS: Record<string, TableOpener> = {
  csv: openCsv,
  tsv: openCsv,
  txt: openCsv,
  jsonl: openJsonl,
  ndjson: openJsonl,
  parquet: openParquet,
  '/': openParquet,
};

/** The key of TABLE_OPENERS for a path: its extension, lower-cased, or '/' for a trailing slash. */
function tableKey(path: string): string | undefined {
  if (/[/\\]$/.test(path)) return '/';
  return /\.([A-Za-z0-9]+)$/.exec(path)?.[1].toLowerCase();
}

/** A `FILE:COLUMNS` spec of a table: its path and selector; undefined for anything else. */
export function tableSpec(value: string | undefined): { path: string; selector: string } | undefined {
  if (value === undefined) return undefined;
  const { path, member } = splitMember(value);
  if (member === undefined) return undefined;
  const key = tableKey(path);
  if (key === undefined || !['csv', 'tsv', 'txt', 'jsonl', 'ndjson', 'parquet', '/'].includes(key)) return undefined;
  return { path, selector: member };
}

/**
 * A JSON Lines or Parquet file named without a field is a table read by role, as an archive is: `-l samples.jsonl` reads
 * its field `logits`, `-t` its `targets`. Other values are returned as they are.
 */
export function withRoleField(value: string | undefined, role: string): string | undefined {
  if (value === undefined || splitMember(value).member !== undefined || !/\.(?:jsonl|ndjson|parquet)$/i.test(value)) return value;
  return `${value}:${role}`;
}

/** The regular file at `path`, opened; the error the whole-file reader words when it is not one. */
async function openRegular(io: Io, path: string) {
  const file = await io.openFile(path);
  if (file !== undefined) return file;
  await new SourceReader(io).read(path, path);
  throw new InputError(printableName(path), 'a table (FILE:COLUMNS) is read from a regular file, not a pipe or a device');
}

/**
 * A table file opened with its progress bar (options.progress: shown for a long read on a terminal), which
 * is cleared when the reader closes the file.
 */
async function openWithProgress(io: Io, path: string, options: ReadOptions): Promise<{ file: OpenFile; onBytes: (n: number) => void }> {
  const file = await openRegular(io, path);
  const bar = options.progress?.(file.size);
  if (bar === undefined) return { file, onBytes: () => {} };
  const close = async () => {
    bar.finish();
    await file.close();
  };
  return { file: { size: file.size, read: (...a) => file.read(...a), close }, onBytes: (n) => bar.add(n) };
}

/** Starts a table reader, closing its file if that fails. */
async function started<T extends { start(): Promise<T> }>(reader: T, file: OpenFile): Promise<T> {
  return reader.start().catch(async (e: unknown) => {
    await file.close();
    throw e;
  });
}

async function openCsv(io: Io, path: string, options: ReadOptions): Promise<TableReader> {
  const { file, onBytes } = await openWithProgress(io, path, options);
  const { CsvTable } = await import('./csv-table.js');
  return started(new CsvTable(file, printableName(path), options.csv ?? {}, onBytes), file);
}

async function openJsonl(io: Io, path: string, options: ReadOptions): Promise<TableReader> {
  const { file, onBytes } = await openWithProgress(io, path, options);
  const { JsonlTable } = await import('./jsonl-table.js');
  return started(new JsonlTable(file, printableName(path), onBytes), file);
}

/** A .parquet file, or a directory of part files (./parquet.ts reads them through hyparquet). */
async function openParquet(io: Io, path: string): Promise<TableReader> {
  return (await import('./parquet.js')).openParquetTable(io, path);
}

/** Opens the table at `path` by its format. */
export async function openTable(io: Io, path: string, options: ReadOptions): Promise<TableReader> {
  const key = tableKey(path) ?? '';
  const open = TABLE_OPENERS[key];
  if (open === undefined) {
    throw new InputError(printableName(path), key === '/' ? 'no reader for a directory of tables in this build' : `no table reader for .${key} files in this build`);
  }
  return open(io, path, options);
}

/** One selection of a table: where messages say it comes from, and the columns it names. */
export interface Selection {
  /** how messages name it: `preds.csv:logit_*` */
  readonly where: string;
  /** the table's column indices, in the order listed */
  readonly columns: readonly number[];
}

/** Resolves a selector against a table's columns (./select.ts). */
export async function selectColumns(table: TableReader, selector: string): Promise<Selection> {
  const { resolveSelector } = await import('./select.js');
  const columns = resolveSelector(selector, { where: table.where, names: table.columns.map((c) => c.name), header: table.header ?? true });
  return { where: `${table.where}:${printableName(selector)}`, columns };
}

/** The union of selections' columns, each once, in order of first use. */
export function unionColumns(selections: readonly Selection[]): number[] {
  return [...new Set(selections.flatMap((s) => s.columns))];
}

/**
 * A batch's values for one selection, row-major [rows, width] (the selection's columns side by side), and
 * the width. `union` is the column list the batch was read with.
 */
export function selectionValues(batch: { rows: number; values: readonly Float64Array[] }, union: readonly number[], s: Selection): { data: Float64Array; width: number } {
  const { rows } = batch;
  const parts = s.columns.map((c) => batch.values[union.indexOf(c)]);
  if (parts.length === 1) return { data: parts[0], width: rows === 0 ? 0 : parts[0].length / rows };
  const widths = parts.map((p) => (rows === 0 ? 0 : p.length / rows));
  const width = widths.reduce((a, b) => a + b, 0);
  const data = new Float64Array(rows * width);
  let off = 0;
  parts.forEach((p, k) => {
    const w = widths[k];
    if (w === 1) for (let r = 0, i = off; r < rows; r++, i += width) data[i] = p[r];
    else for (let r = 0; r < rows; r++) data.set(p.subarray(r * w, r * w + w), r * width + off);
    off += w;
  });
  return { data, width };
}

/** A selection's shape: [N] for one column of one value per row, else [N, width]. */
export function selectionShape(table: TableReader, s: Selection, rows: number, width: number): number[] {
  const scalar = s.columns.length === 1 && (table.columns[s.columns[0]].width ?? width) === 1;
  return scalar ? [rows] : [rows, width];
}

/** Reads a table to its end, all its selections at once -> one tensor per selection. */
export async function readSelections(table: TableReader, selections: readonly Selection[]): Promise<Tensor[]> {
  const union = unionColumns(selections);
  const chunks: Float64Array[][] = selections.map(() => []);
  const widths = selections.map((s) => s.columns.reduce((a, c) => a + (table.columns[c].width ?? 0), 0));
  let rows = 0;
  for (let b = await table.next(union); b !== undefined; b = await table.next(union)) {
    selections.forEach((s, k) => {
      const { data, width } = selectionValues(b, union, s);
      chunks[k].push(data);
      widths[k] = width;
    });
    rows += b.rows;
  }
  return selections.map((s, k) => {
    const data = new Float64Array(rows * widths[k]);
    let at = 0;
    for (const c of chunks[k]) {
      data.set(c, at);
      at += c.length;
    }
    return { data, shape: selectionShape(table, s, rows, widths[k]) };
  });
}

/** A flag that names a table's columns, and the tensor read for it. */
export interface TableFlag {
  /** e.g. --logits */
  readonly flag: string;
  readonly value: string;
}

/**
 * Reads every table flag: each table file once, all of its flags' selections together. Returns, per flag,
 * its tensor and where it came from (`preds.csv:logit_*`).
 */
export async function readTableFlags(io: Io, flags: readonly TableFlag[], options: ReadOptions): Promise<Map<string, { tensor: Tensor; where: string }>> {
  const byPath = new Map<string, { flag: string; selector: string }[]>();
  for (const { flag, value } of flags) {
    const spec = tableSpec(value);
    if (spec === undefined) continue;
    const list = byPath.get(spec.path) ?? [];
    list.push({ flag, selector: spec.selector });
    byPath.set(spec.path, list);
  }
  const out = new Map<string, { tensor: Tensor; where: string }>();
  for (const [path, uses] of byPath) {
    const table = await openTable(io, path, options);
    try {
      const selections: Selection[] = [];
      for (const u of uses) selections.push(await selectColumns(table, u.selector));
      const tensors = await readSelections(table, selections);
      uses.forEach((u, k) => out.set(u.flag, { tensor: tensors[k], where: selections[k].where }));
    } finally {
      await table.close();
    }
  }
  return out;
}

/** Targets must select as many values per row as the logits: else an error naming both selections. */
export function checkWidths(logitsWhere: string, logitsWidth: number, targetsWhere: string, targetsWidth: number): void {
  if (logitsWidth === targetsWidth) return;
  const cols = (w: number) => `${w} value${w === 1 ? '' : 's'} per row`;
  throw new InputError(targetsWhere, `selects ${cols(targetsWidth)}, and ${logitsWhere} (the logits) ${cols(logitsWidth)}`);
}

/**
 * The table rules between inputs: targets select as many values per row as the logits (checkWidths), and a
 * weight of one value per row ([N]) is per row against [N, C] logits: [N, 1].
 */
export function tableShapes(logits: { tensor: Tensor; where: string }, targets: { tensor: Tensor; where: string }, weight: { tensor: Tensor; where: string } | undefined, tables: ReadonlyMap<string, unknown>): void {
  const width = (t: Tensor) => (t.shape.length === 2 ? t.shape[1] : 1);
  if (tables.has('--logits') && tables.has('--targets')) checkWidths(logits.where, width(logits.tensor), targets.where, width(targets.tensor));
  if (weight && tables.has('--weight') && weight.tensor.shape.length === 1 && logits.tensor.shape.length === 2) {
    weight.tensor = { data: weight.tensor.data, shape: [weight.tensor.shape[0], 1] };
  }
}
