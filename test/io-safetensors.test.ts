/**
 * readSafetensors against files laid out by fixtures/npy/generate.py (values from numpy and torch), the
 * malformed corpus in fixtures/bad/binary (messages pinned), and fuzzing.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from './helpers/fuzz.js';
import { decodeBfloat16 } from '../src/io/float16.js';
import { jsonSyntaxError, readSafetensors } from '../src/io/safetensors.js';
import { GOOD, BAD, expected, failure as failureOf, readsOrRefuses as readsOrRefusesOf, expectTensors } from './helpers/binary.js';

const failure = (name: string): string => failureOf(readSafetensors, name);
const readsOrRefuses = (bytes: Uint8Array): void => readsOrRefusesOf(() => readSafetensors(bytes, 'fuzz.safetensors'));

const fixtures = readdirSync(GOOD).filter((f) => f.endsWith('.safetensors')).sort();

describe('readSafetensors: files following the format', () => {
  it.each(fixtures)('%s', (name) => {
    expectTensors(readSafetensors(readFileSync(new URL(name, GOOD)), name), expected[name].tensors);
  });

  it('keeps the header order of the tensors', () => {
    const got = readSafetensors(readFileSync(new URL('bundle.safetensors', GOOD)), 'bundle.safetensors');
    expect([...got.keys()]).toEqual(['logits', 'targets', 'weight', 'pos_weight']);
  });

  it('reads a file at an unaligned offset', () => {
    const file = readFileSync(new URL('dtypes.safetensors', GOOD));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expectTensors(readSafetensors(shifted.subarray(1), 'x.safetensors'), expected['dtypes.safetensors'].tensors);
  });

  it('decodes all 65536 bfloat16 patterns as torch does', () => {
    const out = new Float64Array(65536);
    let nan = 0;
    for (let h = 0; h < 65536; h++) {
      out[h] = decodeBfloat16(h);
      if (Number.isNaN(out[h])) nan++;
    }
    const words = new Uint32Array(out.buffer);
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(out[h])) [words[2 * h], words[2 * h + 1]] = [0, 0x7ff80000];
    }
    const want = expected['all-bfloat16-patterns'];
    expect({ sha256: createHash('sha256').update(new Uint8Array(out.buffer)).digest('hex'), nan }).toEqual(want);
  });
});

describe('readSafetensors: malformed files', () => {
  it('framing and header', () => {
    expect(failure('st-short.safetensors')).toMatchInlineSnapshot(`"st-short.safetensors: file is 4 bytes, too short for the 8-byte header length of a safetensors file"`);
    expect(failure('st-huge-length.safetensors')).toMatchInlineSnapshot(`"st-huge-length.safetensors: byte 0: header length 1099511627776 is over the format's limit of 100000000 bytes (not a safetensors file?)"`);
    expect(failure('st-length-past-end.safetensors')).toMatchInlineSnapshot(`"st-length-past-end.safetensors: byte 0: header length 1000 runs past the end of the file (89 bytes follow the length)"`);
    expect(failure('st-bad-utf8.safetensors')).toMatchInlineSnapshot(`"st-bad-utf8.safetensors: byte 8: header is not valid UTF-8"`);
    expect(failure('st-bad-json.safetensors')).toMatchInlineSnapshot(`"st-bad-json.safetensors: byte 47: header is not valid JSON: expected a double-quoted property name, found '}'"`);
    expect(failure('st-not-object.safetensors')).toMatchInlineSnapshot(`"st-not-object.safetensors: byte 8: header must be a JSON object starting with '{', found '[1, 2, 3] '"`);
    expect(failure('st-bad-metadata.safetensors')).toMatchInlineSnapshot(`"st-bad-metadata.safetensors: '__metadata__' must be a JSON object of strings"`);
  });

  it('a header JSON.parse refuses: the place and what was expected, in words of our own', () => {
    const cases = ['{"a": 1,}', '{"a" 1}', '{"a": [1, 2}', '{"a": tru}', '{"a": "x\u0001"}', '{"a": "\\q"}', '{"a": "x', '{"a": 1} x', '{', '{"é": 1.}', `${'['.repeat(100000)}x`];
    expect(cases.map((t) => {
      expect(() => JSON.parse(t)).toThrow();
      const { at, expected } = jsonSyntaxError(t);
      return `${at}: ${expected}`;
    })).toMatchInlineSnapshot(`
      [
        "8: a double-quoted property name",
        "5: ':'",
        "11: ',' or ']'",
        "6: a JSON value",
        "8: '"' or a character other than a control character",
        "8: an escape: one of "\\/bfnrt or u and 4 hex digits",
        "8: '"' to end the string",
        "9: the end of the header",
        "1: a double-quoted property name",
        "7: ',' or '}'",
        "100000: a JSON value",
      ]
    `);
  });

  it('tensors', () => {
    expect(failure('st-entry-not-object.safetensors')).toMatchInlineSnapshot(`"st-entry-not-object.safetensors: tensor 'x': must be a JSON object with dtype, shape and data_offsets"`);
    expect(failure('st-missing-dtype.safetensors')).toMatchInlineSnapshot(`"st-missing-dtype.safetensors: tensor 'x': 'dtype' must be a string like "F32", but it is missing"`);
    expect(failure('st-unknown-dtype.safetensors')).toMatchInlineSnapshot(`"st-unknown-dtype.safetensors: tensor 'x': unsupported dtype 'C64' (complex numbers are not losses)"`);
    expect(failure('st-float8.safetensors')).toMatchInlineSnapshot(`"st-float8.safetensors: tensor 'x': unsupported dtype 'F8_E4M3' (float8 is not read; save as F32)"`);
    expect(failure('st-bad-shape.safetensors')).toMatchInlineSnapshot(`"st-bad-shape.safetensors: tensor 'x': 'shape' must be an array of non-negative integers, found [2,-3]"`);
    expect(failure('st-bad-offsets.safetensors')).toMatchInlineSnapshot(`"st-bad-offsets.safetensors: tensor 'x': 'data_offsets' must be [begin, end] with 0 <= begin <= end, found [24,0]"`);
    expect(failure('st-offsets-out-of-range.safetensors')).toMatchInlineSnapshot(`"st-offsets-out-of-range.safetensors: tensor 'x': data_offsets [0, 96] run past the end of the 24-byte data buffer"`);
    expect(failure('st-size-mismatch.safetensors')).toMatchInlineSnapshot(`"st-size-mismatch.safetensors: tensor 'x': shape [2, 2] of F32 needs 16 bytes, but data_offsets [0, 24] hold 24"`);
    expect(failure('st-gap.safetensors')).toMatchInlineSnapshot(`"st-gap.safetensors: tensor 'y': data_offsets [20, 24] should begin at 16, where the previous tensor ends (gaps and overlaps are not allowed)"`);
    expect(failure('st-trailing.safetensors')).toMatchInlineSnapshot(`"st-trailing.safetensors: byte 97: 8 bytes at the end of the data buffer belong to no tensor"`);
  });

  it('covers every .safetensors file of the corpus', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const pinned = new Set([...source.matchAll(/failure\('([^']+)'\)/g)].map((m) => m[1]));
    const corpus = readdirSync(BAD).filter((f) => f.endsWith('.safetensors'));
    expect(corpus.filter((f) => !pinned.has(f))).toEqual([]);
  });
});

/** A safetensors file around a header object, with `data` as its buffer. */
function safetensorsOf(header: unknown, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = new Uint8Array(8);
  new DataView(length.buffer).setUint32(0, json.length, true);
  return new Uint8Array([...length, ...json, ...data]);
}

