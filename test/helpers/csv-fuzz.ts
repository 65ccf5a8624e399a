/**
 * Fuzzed CSV files and the two engines side by side: the fast scanner (src/io/csv-fast.ts) must give the
 * same numbers and the same error messages as csv-parse (src/io/csv.ts), or hand the file over (CsvFallback).
 * Shared by test/io-csv-fast.test.ts and the longer run of bin/fuzz-csv.mjs.
 */
import fc from 'fast-check';
import { CsvFallback } from '../../src/io/csv-fast.js';
import { readCsvBytes } from '../../src/io/csv-source.js';
import { parseCsv } from '../../src/io/csv.js';
import { InputError } from '../../src/errors.js';

export type Outcome =
  | { kind: 'ok'; shape: number[]; data: number[] }
  | { kind: 'error'; message: string }
  | { kind: 'fallback'; reason: string };

export interface Dialect {
  delimiter?: string;
  header?: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

type Read = { data: Float64Array; shape: readonly number[] };

function failed(e: unknown): Outcome {
  if (e instanceof CsvFallback) return { kind: 'fallback', reason: e.message };
  if (e instanceof InputError) return { kind: 'error', message: e.message };
  throw e;
}
const ok = (t: Read): Outcome => ({ kind: 'ok', shape: [...t.shape], data: [...t.data] });

function outcome(f: () => Read): Outcome {
  try {
    return ok(f());
  } catch (e) {
    return failed(e);
  }
}

export const viaFast = (bytes: Uint8Array, d: Dialect): Promise<Outcome> => readCsvBytes(bytes, 'x.csv', d).then(ok, failed);
export const viaCsvParse = (bytes: Uint8Array, d: Dialect): Outcome => outcome(() => parseCsv(decoder.decode(bytes), 'x.csv', d));

/** Same outcome, numbers compared bit for bit (NaN equals NaN, -0 differs from 0). */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'error' && b.kind === 'error') return a.message === b.message;
  if (a.kind === 'ok' && b.kind === 'ok') {
    return a.shape.join() === b.shape.join() && a.data.length === b.data.length && a.data.every((x, i) => Object.is(x, b.data[i]));
  }
  return true;
}

const SPECIALS = ['nan', 'NaN', 'inf', '-inf', '+Infinity', 'INF', '-nan', 'infinity', 'Inf'];
const JUNK = ['', 'abc', '0x10', '1_000', '1.5abc', '1e', 'e5', '.', '+', '-', '1..2', '1e+', '--1', 'x y', '1 2', '½', 'é1', '\u00a01', '1#', '#1', 'nan1', 'infinit', '0b1', '1,5'];

/** One numeric token, in the forms scripts and spreadsheets write. */
export const numberToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)) },
  { weight: 3, arbitrary: fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: 0, max: 9 })).map(([x, d]) => x.toFixed(d)) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toExponential(17)) },
  { weight: 2, arbitrary: fc.integer({ min: -1000000, max: 1000000 }).map(String) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{0,20}$/), fc.constantFrom('', '.'), fc.stringMatching(/^\d{0,20}$/), fc.constantFrom('', 'e', 'E', 'e-', 'e+'), fc.stringMatching(/^\d{0,4}$/))
      .map(([s, a, p, b, e, x]) => s + a + p + b + (e ? e + x : '')),
  },
  { weight: 1, arbitrary: fc.constantFrom(...SPECIALS) },
);


const pad = fc.constantFrom('', '', '', ' ', '  ', '\t', ' \t');

export interface FuzzCase {
  text: string;
  dialect: Dialect;
}

