/** The CSV reader: a strict numeric matrix with line:column errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCsv } from '../src/io/csv.js';
import { InputError } from '../src/errors.js';
import type { CsvOptions } from '../src/io/csv-dialect.js';
import { delimiterOf } from '../src/io/csv-dialect.js';

const read = (text: string, options: CsvOptions = {}) => {
  const t = parseCsv(text, 'x.csv', options);
  return { shape: t.shape, data: [...t.data] };
};
const errorOf = (text: string) => {
  try {
    parseCsv(text, 'x.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('CSV matrices', () => {
  it.each([
    ['1,2\n3,4\n', [2, 2], [1, 2, 3, 4]],
    ['1,2\n3,4', [2, 2], [1, 2, 3, 4]],
    ['a,b\n1,2\n', [1, 2], [1, 2]],
    ['\ufeff# a comment\n1;2\r\n3;4\r\n\r\n', [2, 2], [1, 2, 3, 4]],
    ['1\t2\n3\t4\n', [2, 2], [1, 2, 3, 4]],
    ['"1","2"\n" 3",4\n', [2, 2], [1, 2, 3, 4]],
    ['1, 2\n 3 , 4\n', [2, 2], [1, 2, 3, 4]],
    ['NaN,nan,inf,-inf,+Infinity\n', [1, 5], [NaN, NaN, Infinity, -Infinity, Infinity]],
    ['.5,5.,1e-7,-0\n', [1, 4], [0.5, 5, 1e-7, -0]],
    ['0.5\n', [1, 1], [0.5]],
    ['x,y\n', [0, 2], []],
    // numpy.savetxt's default: whitespace runs
    ['1.000000000000000000e+00 2.500000000000000000e-01\n-3.000000000000000000e+00 4.000000000000000000e+00\n', [2, 2], [1, 0.25, -3, 4]],
    ['  1   2 3 \n 4 5  6\n', [2, 3], [1, 2, 3, 4, 5, 6]],
    ['# x y\n  # indented comment\nx y\n\n1 2\n   \n', [1, 2], [1, 2]],
  ])('%j', (text, shape, data) => {
    expect(read(text)).toEqual({ shape, data });
  });

  it('reads back what it writes, bit for bit', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double(), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 20 }), (rows) => {
        const s = (x: number) => (x !== x ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : Object.is(x, -0) ? '-0' : String(x));
        const text = rows.map((r) => r.map(s).join(',')).join('\n');
        const got = read(text).data;
        got.forEach((g, i) => expect(Object.is(g, rows[Math.floor(i / 3)][i % 3]) || (g !== g && rows[Math.floor(i / 3)][i % 3] !== rows[Math.floor(i / 3)][i % 3])).toBe(true));
      }),
    );
  });
});

describe('CSV dialect options', () => {
  it('--header / --no-header override the detection', () => {
    expect(read('1,2\n3,4\n', { header: true })).toEqual({ shape: [1, 2], data: [3, 4] });
    expect(() => read('a,b\n3,4\n', { header: false })).toThrow("x.csv:1:1: 'a' is not a number");
    expect(read('1,2\n3,4\n', { header: false }).shape).toEqual([2, 2]);
  });
  it('--delimiter overrides the sniffing', () => {
    expect(() => read('a,b;c\n1,2;3\n')).toThrow("x.csv:2:3: '2;3' is not a number");
    expect(() => read('a,b;c\n1,2;3\n', { delimiter: ';' })).toThrow("x.csv:2:1: '1,2' is not a number");
    expect(read('1 2\n3 4\n', { delimiter: 'whitespace' }).shape).toEqual([2, 2]);
    expect(read('1\t2\n3\t4\n', { delimiter: 'whitespace' }).shape).toEqual([2, 2]);
  });
  it('names the delimiters', () => {
    expect([',', ';', 'tab', '\\t', '\t', 'space', 'whitespace', 'comma'].map(delimiterOf)).toEqual([',', ';', '\t', '\t', '\t', ' ', 'whitespace', ',']);
    expect(delimiterOf('|')).toBeUndefined();
    expect(delimiterOf('__proto__')).toBeUndefined();
  });
});

describe('CSV errors name line:column', () => {
  it.each([
    ['1,2\n3,abc\n'],
    ['1,2\n3\n'],
    ['1,2\n3,4,5\n'],
    ['1,2\n,4\n'],
    ['1,2\n3,0x10\n'],
    ['1,2\n3,1.5abc\n'],
    ['1,2\n3,1_000\n'],
    ['1,"2\n3,4\n'],
    [''],
    ['# only a comment\n'],
    ['1,2\n3, x \n'],
    ['1 2\n3 4 5\n'],
    ['1 2\n 3\n'],
    ['1 2\n3 x\n'],
    ['# c\n\n1,2\n# c\n3,x\n'],
    ['1,2\r\n\t\r\n3,y\r\n'],
    ['1,2\nx\n3,4,5\n'],
    ['1,2\n3,"4\n5",x\n'],
    ['1,2\n3,4"\n'],
  ])('%j', (text) => {
    expect(errorOf(text)).toMatchSnapshot();
  });
});
