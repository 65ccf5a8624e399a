/**
 * readNpy against files written by real NumPy (fixtures/npy, values in expected.json, compared bit for bit),
 * the malformed corpus in fixtures/bad/binary (messages pinned), and fuzzing.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from './helpers/fuzz.js';
import { decodeFloat16 } from '../src/io/float16.js';
import { readNpy } from '../src/io/npy.js';
import { GOOD, BAD, expected, failure as failureOf, readsOrRefuses as readsOrRefusesOf, expectTensor } from './helpers/binary.js';

const failure = (name: string): string => failureOf(readNpy, name);
const readsOrRefuses = (bytes: Uint8Array): void => readsOrRefusesOf(() => readNpy(bytes, 'fuzz.npy'));

const npyFixtures = readdirSync(GOOD).filter((f) => f.endsWith('.npy')).sort();

describe('readNpy: files written by numpy', () => {
  it('has an expected entry for every fixture', () => {
    expect(npyFixtures.length).toBeGreaterThanOrEqual(36);
    for (const f of npyFixtures) expect(expected[f], f).toBeDefined();
  });

  it.each(npyFixtures)('%s', (name) => {
    expectTensor(readNpy(readFileSync(new URL(name, GOOD)), name), expected[name]);
  });

  it('reads the same values from an unaligned view and from a plain Uint8Array', () => {
    for (const name of ['f8-le.npy', 'f4-le.npy', 'i8-le.npy', 'u4-be.npy', 'f2-le.npy', 'fortran-f8-2x3.npy']) {
      const file = readFileSync(new URL(name, GOOD));
      const shifted = new Uint8Array(file.length + 3);
      shifted.set(file, 3);
      expectTensor(readNpy(shifted.subarray(3), name), expected[name]);
      expectTensor(readNpy(new Uint8Array(file), name), expected[name]);
    }
  });

  it('returns data that does not alias the input bytes', () => {
    const file = new Uint8Array(readFileSync(new URL('f8-le.npy', GOOD)));
    const t = readNpy(file, 'f8-le.npy');
    file.fill(0);
    expectTensor(t, expected['f8-le.npy']);
  });

  it('decodes all 65536 float16 patterns as numpy does', () => {
    const out = new Float64Array(65536);
    let nan = 0;
    for (let h = 0; h < 65536; h++) {
      out[h] = decodeFloat16(h);
      if (Number.isNaN(out[h])) nan++;
    }
    const words = new Uint32Array(out.buffer);
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(out[h])) [words[2 * h], words[2 * h + 1]] = [0, 0x7ff80000];
    }
    const want = expected['all-float16-patterns'];
    expect({ sha256: createHash('sha256').update(new Uint8Array(out.buffer)).digest('hex'), nan }).toEqual(want);
  });
});

/** A version 1.0 .npy file around a header text and the float64 values 1.5, -2, 0.25. */
function npyWith(header: string): Uint8Array {
  const data = new Uint8Array(new Float64Array([1.5, -2, 0.25]).buffer);
  const text = new TextEncoder().encode(header);
  return new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8, ...text, ...data]);
}

describe('readNpy: header spellings that numpy accepts', () => {
  it.each([
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
    "{'shape': (3,), 'descr': '<f8', 'fortran_order': False}",
    '{"descr": "<f8", "fortran_order": False, "shape": (3,)}',
    "{'descr':'<f8','fortran_order':False,'shape':(3,)}",
    "\t{ 'descr' : '<f8' ,\n 'fortran_order' : True , 'shape' : ( 3 , ) , }  \n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }",
    "{'descr': '=f8', 'fortran_order': False, 'shape': (3,), }",
    "{'descr': 'f8', 'fortran_order': False, 'shape': (+3,), }",
  ])('%s', (header) => {
    const t = readNpy(npyWith(header), 'x.npy');
    expect(t.shape).toEqual([3]);
    expect(Array.from(t.data)).toEqual([1.5, -2, 0.25]);
  });

  it('a parenthesised value is not a tuple: (3) is 3, a bad shape', () => {
    expect(() => readNpy(npyWith("{'descr': '<f8', 'fortran_order': False, 'shape': (3)}"), 'x.npy')).toThrow(
      "x.npy: bad .npy header: 'shape' must be a tuple of non-negative integers like (2, 3), found 3",
    );
  });
});