/** A file: a numeric matrix in some dialect, with random mutations (junk, ragged rows, quotes, comments...). */
export const csvCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    rows: fc.array(fc.array(numberToken, { minLength: 1, maxLength: 5 }), { minLength: 0, maxLength: 7 }),
    cols: fc.integer({ min: 1, max: 5 }),
    ragged: fc.integer({ min: 0, max: 30 }),
    delim: fc.constantFrom(',', ',', ';', '\t', ' ', '  '),
    header: fc.option(fc.array(fc.constantFrom('a', 'b', 'loss', 'x y', 'a', 'b', '"q"', '1', 'nan', ''), { minLength: 1, maxLength: 5 }), { freq: 2 }),
    eol: fc.constantFrom('\n', '\n', '\n', '\n', '\n', '\n', '\r\n', '\r\n', '\r\n', '\r'),
    bom: fc.constantFrom(false, false, false, true),
    trailing: fc.constantFrom('', '\n', '\n\n', ' \n'),
    pads: fc.array(pad, { minLength: 40, maxLength: 40 }),
    extra: fc.array(fc.tuple(fc.nat(), fc.constantFrom('# comment', '', '   ', '#', ' # indented', '# "quoted"', '\t', '"1"', '1,"2"', 'x', '\u00e9', '1\r2', '\f')), { maxLength: 2 }),
    quoteCell: fc.integer({ min: 0, max: 150 }),
    junk: fc.array(fc.tuple(fc.nat({ max: 40 }), fc.constantFrom(...JUNK)), { maxLength: 2 }),
    clean: fc.boolean(),
    forceHeader: fc.constantFrom(undefined, undefined, true, false),
    giveDelimiter: fc.boolean(),
  })
  .map((r) => {
    const sep = r.delim === '  ' ? ' ' : r.delim;
    const ws = r.delim === ' ' || r.delim === '  ';
    let k = 0;
    const padOf = () => (ws ? (r.pads[k++ % 40] === '' ? '' : ' ') : r.pads[k++ % 40]);
    const lines: string[] = [];
    if (r.header && !(r.clean && r.header.some((h) => h.includes('"')))) lines.push(r.header.join(ws ? r.delim : sep));
    r.rows.forEach((row, i) => {
      // most rows have the same number of cells; r.ragged picks one to leave ragged
      const cells = i === r.ragged && !r.clean ? row : Array.from({ length: r.cols }, (_, c) => row[c % row.length]);
      if (!r.clean) for (const [at, junk] of r.junk) if (Math.floor(at / 5) === i && at % 5 < cells.length) cells[at % 5] = junk;
      lines.push(
        cells
          .map((c, j) => {
            const quoted = r.quoteCell === i * 5 + j && !r.clean ? `"${c}"` : c;
            return padOf() + quoted + padOf();
          })
          .join(ws ? r.delim : sep),
      );
    });
    if (!r.clean) for (const [at, line] of r.extra) lines.splice(at % (lines.length + 1), 0, line);
    const text = (r.bom ? '\ufeff' : '') + lines.join(r.eol) + r.trailing.replace('\n', r.eol);
    const dialect: Dialect = {};
    if (r.giveDelimiter) dialect.delimiter = ws ? 'whitespace' : sep;
    if (r.forceHeader !== undefined) dialect.header = r.forceHeader;
    return { text, dialect };
  });

/** Property: the fast engine agrees with csv-parse, or hands the file over. Counts what happened. */
export async function agrees(c: FuzzCase, tally?: Record<string, number>): Promise<boolean> {
  const bytes = Buffer.from(c.text, 'utf8');
  const fast = await viaFast(bytes, c.dialect);
  if (tally) tally[fast.kind] = (tally[fast.kind] ?? 0) + 1;
  if (tally && fast.kind === 'fallback') tally[fast.reason] = (tally[fast.reason] ?? 0) + 1;
  if (fast.kind === 'fallback') return true;
  const ref = viaCsvParse(bytes, c.dialect);
  if (!sameOutcome(fast, ref)) {
    throw new Error(`engines differ on ${JSON.stringify(c.text)} ${JSON.stringify(c.dialect)}:\nfast ${JSON.stringify(fast)}\ncsv-parse ${JSON.stringify(ref)}`);
  }
  return true;
}
