/**
 * CSV reader (csv-parse): a rank-2 matrix, rows as samples and columns as classes. The reference engine:
 * ./csv-fast.ts scans plain numeric files faster and must agree with this one on every number and every error.
 *
 * Cells are parsed to strings by csv-parse, then converted in one strict pass with the grammar of
 * ./number.ts: no empty cells, no hex, no trailing junk; NaN, nan, inf and -inf are accepted.
 * Dialect: comma, tab, semicolon or whitespace-run delimiter (sniffed from the first data line), `#` comment
 * lines, a UTF-8 BOM, CRLF, quoted numbers, spaces around cells, blank lines. The first row is a header
 * when none of its cells is a number (CsvOptions.header overrides).
 */
import { parse } from 'csv-parse/sync';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../errors.js';
import { parseNumber } from './number.js';
import { WHITESPACE } from './csv-dialect.js';
import type { CsvOptions } from './csv-dialect.js';

import { cellError, cellTooLong, fieldColumn, findLongCell, raggedError, sniffDelimiter } from './csv-grammar.js';

export type { CsvOptions } from './csv-dialect.js';
export { cellError, fieldColumn, raggedError, sniffDelimiter };

interface CsvParseError extends Error {
  code?: string;
  lines?: number;
  column?: number | string;
}

function parseRecords(text: string, delimiter: string, info: boolean): unknown[] {
  const ws = delimiter === WHITESPACE;
  return parse(text, {
    delimiter: ws ? [' ', '\t'] : delimiter,
    bom: true,
    comment: '#',
    comment_no_infix: true,
    skip_empty_lines: true,
    trim: true,
    // whitespace runs give empty fields, dropped below; the field count is checked here instead
    relax_column_count: ws,
    info,
    raw: info,
  }) as unknown[];
}

/** Finds line:column of record `r`, field `f` by parsing again with positions (only on the error path). */
function locate(text: string, delimiter: string, r: number, f: number): string {
  const input = delimiter === WHITESPACE ? text.replace(/^[ \t]*(?:#[^\r\n]*)?$/gm, '') : text;
  const records = parseRecords(input, delimiter, true) as { record: string[]; info: { lines: number } }[];
  const rec = records[r];
  if (rec === undefined) return '';
  // info.lines is the record's last line; quoted line ends inside its cells tell how many lines it spans
  let inner = 0;
  for (const cell of rec.record) inner += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  const line = rec.info.lines - inner;
  return `:${line}:${fieldColumn(lineOf(text, line), f, delimiter)}`;
}

/** The text of 1-based line `n`, without its line end. */
function lineOf(text: string, n: number): string {
  return (text.split('\n', n)[n - 1] ?? '').replace(/\r$/, '');
}

/**
 * Whitespace runs: csv-parse splits at every space and tab; the empty fields between them are dropped as each
 * record is read, and the field count is checked there too, so errors come in the file's order.
 */
function whitespaceRecords(text: string, source: string): string[][] {
  // blank lines and comment lines become empty lines (which csv-parse skips), so that a leading space or tab,
  // a delimiter to csv-parse, does not turn them into records; line numbers and columns stay as they were
  let expected = -1;
  return parse(text.replace(/^[ \t]*(?:#[^\r\n]*)?$/gm, ''), {
    delimiter: [' ', '\t'],
    bom: true,
    comment: '#',
    comment_no_infix: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
    on_record: (record: string[], context: { lines: number }) => {
      const cells = record.filter((cell) => cell !== '');
      if (expected < 0) expected = cells.length;
      else if (cells.length !== expected) {
        throw raggedError(`${source}:${context.lines}`, lineOf(text, context.lines), expected, cells.length, WHITESPACE);
      }
      return cells;
    },
  }) as string[][];
}

/** The records of a CSV text as strings, csv-parse's errors worded as the fast engine words them. */
export function readRecords(text: string, source: string, delimiter: string): string[][] {
  try {
    return delimiter === WHITESPACE ? whitespaceRecords(text, source) : (parseRecords(text, delimiter, false) as string[][]);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as CsvParseError;
    // csv-parse's errors: CsvError, with codes like CSV_QUOTE_NOT_CLOSED (and INVALID_OPENING_QUOTE, unprefixed)
    if (typeof err.code !== 'string' || !/^[A-Z_]+$/.test(err.code)) throw e;
    const where = err.lines ? `${source}:${err.lines}` : source;
    if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const m = /expect (\d+), got (\d+)/.exec(err.message);
      if (m === null || !err.lines) throw new InputError(where, 'ragged row');
      throw raggedError(where, lineOf(text, err.lines), Number(m[1]), Number(m[2]), delimiter);
    }
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') throw new InputError(where, 'a quoted field is never closed');
    if (err.code === 'INVALID_OPENING_QUOTE') throw new InputError(where, 'a double quote inside a field that is not quoted');
    throw new InputError(where, err.message.replace(/^Invalid [^:]*: /, ''));
  }
}

export function parseCsv(text: string, source: string, options: CsvOptions = {}): Tensor {
  const delimiter = options.delimiter ?? sniffDelimiter(text);
  const long = findLongCell(text, delimiter);
  if (long !== undefined) {
    // the lines before it are read first, for their errors, as the fast engine meets them in the file's order
    readRecords(text.slice(0, long.lineAt), source, delimiter);
    throw cellTooLong(`${source}:${long.line}:${long.column}`);
  }
  const records = readRecords(text, source, delimiter);
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
      if (x === undefined) throw cellError(`${source}${locate(text, delimiter, r, c)}`, cell);
      data[k++] = x;
    }
  }
  return { data, shape: [rows, cols] };
}