describe('readNpy: malformed files', () => {
  it('framing', () => {
    expect(failure('empty.npy')).toMatchInlineSnapshot(`"empty.npy: file is empty, expected a .npy file"`);
    expect(failure('bad-magic.npy')).toMatchInlineSnapshot(`"bad-magic.npy: byte 0: not a .npy file: expected the magic \\x93NUMPY, found 30 2e 35 2c 2d 31 2e 30 ..."`);
    expect(failure('truncated-magic.npy')).toMatchInlineSnapshot(`"truncated-magic.npy: byte 4: file ends after 4 bytes, inside the .npy magic string"`);
    expect(failure('bad-version.npy')).toMatchInlineSnapshot(`"bad-version.npy: byte 6: unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are read)"`);
    expect(failure('truncated-length.npy')).toMatchInlineSnapshot(`"truncated-length.npy: byte 9: file ends after 9 bytes, inside the header length"`);
    expect(failure('truncated-header.npy')).toMatchInlineSnapshot(`"truncated-header.npy: byte 40: file ends inside the header, which declares 118 bytes from byte 10"`);
    expect(failure('truncated-data.npy')).toMatchInlineSnapshot(`"truncated-data.npy: byte 168: file ends early: shape (2, 3) of '<f8' needs 48 bytes of data from byte 128, found 40"`);
    expect(failure('trailing-bytes.npy')).toMatchInlineSnapshot(`"trailing-bytes.npy: byte 176: 5 unexpected bytes after the data (shape (2, 3) of '<f8' needs 48 bytes)"`);
    expect(failure('header-too-large.npy')).toMatchInlineSnapshot(`"header-too-large.npy: header is 10001 bytes long; numpy refuses headers over 10000 characters as unsafe to load"`);
    expect(failure('bad-utf8-v3.npy')).toMatchInlineSnapshot(`"bad-utf8-v3.npy: header of a version 3.0 file is not valid UTF-8"`);
  });

  it('header dict', () => {
    expect(failure('bad-dict.npy')).toMatchInlineSnapshot(`"bad-dict.npy: byte 19: bad .npy header: expected ':' after a dict key, found "'<f8', 'fo""`);
    expect(failure('unclosed-dict.npy')).toMatchInlineSnapshot(`"unclosed-dict.npy: byte 65: bad .npy header: expected ',' or '}' in the dict, found the end of the header"`);
    expect(failure('unclosed-string.npy')).toMatchInlineSnapshot(`"unclosed-string.npy: byte 27: bad .npy header: expected ',' or '}' in the dict, found 'fortran_or'"`);
    expect(failure('not-a-dict.npy')).toMatchInlineSnapshot(`"not-a-dict.npy: byte 10: bad .npy header: expected a dict like {'descr': '<f8', 'fortran_order': False, 'shape': (3,)}, found "('<f8', Fa""`);
    expect(failure('junk-after-dict.npy')).toMatchInlineSnapshot(`"junk-after-dict.npy: byte 66: bad .npy header: unexpected text after the dict: 'x\\n'"`);
    expect(failure('bad-name.npy')).toMatchInlineSnapshot(`"bad-name.npy: byte 44: bad .npy header: expected a value, found the name 'false'"`);
    expect(failure('bad-fortran.npy')).toMatchInlineSnapshot(`"bad-fortran.npy: bad .npy header: 'fortran_order' must be True or False, found 'yes'"`);
    expect(failure('fortran-int.npy')).toMatchInlineSnapshot(`"fortran-int.npy: bad .npy header: 'fortran_order' must be True or False, found 0"`);
    expect(failure('missing-key.npy')).toMatchInlineSnapshot(`"missing-key.npy: bad .npy header: no 'shape' key"`);
    expect(failure('extra-key.npy')).toMatchInlineSnapshot(`"extra-key.npy: byte 66: bad .npy header: unexpected key 'x' (the keys are 'descr', 'fortran_order' and 'shape')"`);
    expect(failure('duplicate-key.npy')).toMatchInlineSnapshot(`"duplicate-key.npy: byte 27: bad .npy header: key 'descr' appears twice"`);
    expect(failure('list-shape.npy')).toMatchInlineSnapshot(`"list-shape.npy: bad .npy header: 'shape' must be a tuple of non-negative integers like (2, 3), found [2, 3]"`);
    expect(failure('negative-shape.npy')).toMatchInlineSnapshot(`"negative-shape.npy: bad .npy header: 'shape' must be a tuple of non-negative integers like (2, 3), found (-6,)"`);
    expect(failure('float-shape.npy')).toMatchInlineSnapshot(`"float-shape.npy: bad .npy header: 'shape' must be a tuple of non-negative integers like (2, 3), found (6.0,)"`);
    expect(failure('huge-shape.npy')).toMatchInlineSnapshot(`"huge-shape.npy: byte 140: file ends early: shape (100000000000, 100000000000) of '<f8' needs 80000000000000000000000 bytes of data from byte 92, found 48"`);
    expect(failure('deep-nesting.npy')).toMatchInlineSnapshot(`"deep-nesting.npy: byte 76: bad .npy header: values nested too deeply"`);
    expect(failure('bad-descr-type.npy')).toMatchInlineSnapshot(`"bad-descr-type.npy: bad .npy header: 'descr' must be a type string like '<f8', found 8"`);
    expect(failure('unknown-dtype.npy')).toMatchInlineSnapshot(`"unknown-dtype.npy: unsupported dtype '<q8' (expected a numpy type string like '<f8', '<i4' or '|b1')"`);
  });

  it('an absurd header length is refused from the preamble, before the header is read', () => {
    const v2 = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0x7f, 0x7b]);
    expect(() => readNpy(v2, 'x.npy')).toThrow(
      'x.npy: header is 2147483647 bytes long; numpy refuses headers over 10000 characters as unsafe to load',
    );
    // version 3.0 counts characters of UTF-8: up to 4 bytes each
    const v3 = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0, 0x41, 0x9c, 0, 0, 0x7b]);
    expect(() => readNpy(v3, 'x.npy')).toThrow('x.npy: header is 40001 bytes long; numpy refuses headers over 10000 characters');
  });

  it('dtypes written by np.save that are not read', () => {
    expect(failure('complex.npy')).toMatchInlineSnapshot(`"complex.npy: unsupported dtype '<c16' (complex numbers are not losses)"`);
    expect(failure('object.npy')).toMatchInlineSnapshot(`"object.npy: unsupported dtype '|O' (Python objects need pickle, which bce never runs)"`);
    expect(failure('unicode.npy')).toMatchInlineSnapshot(`"unicode.npy: unsupported dtype '<U3' (strings are not numbers)"`);
    expect(failure('bytes.npy')).toMatchInlineSnapshot(`"bytes.npy: unsupported dtype '|S3' (strings are not numbers)"`);
    expect(failure('structured.npy')).toMatchInlineSnapshot(`"structured.npy: unsupported structured dtype [('logit', '<f8'), ('target', '<f8')] (only plain numeric arrays are read)"`);
    expect(failure('datetime.npy')).toMatchInlineSnapshot(`"datetime.npy: unsupported dtype '<M8[D]' (dates and durations are not numbers)"`);
    expect(failure('long-double.npy')).toMatchInlineSnapshot(`"long-double.npy: unsupported dtype '<f16' (only float16, float32, float64, int8-int64, uint8-uint64 and bool are read; save as float64)"`);
  });

  it('covers every .npy file of the corpus', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const pinned = new Set([...source.matchAll(/failure\('([^']+)'\)/g)].map((m) => m[1]));
    const corpus = readdirSync(BAD).filter((f) => f.endsWith('.npy'));
    expect(corpus.filter((f) => !pinned.has(f))).toEqual([]);
  });
});

