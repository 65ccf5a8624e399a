/** The JSON reader: tensors of any rank, bundles, Python's NaN/Infinity, and exact error places. */
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from './helpers/fuzz.js';
import fc from 'fast-check';
import { parseJson } from '../src/io/json.js';
import { InputError } from '../src/errors.js';

const tensorOf = (text: string) => {
  const d = parseJson(text, 'x.json');
  if (d.kind !== 'tensor') throw new Error('expected a tensor');
  return { shape: d.tensor.shape, data: [...d.tensor.data] };
};
const errorOf = (text: string) => {
  try {
    parseJson(text, 'x.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('JSON tensors', () => {
  it.each([
    ['0.5', [], [0.5]],
    ['[1, 2, 3]', [3], [1, 2, 3]],
    ['[[1, 2], [3, 4]]', [2, 2], [1, 2, 3, 4]],
    ['[[[1], [2]], [[3], [4]]]', [2, 2, 1], [1, 2, 3, 4]],
    ['[]', [0], []],
    ['[[], []]', [2, 0], []],
    [' \n[ 1 ,\t2 ]\r\n', [2], [1, 2]],
    ['[NaN, Infinity, -Infinity]', [3], [NaN, Infinity, -Infinity]],
    ['["NaN", "inf", "-inf", "1.5", "+2", ".5", "5."]', [7], [NaN, Infinity, -Infinity, 1.5, 2, 0.5, 5]],
    ['[1e-7, 1E+3, -0, 0.1]', [4], [1e-7, 1000, -0, 0.1]],
    ['"NaN"', [], [NaN]],
  ])('%s', (text, shape, data) => {
    expect(tensorOf(text)).toEqual({ shape, data });
  });

  it('keeps -0 and reads shortest round-trip numbers exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 50 }), (xs) => {
        const text = `[${xs.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(', ')}]`;
        const got = tensorOf(text).data;
        got.forEach((g, i) => expect(Object.is(g, xs[i])).toBe(true));
      }),
    );
  });

});

describe('JSON bundles', () => {
  it('reads tensors and scalars, in order, with __proto__ as plain data', () => {
    const d = parseJson('{"logits": [[1, 2]], "reduction": "sum", "size_average": null, "__proto__": 1}', 'b.json');
    expect(d.kind).toBe('bundle');
    if (d.kind !== 'bundle') return;
    expect([...d.entries.keys()]).toEqual(['logits', 'reduction', 'size_average', '__proto__']);
    expect(d.entries.get('reduction')).toBe('sum');
    // the key is an entry like any other, not the prototype of anything
    expect(d.entries.get('__proto__')).toBe(1);
    expect(Object.getPrototypeOf(d.entries)).toBe(Map.prototype);
  });
});

describe('JSON errors name the place', () => {
  it.each([
    ['', 'empty'],
    ['[[1, 2], [3]]', 'ragged'],
    ['[[1, 2], 3]', 'number where an array'],
    ['[1, [2]]', 'array where a number'],
    ['[1, "abc"]', 'a string that is not a number'],
    ['[1, true]', 'a boolean'],
    ['[1, null]', 'null'],
    ['[1, {}]', 'an object'],
    ['[1,]', 'a trailing comma'],
    ['[1 2]', 'a missing comma'],
    ['[0x10]', 'hex'],
    ['[1.5abc]', 'trailing junk'],
    ['[1, 2', 'truncated'],
    ['{"logits": [1], "logits": [2]}', 'a duplicate key'],
    ['{"logits": {"a": 1}}', 'a nested object'],
    ['{"logits" [1]}', 'a missing colon'],
    ['[1] [2]', 'two values'],
    ['{"logits": [[1, 2],\n [3, "x"]]}', 'a bad element on line 2'],
  ])('%s (%s)', (text) => {
    expect(errorOf(text)).toMatchSnapshot();
  });

  it('200,000 levels of nesting are refused without a stack overflow', () => {
    const deep = `${'['.repeat(200000)}1${']'.repeat(200000)}`;
    expect(errorOf(deep)).toMatch(/^x\.json:1:65: .*nested deeper than 64 levels/);
  });

  it('never fails with anything but an InputError on mutated input', () => {
    const base = '{"logits": [[0.5, -1.2, 3.0], [1.5, NaN, -0.5]], "targets": [[1, 0, 1], [0, 1, 0]], "reduction": "sum"}';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.length }), fc.integer({ min: 0, max: 8 }), fc.string({ maxLength: 4 }), (at, cut, insert) => {
        const text = base.slice(0, at) + insert + base.slice(at + cut);
        try {
          parseJson(text, 'm.json');
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
