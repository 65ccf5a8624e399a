/** The CSV reader: a strict numeric matrix with line:column errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCsv } from '../src/io/csv.js';
import { InputError } from '../src/errors.js';

const read = (text: string) => {
  const t = parseCsv(text, 'x.csv');
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
  ])('%j', (text) => {
    expect(errorOf(text)).toMatchSnapshot();
  });
});
