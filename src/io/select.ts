/**
 * Column selectors, in the syntax of xsv/qsv `select`: a comma-separated list of
 *   - names (`logit`), or quoted names for names holding commas, colons or quotes (`"a,b"`, `"say ""hi"""`);
 *   - 1-based indices (`3`);
 *   - ranges of names or indices (`2-5`, `logit_0-logit_9`, `3-` to the last, `-3` from the first);
 *   - globs (`logit_*`, `?` for one character), which keep the file's order.
 * A bare word that is a column's whole name is that column, even when it holds '-' or looks like an index.
 * A table without a header (a headerless CSV file) is selected by index only.
 */
import { InputError, printableName, quote } from '../errors.js';
import { editDistance } from '../core/edit-distance.js';

/** One item of a selector list, parsed. */
export type SelectorItem =
  | { kind: 'name'; name: string; quoted: boolean }
  | { kind: 'range'; from?: string; to?: string }
  | { kind: 'glob'; pattern: string };

/** The error for a selector `text` of the table `where`. */
function selectorError(where: string, text: string, what: string): InputError {
  return new InputError(`${where}:${printableName(text)}`, what);
}

/** Splits a selector into its items: commas split outside quotes; a quoted item is a name. */
export function parseSelector(text: string, where: string): SelectorItem[] {
  const items: SelectorItem[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let name = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw selectorError(where, text, 'unterminated quoted name (a quote inside a name is doubled: "a""b")');
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            name += '"';
            j += 2;
            continue;
          }
          break;
        }
        name += text[j++];
      }
      items.push({ kind: 'name', name, quoted: true });
      i = j + 1;
      if (i < text.length && text[i] !== ',') throw selectorError(where, text, `expected ',' after the quoted name ${quote(name)}`);
    } else {
      let j = text.indexOf(',', i);
      if (j < 0) j = text.length;
      const word = text.slice(i, j);
      if (word === '') throw selectorError(where, text, 'an empty item in the column list');
      items.push(parseWord(word));
      i = j;
    }
    if (i >= text.length) return items;
    i++; // past ','
    if (i >= text.length) throw selectorError(where, text, 'an empty item in the column list');
  }
}

/** One unquoted item: a glob when it holds '*' or '?', a range when it holds '-', else a name. */
function parseWord(word: string): SelectorItem {
  if (/[*?]/.test(word)) return { kind: 'glob', pattern: word };
  const dash = word.indexOf('-');
  if (dash >= 0) {
    const from = word.slice(0, dash);
    const to = word.slice(dash + 1);
    return { kind: 'range', from: from === '' ? undefined : from, to: to === '' ? undefined : to };
  }
  return { kind: 'name', name: word, quoted: false };
}

/** A glob as a regular expression over a whole name: '*' any run, '?' one character. */
function globRegExp(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** The columns of a table as the selector sees them: names, and whether they came from a header. */
export interface SelectableTable {
  readonly where: string;
  readonly names: readonly string[];
  /** false for a headerless CSV file: its columns are selected by index only */
  readonly header: boolean;
}

/** The names the closest to `name` (at most 2 edits, and closer than half its length), for "did you mean". */
function nearest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = editDistance(name.toLowerCase(), n.toLowerCase());
    if (d < bestD && d < Math.max(2, name.length / 2)) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

/** Column names for a message: escaped, the first 12 of them. */
function listColumns(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => quote(n, 40, '"')).join(', ');
  return names.length > 12 ? `${shown}, ... (${names.length} in all)` : shown;
}

/**
 * Resolves a selector against a table's columns -> 0-based column indices, in the order listed (a glob and a
 * range keep the file's order). Errors name the table and the selector.
 */
export function resolveSelector(text: string, table: SelectableTable): number[] {
  const items = parseSelector(text, table.where);
  const fail = (what: string) => selectorError(table.where, text, what);
  const { names } = table;
  const nameIndex = new Map<string, number>();
  if (table.header) names.forEach((n, k) => nameIndex.has(n) || nameIndex.set(n, k));

  // one endpoint or one name -> its 0-based index
  const column = (word: string, quoted: boolean): number => {
    const k = nameIndex.get(word);
    if (k !== undefined) return k;
    if (!quoted && /^[0-9]+$/.test(word)) {
      const n = Number(word);
      if (n < 1 || n > names.length) throw fail(`no column ${word}: the columns are numbered 1 to ${names.length}`);
      return n - 1;
    }
    if (!table.header) throw fail(`the file has no header: select its ${names.length} columns by 1-based index (1, 2-5)`);
    const near = nearest(word, names);
    throw fail(`no column ${quote(word, 80, '"')}${near !== undefined ? ` (did you mean ${quote(near, 80, '"')}?)` : ` (the columns: ${listColumns(names)})`}`);
  };

  const out: number[] = [];
  for (const item of items) {
    if (item.kind === 'name') {
      out.push(column(item.name, item.quoted));
    } else if (item.kind === 'glob') {
      if (!table.header) throw fail(`the file has no header: select its ${names.length} columns by 1-based index (1, 2-5)`);
      const re = globRegExp(item.pattern);
      const hits = names.flatMap((n, k) => (re.test(n) ? [k] : []));
      if (hits.length === 0) throw fail(`${quote(item.pattern, 80, '"')} matches no column (the columns: ${listColumns(names)})`);
      out.push(...hits);
    } else {
      // a whole name holding '-' is that column, not a range
      const whole = `${item.from ?? ''}-${item.to ?? ''}`;
      const k = nameIndex.get(whole);
      if (k !== undefined) {
        out.push(k);
        continue;
      }
      const a = item.from === undefined ? 0 : column(item.from, false);
      const b = item.to === undefined ? names.length - 1 : column(item.to, false);
      if (a <= b) for (let c = a; c <= b; c++) out.push(c);
      else for (let c = a; c >= b; c--) out.push(c);
    }
  }
  return out;
}
