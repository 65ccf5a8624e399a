/**
 * CSV reader (csv-parse): a rank-2 matrix, rows as samples and columns as classes.
 *
 * Cells are parsed to strings by csv-parse, then converted in one strict pass with the grammar of
 * ./number.ts: no empty cells, no hex, no trailing junk; NaN, nan, inf and -inf are accepted.
 * Dialect: comma, tab or semicolon delimiter (sniffed from the first data line), `#` comment lines,
 * a UTF-8 BOM, CRLF, quoted numbers, spaces around cells, blank lines. The first row is a header
 * when none of its cells is a number.
 */
import { parse } from 'csv-parse/sync';
import type { Tensor } from '../tensor.js';
import { InputError, quote } from '../errors.js';
import { parseNumber } from './number.js';

export interface CsvOptions {
  /** true: the first row is a header; false: it is data; undefined: detect */
  header?: boolean;
  delimiter?: string;
}

/** The delimiter of the first line that is neither blank nor a comment: tab, semicolon, else comma. */
export function sniffDelimiter(text: string): string {
  for (const line of text.split('\n', 50)) {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (l.includes(',')) return ',';
    if (l.includes('\t')) return '\t';
    if (l.includes(';')) return ';';
    return ',';
  }
  return ',';
}

interface CsvParseError extends Error {
  code?: string;
  lines?: number;
  column?: number | string;
}

function parseRecords(text: string, delimiter: string, info: boolean): unknown[] {
  return parse(text, {
    delimiter,
    bom: true,
    comment: '#',
    comment_no_infix: true,
    skip_empty_lines: true,
    trim: true,
    info,
    raw: info,
  }) as unknown[];
}

/** 1-based character column of field `field` in one raw CSV line, honouring quotes. */
function fieldColumn(raw: string, field: number, delimiter: string): number {
  let f = 0;
  let quoted = false;
  let i = 0;
  for (; i < raw.length && f < field; i++) {
    const c = raw[i];
    if (c === '"') quoted = !quoted;
    else if (c === delimiter && !quoted) f++;
  }
  // skip the spaces that trim removed
  while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t') && raw[i] !== delimiter) i++;
  return i + 1;
}

/** Finds line:column of record `r`, field `f` by parsing again with positions (only on the error path). */
function locate(text: string, delimiter: string, r: number, f: number): string {
  const records = parseRecords(text, delimiter, true) as { raw: string; info: { lines: number } }[];
  const rec = records[r];
  if (rec === undefined) return '';
  const rawLines = rec.raw.replace(/\r?\n$/, '').split(/\r?\n/);
  const line = rec.info.lines - (rawLines.length - 1);
  return `:${line}:${fieldColumn(rawLines[0], f, delimiter)}`;
}

export function parseCsv(text: string, source: string, options: CsvOptions = {}): Tensor {
  const delimiter = options.delimiter ?? sniffDelimiter(text);
  let records: string[][];
  try {
    records = parseRecords(text, delimiter, false) as string[][];
  } catch (e) {
    const err = e as CsvParseError;
    if (typeof err.code !== 'string' || !err.code.startsWith('CSV_')) throw e;
    const where = err.lines ? `${source}:${err.lines}` : source;
    if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const m = /expect (\d+), got (\d+)/.exec(err.message);
      if (m === null || !err.lines) throw new InputError(where, 'ragged row');
      const expected = Number(m[1]);
      const got = Number(m[2]);
      // the column where the row goes wrong: its first extra field, or its end when fields are missing
      const line = (text.split('\n', err.lines)[err.lines - 1] ?? '').replace(/\r$/, '');
      const column = got > expected ? fieldColumn(line, expected, delimiter) : line.trimEnd().length + 1;
      throw new InputError(`${where}:${column}`, `ragged row: ${got} field${got === 1 ? '' : 's'} where the rows before it have ${expected}`);
    }
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') throw new InputError(where, 'a quoted field is never closed');
    throw new InputError(where, err.message.replace(/^Invalid [^:]*: /, ''));
  }
  let first = 0;
  const hasHeader =
    options.header ?? (records.length > 0 && records[0].every((cell) => parseNumber(cell) === undefined));
  if (hasHeader) first = 1;
  const rows = records.length - first;
  if (records.length === 0) throw new InputError(source, 'no rows: the CSV file is empty');
  const cols = records[0].length;
  const data = new Float64Array(rows * cols);
  let k = 0;
  for (let r = first; r < records.length; r++) {
    const rec = records[r];
    for (let c = 0; c < cols; c++) {
      const cell = rec[c];
      // spaces inside quotes (" 3") are as harmless as the ones outside, which csv-parse trims
      const x = parseNumber(cell.length > 0 && (cell.charCodeAt(0) === 0x20 || cell.charCodeAt(cell.length - 1) === 0x20) ? cell.trim() : cell);
      if (x === undefined) {
        const what = cell === '' ? 'empty cell, expected a number' : `${quote(cell)} is not a number`;
        throw new InputError(`${source}${locate(text, delimiter, r, c)}`, what);
      }
      data[k++] = x;
    }
  }
  return { data, shape: [rows, cols] };
}