describe('readNpy: fuzzing', () => {
  const seeds = [
    'f8-le.npy',
    'f2-be.npy',
    'i8-be.npy',
    'b1.npy',
    'fortran-f4be-2x3x4.npy',
    'v3.npy',
    'scalar.npy',
    'empty-2x0x3.npy',
  ].map((f) => new Uint8Array(readFileSync(new URL(f, GOOD))));
  const magic = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  // Characters that steer the header parser into its corners.
  const headerChars = [..."{}()[],:'\" \n0123456789-+.LeTrueFalsNonfc<>|=ibu"].map((c) => c.charCodeAt(0));

  it('random bytes, with and without the magic', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        (tail, withMagic, major) => {
          readsOrRefuses(withMagic ? new Uint8Array([...magic, major, 0, ...tail]) : tail);
        },
      ),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('mutations and truncations of valid files', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...headerChars))), {
          maxLength: 4,
        }),
        fc.option(fc.nat(), { nil: undefined }),
        (seed, edits, cut) => {
          const bytes = seed.slice(0, cut === undefined ? seed.length : cut % (seed.length + 1));
          for (const [at, value] of edits) if (bytes.length > 0) bytes[at % Math.min(bytes.length, 140)] = value;
          readsOrRefuses(bytes);
        },
      ),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
