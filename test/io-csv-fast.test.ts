/** The fast CSV engine against csv-parse: same numbers, same errors, or a clean hand-over. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agrees, csvCase, numberToken, sameOutcome, viaCsvParse, viaFast } from './helpers/csv-fuzz.js';
import type { Outcome } from './helpers/csv-fuzz.js';
import { CsvFallback, CsvScanner, headText, scanNumber as scanBytes, textStart } from '../src/io/csv-fast.js';
import { sniffDelimiter } from '../src/io/csv-grammar.js';
import { parseNumber } from '../src/io/number.js';

/** the scanner's number conversion on the bytes of s[a..b) */
const scanNumber = (s: string, a: number, b: number) => scanBytes(Buffer.from(s, 'latin1'), a, b);

const RUNS = Number(process.env.BCE_FUZZ_RUNS ?? 3000);

describe('fast CSV engine = csv-parse', () => {
  it(`agrees on ${RUNS} fuzzed files`, async () => {
    const tally: Record<string, number> = {};
    await fc.assert(fc.asyncProperty(csvCase, (c) => agrees(c, tally)), { numRuns: RUNS });
    // the property is not vacuous: most files are read by the fast engine, with results and errors both
    if (process.env.BCE_FUZZ_RUNS) console.log(JSON.stringify(tally));
    expect(tally.ok ?? 0).toBeGreaterThan(RUNS / 5);
    expect(tally.error ?? 0).toBeGreaterThan(RUNS / 10);
  });

  it('fed in pieces that end at line ends (as the streaming reader feeds it), the same outcome', async () => {
    await fc.assert(
      fc.asyncProperty(csvCase, fc.array(fc.nat(), { maxLength: 6 }), async (c, cuts) => {
        const bytes = Buffer.from(c.text, 'utf8');
        const whole = await viaFast(bytes, c.dialect);
        if (whole.kind === 'fallback') return true;
        const from = textStart(bytes);
        // no --delimiter: the one the in-memory reader sniffs from the head of the file
        const delimiter = c.dialect.delimiter ?? sniffDelimiter(headText(bytes, from));
        // cut points: just after some of the line ends
        const ends: number[] = [];
        for (let i = bytes.indexOf(0x0a, from); i >= 0; i = bytes.indexOf(0x0a, i + 1)) ends.push(i + 1);
        const at = [...new Set(cuts.filter(() => ends.length > 0).map((k) => ends[k % ends.length]))].sort((a, b) => a - b);
        let got: Outcome;
        try {
          const scanner = new CsvScanner('x.csv', delimiter, c.dialect.header);
          let pos = from;
          for (const end of [...at, bytes.length]) {
            if (end < pos) continue;
            scanner.feed(bytes.subarray(pos, end), 0, end === bytes.length);
            pos = end;
          }
          const { rows, cols } = scanner.finish();
          got = { kind: 'ok', shape: [rows, cols], data: [...scanner.values.subarray(0, rows * cols)] };
        } catch (e) {
          got = e instanceof CsvFallback ? { kind: 'fallback', reason: e.message } : { kind: 'error', message: (e as Error).message };
        }
        expect(sameOutcome(got, whole)).toBe(true);
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it('number tokens: the same verdict and the same bits as the grammar of number.ts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(numberToken, fc.stringMatching(/^[^\s,;"#]{0,12}$/), fc.stringMatching(/^[-+.eE0-9a-zA-Z]{0,25}$/)), async (t) => {
        const want = parseNumber(t);
        let got: number | undefined;
        const cell = `${t}`;
        const r = await viaFast(Buffer.from(`${cell}\n`, 'latin1'), { header: false, delimiter: ',' });
        if (r.kind === 'fallback') return true;
        got = r.kind === 'ok' ? r.data[0] : undefined;
        if (r.kind === 'ok' && r.data.length !== 1) got = undefined;
        expect(got === undefined ? 'bad' : got).toStrictEqual(want === undefined ? 'bad' : want);
        return true;
      }),
      { numRuns: RUNS },
    );
    for (const t of ['1e22', '9007199254740993', '123456789012345e-22', '0.1', '-0', '-0.0e5', '1e-400', '1e400', '.5', '5.', '+.5e-0']) {
      const s = ` ${t} `;
      expect(Object.is(scanNumber(s, 1, s.length - 1), parseNumber(t))).toBe(true);
    }
  });

  it('long mantissas (16 to 19 significant digits): the exact path gives Number()\'s bits', () => {
    const token = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[1-9][0-9]{15,18}$/), fc.nat({ max: 25 }), fc.integer({ min: -30, max: 30 }), fc.boolean())
      .map(([sign, digits, point, exp, withExp]) => {
        const at = Math.min(point, digits.length);
        const body = point > digits.length ? `0.${'0'.repeat(point - digits.length)}${digits}` : `${digits.slice(0, at)}.${digits.slice(at)}`;
        return `${sign}${body}${withExp ? `e${exp}` : ''}`;
      });
    fc.assert(
      fc.property(fc.oneof(token, fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)), fc.double().map((x) => x.toPrecision(17))), (t) => {
        expect(Object.is(scanNumber(t, 0, t.length), Number(t))).toBe(true);
      }),
      { numRuns: RUNS * 10 },
    );
    // near midpoints and powers of two
    for (const t of ['9007199254740993', '9007199254740992.5', '4503599627370495.5', '1.0000000000000001', '0.99999999999999994', '2.2250738585072014e-308', '1.7976931348623157e308', '9999999999999999999', '1000000000000000000e-22', '1234567890123456789e22', '5e-324']) {
      expect(Object.is(scanNumber(t, 0, t.length), Number(t))).toBe(true);
    }
  });

  it.each([
    ['1,2\n3,4\n', { kind: 'ok', shape: [2, 2], data: [1, 2, 3, 4] }],
    ['# c\r\n1;2\r\n\r\n3;4', { kind: 'ok', shape: [2, 2], data: [1, 2, 3, 4] }],
    ['1 2  3\n  4\t5 6 \n', { kind: 'ok', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }],
    ['a b\n1 2\n', { kind: 'ok', shape: [1, 2], data: [1, 2] }],
    ['"1",2\n', { kind: 'fallback' }],
    ['1,2\r\n3,4\n', { kind: 'fallback' }],
  ])('%j', async (text, want) => {
    const got = await viaFast(Buffer.from(text), {});
    expect(got.kind).toBe(want.kind);
    if (want.kind === 'ok') expect(got).toEqual(want);
    expect(viaCsvParse(Buffer.from(text), {}).kind).toBe(text.includes('"') || text.includes('\r\n3') ? 'ok' : want.kind);
  });
});
