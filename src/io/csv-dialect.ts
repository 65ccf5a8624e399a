/**
 * The CSV dialect settings and their names on the command line. Kept apart from the readers so that the
 * options and the CLI can name them without loading csv-parse.
 */

/** The CSV engines: `auto` scans plain numeric files fast and hands anything else to csv-parse. */
export const CSV_ENGINES = ['auto', 'fast', 'csv-parse'] as const;
export type CsvEngine = (typeof CSV_ENGINES)[number];

/** Cells are separated by runs of spaces and tabs, leading and trailing ones ignored (numpy.savetxt, loadtxt). */
export const WHITESPACE = 'whitespace';

/** What --delimiter accepts, and the delimiter each name stands for. */
export const DELIMITER_NAMES: Readonly<Record<string, string>> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  tab: '\t',
  '\\t': '\t',
  '\t': '\t',
  space: ' ',
  ' ': ' ',
  whitespace: WHITESPACE,
};

/** The delimiter a --delimiter value names, or undefined when it names none. */
export function delimiterOf(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(DELIMITER_NAMES, name) ? DELIMITER_NAMES[name] : undefined;
}

export interface CsvOptions {
  /** true: the first row is a header; false: it is data; undefined: a header when none of its cells is a number */
  header?: boolean;
  /** ',', ';', '\t', ' ' or WHITESPACE; undefined: sniffed from the first data line */
  delimiter?: string;
  /** default auto */
  engine?: CsvEngine;
}
