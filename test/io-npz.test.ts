/**
 * readNpz against archives written by np.savez / np.savez_compressed (and a hand-laid ZIP64 archive that
 * Python's zipfile reads), the malformed corpus in fixtures/bad/binary (messages pinned), and fuzzing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from './helpers/fuzz.js';
import { crc32, readNpz } from '../src/io/npz.js';
import { GOOD, BAD, expected, failure as failureOf, readsOrRefuses as readsOrRefusesOf, expectTensors } from './helpers/binary.js';

const failure = (name: string): string => failureOf(readNpz, name);
const readsOrRefuses = (bytes: Uint8Array): void => readsOrRefusesOf(() => readNpz(bytes, 'fuzz.npz'));

const npzFixtures = readdirSync(GOOD).filter((f) => f.endsWith('.npz')).sort();

describe('readNpz: archives written by numpy', () => {
  it.each(npzFixtures)('%s', (name) => {
    expectTensors(readNpz(readFileSync(new URL(name, GOOD)), name), expected[name].tensors);
  });

  it('keeps the archive order of the members', () => {
    const got = readNpz(readFileSync(new URL('bundle.npz', GOOD)), 'bundle.npz');
    expect([...got.keys()]).toEqual(['logits', 'targets', 'weight', 'pos_weight']);
  });

  it('reads an archive at an unaligned offset', () => {
    const file = readFileSync(new URL('bundle-compressed.npz', GOOD));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expectTensors(readNpz(shifted.subarray(1), 'x.npz'), expected['bundle-compressed.npz'].tensors);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('readNpz: malformed archives', () => {
  it('archive structure', () => {
    expect(failure('zero-bytes.npz')).toMatchInlineSnapshot(`"zero-bytes.npz: file is empty, expected an .npz archive"`);
    expect(failure('csv.npz')).toMatchInlineSnapshot(`"csv.npz: not a zip archive (.npz): it starts with 6c 6f 67 69 ..."`);
    expect(failure('not-a-zip.npz')).toMatchInlineSnapshot(`"not-a-zip.npz: this is a .npy file, not an .npz archive"`);
    expect(failure('truncated.npz')).toMatchInlineSnapshot(`"truncated.npz: zip archive (.npz) is truncated: its end of central directory record is missing"`);
    expect(failure('bad-cd-offset.npz')).toMatchInlineSnapshot(`"bad-cd-offset.npz: byte 7: central directory entry 1 of 1 is not here (the archive is corrupt)"`);
    expect(failure('duplicate-member.npz')).toMatchInlineSnapshot(`"duplicate-member.npz: byte 488: member 'logits.npy' appears twice in the archive"`);
  });

  it('members', () => {
    expect(failure('bad-crc.npz')).toMatchInlineSnapshot(`"bad-crc.npz:logits.npy: byte 60: CRC-32 mismatch: the data has 0xffd7fb09, the central directory says 0x337dfb97 (the file is corrupt)"`);
    expect(failure('bad-deflate.npz')).toMatchInlineSnapshot(`"bad-deflate.npz:logits.npy: byte 60: corrupt deflate data (invalid block type)"`);
    expect(failure('bad-member.npz')).toMatchInlineSnapshot(`"bad-member.npz:logits.npy: byte 168: file ends early: shape (2, 3) of '<f8' needs 48 bytes of data from byte 128, found 40"`);
    expect(failure('encrypted.npz')).toMatchInlineSnapshot(`"encrypted.npz:logits.npy: member is encrypted"`);
    expect(failure('bzip2.npz')).toMatchInlineSnapshot(`"bzip2.npz:logits.npy: unsupported compression method 12 (bzip2); only stored and deflated members are read"`);
  });

  it('covers every .npz file of the corpus', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const pinned = new Set([...source.matchAll(/failure\('([^']+)'\)/g)].map((m) => m[1]));
    const corpus = readdirSync(BAD).filter((f) => f.endsWith('.npz'));
    expect(corpus.filter((f) => !pinned.has(f))).toEqual([]);
  });
});

describe('readNpz: fuzzing', () => {
  const seeds = ['bundle.npz', 'bundle-compressed.npz', 'zip64.npz', 'bundle-extra.npz'].map(
    (f) => new Uint8Array(readFileSync(new URL(f, GOOD))),
  );

  it('random bytes, with and without an end record', () => {
    const end = [0x50, 0x4b, 0x05, 0x06];
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 18, maxLength: 18 }),
        fc.boolean(),
        (body, tail, withEnd) => {
          readsOrRefuses(withEnd ? new Uint8Array([...body, ...end, ...tail]) : body);
        },
      ),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('mutations and truncations of valid archives', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.boolean(),
        (seed, edits, cut, nearEnd) => {
          const bytes = seed.slice(0, cut === undefined ? seed.length : cut % (seed.length + 1));
          // Half the edits land in the last 120 bytes, where the central directory and end records live.
          for (const [at, value] of edits) {
            if (bytes.length === 0) break;
            const span = nearEnd ? Math.min(bytes.length, 120) : bytes.length;
            bytes[bytes.length - span + (at % span)] = value;
          }
          readsOrRefuses(bytes);
        },
      ),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
