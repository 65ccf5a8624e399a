/**
 * What both CSV engines share: the delimiter sniffing and the wording and place of their errors, so that the
 * fast engine (./csv-fast.ts) and csv-parse (./csv.ts) give the same message at the same line:column.
 */
import { InputError, quote } from '../errors.js';
import { WHITESPACE } from './csv-dialect.js';
import { MAX_NUMBER_CHARS } from './number.js';

/**
 * The delimiter of the first line (of the first 50) that is neither blank nor a comment: comma, else tab,
 * else semicolon, else whitespace runs when the line has inner spaces, else comma.
 */
export function sniffDelimiter(text: string): string {
  for (const line of text.split('\n', 50)) {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (l.includes(',')) return ',';
    if (l.includes('\t')) return '\t';
    if (l.includes(';')) return ';';
    if (l.includes(' ')) return WHITESPACE;
    return ',';
  }
  return ',';
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * 1-based character column of field `field` in one raw CSV line, honouring quotes. With whitespace runs as
 * the delimiter, fields are the runs of other characters.
 */
export function fieldColumn(raw: string, field: number, delimiter: string): number {
  let i = 0;
  if (delimiter === WHITESPACE) {
    while (i < raw.length && isBlank(raw[i])) i++;
    for (let f = 0; f < field && i < raw.length; f++) {
      let quoted = false;
      while (i < raw.length && (quoted || !isBlank(raw[i]))) {
        if (raw[i] === '"') quoted = !quoted;
        i++;
      }
      while (i < raw.length && isBlank(raw[i])) i++;
    }
    return i + 1;
  }
  let f = 0;
  let quoted = false;
  for (; i < raw.length && f < field; i++) {
    const c = raw[i];
    if (c === '"') quoted = !quoted;
    else if (c === delimiter && !quoted) f++;
  }
  // skip the spaces that trim removed
  while (i < raw.length && isBlank(raw[i]) && raw[i] !== delimiter) i++;
  return i + 1;
}

/** The error for a row of `got` fields after rows of `expected`; `line` is its text, without the line end. */
export function raggedError(where: string, line: string, expected: number, got: number, delimiter: string): InputError {
  // the column where the row goes wrong: its first extra field, or its end when fields are missing
  const column = got > expected ? fieldColumn(line, expected, delimiter) : line.trimEnd().length + 1;
  return new InputError(`${where}:${column}`, `ragged row: ${got} field${got === 1 ? '' : 's'} where the rows before it have ${expected}`);
}

/** The error for a cell that is not a number; `cell` is its trimmed text. */
export function cellError(where: string, cell: string): InputError {
  return new InputError(where, cell === '' ? 'empty cell, expected a number' : `${quote(cell)} is not a number`);
}


/** The error for a cell longer than MAX_NUMBER_CHARS bytes; `where` is its file:line:column. */
export function cellTooLong(where: string): InputError {
  return new InputError(where, `cell too long: ${MAX_NUMBER_CHARS + 1}+ bytes, and a number has at most ${MAX_NUMBER_CHARS}`);
}

/** Bytes of UTF-8 for UTF-16 code unit c (a surrogate half counts 2, a pair 4). */
const utf8Bytes = (c: number) => (c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 2 : 3);

/**
 * The first cell longer than MAX_NUMBER_CHARS bytes of UTF-8, measured as the fast engine measures it (from its
 * first character that is not a blank to its delimiter or line end), with the offset of its line; or
 * undefined. Quotes are honoured (a quoted delimiter or line end belongs to the cell) and comment lines
 * skipped. In one linear pass, so that csv-parse is never handed a cell it would take minutes to build.
 */
export function findLongCell(text: string, delimiter: string): { line: number; column: number; lineAt: number } | undefined {
  const ws = delimiter === WHITESPACE;
  const d = ws ? -1 : delimiter.charCodeAt(0);
  const blank = (c: number) => c === 0x20 || (c === 0x09 && d !== 0x09);
  const n = text.length;
  let p = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // the physical line and where it begins, also inside quoted cells
  let line = 1;
  let at = p;
  while (p < n) {
    const lineAt = p;
    while (p < n && blank(text.charCodeAt(p))) p++;
    if (text.charCodeAt(p) === 0x23 /* # */) p = text.indexOf('\n', p) >>> 0;
    for (let end = false; p < n && !end; ) {
      while (p < n && blank(text.charCodeAt(p))) p++;
      const start = { line, column: p - at + 1, lineAt };
      let bytes = 0;
      let quoted = false;
      for (; p < n; p++) {
        const c = text.charCodeAt(p);
        if (c === 0x22) quoted = !quoted;
        else if (!quoted && (c === d || c === 0x0a || c === 0x0d || (ws && blank(c)))) break;
        else if (c === 0x0a) {
          line++;
          at = p + 1;
        }
        bytes += utf8Bytes(c);
        if (bytes > MAX_NUMBER_CHARS) return start;
      }
      const c = text.charCodeAt(p);
      end = p >= n || c === 0x0a || c === 0x0d;
      p++;
      if (c === 0x0d && text.charCodeAt(p) === 0x0a) p++;
    }
    line++;
    at = p;
  }
  return undefined;
}

/**
 * A quoted cell that opens at s[p] ('"'), in the line s[..b) with delimiter code `delim` (-1: whitespace
 * runs): the index of its closing quote (a doubled quote inside is one quote), and where the cell ends (its
 * delimiter, or b); undefined when it does not close on the line or text follows its closing quote.
 */
export function quotedCell(s: Uint8Array, p: number, b: number, delim: number): { close: number; end: number } | undefined {
  let i = p + 1;
  for (;;) {
    const q = s.indexOf(0x22, i);
    if (q < 0 || q >= b) return undefined;
    if (q + 1 < b && s[q + 1] === 0x22) {
      i = q + 2;
      continue;
    }
    let end = q + 1;
    const blank = (c: number) => c === 0x20 || (c === 0x09 && delim !== 0x09);
    if (delim < 0) return end === b || blank(s[end]) ? { close: q, end } : undefined;
    while (end < b && blank(s[end])) end++;
    return end === b || s[end] === delim ? { close: q, end } : undefined;
  }
}
