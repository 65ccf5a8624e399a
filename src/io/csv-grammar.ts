/**
 * What both CSV engines share: the delimiter sniffing and the wording and place of their errors, so that the
 * fast engine (./csv-fast.ts) and csv-parse (./csv.ts) give the same message at the same line:column.
 */
import { InputError, quote } from '../errors.js';
import { WHITESPACE } from './csv-dialect.js';

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