describe('readSafetensors: bounded header costs', () => {
  it("a header over bce's 16 MiB limit is refused from its length, before it is read", () => {
    const length = new Uint8Array(16);
    new DataView(length.buffer).setUint32(0, 16 * 2 ** 20 + 1, true);
    expect(() => readSafetensors(length, 'x.safetensors')).toThrow(
      "x.safetensors: byte 0: header length 16777217 is over bce's limit of 16777216 bytes (16 MiB) for a safetensors header",
    );
  });

  it('a shape of more than 64 dimensions is refused', () => {
    const bytes = safetensorsOf({ x: { dtype: 'U8', shape: new Array(65).fill(1), data_offsets: [0, 1] } }, Uint8Array.of(7));
    expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow(
      "x.safetensors: tensor 'x': 'shape' has 65 dimensions; a tensor has at most 64",
    );
    const ok = safetensorsOf({ x: { dtype: 'U8', shape: new Array(64).fill(1), data_offsets: [0, 1] } }, Uint8Array.of(7));
    expect(Array.from(readSafetensors(ok, 'x.safetensors').get('x')?.data ?? [])).toEqual([7]);
  });

  it('a shape of two million dimensions is refused in linear time (its size is never multiplied out)', () => {
    // multiplying 2 * 2 * ... as a bigint two million times takes minutes (each product is longer)
    const bytes = safetensorsOf({ x: { dtype: 'U8', shape: new Array(2_000_000).fill(2), data_offsets: [0, 0] } });
    const start = performance.now();
    expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow("'shape' has 2000000 dimensions");
    expect(performance.now() - start).toBeLessThan(5000);
  });
});

describe('readSafetensors: fuzzing', () => {
  const seeds = ['dtypes.safetensors', 'bundle.safetensors'].map((f) => new Uint8Array(readFileSync(new URL(f, GOOD))));
  // Characters that steer the JSON header into its corners.
  const jsonChars = [...'{}[],:" 0123456789-.eE_FUIBL'].map((c) => c.charCodeAt(0));

  it('random bytes, with and without a plausible header length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(320), fc.boolean(), (body, n, withLength) => {
        const bytes = withLength ? new Uint8Array([n & 0xff, n >> 8, 0, 0, 0, 0, 0, 0, ...body]) : body;
        readsOrRefuses(bytes);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('mutations and truncations of valid files', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...jsonChars))), {
          maxLength: 4,
        }),
        fc.option(fc.nat(), { nil: undefined }),
        (seed, edits, cut) => {
          const bytes = seed.slice(0, cut === undefined ? seed.length : cut % (seed.length + 1));
          // Most edits land in the length field and the JSON header, where the structure lives.
          const headerEnd = Math.min(bytes.length, 8 + (seed[0] | (seed[1] << 8)));
          for (const [at, value] of edits) if (headerEnd > 0) bytes[at % headerEnd] = value;
          readsOrRefuses(bytes);
        },
      ),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
