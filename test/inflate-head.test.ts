/**
 * inflateHead against zlib: the first bytes of every kind of deflate stream zlib writes (stored, fixed and
 * dynamic blocks, each level and strategy) are zlib's own output, bit for bit; corrupt data gives zlib's words;
 * and nothing after the bytes asked for is read.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from './helpers/fuzz.js';
import { DeflateError, inflateHead } from '../src/io/inflate-head.js';
import { FINAL_BLOCK, deflatePart, storedBlocks } from './helpers/npz-build.js';

/** Data of three kinds: random bytes, a small alphabet (long matches), and runs of one byte. */
const data = fc.oneof(
  fc.uint8Array({ maxLength: 5000 }),
  fc.array(fc.constantFrom(0x20, 0x28, 0x31, 0x2c), { maxLength: 20000 }).map((a) => Uint8Array.from(a)),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.nat(200000)).map(([b, n]) => new Uint8Array(n).fill(b)),
);

const option = fc.record({
  level: fc.integer({ min: 0, max: 9 }),
  strategy: fc.constantFrom(constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FILTERED),
});

describe('inflateHead', () => {
  it('gives the first bytes of what zlib inflates, for every level and strategy', () => {
    fc.assert(
      fc.property(data, option, fc.nat(), (bytes, opts, k) => {
        const raw = deflateRawSync(bytes, opts);
        const want = k % (bytes.length + 2);
        const head = inflateHead(raw, want);
        expect(Buffer.from(head).equals(Buffer.from(inflateRawSync(raw).subarray(0, want)))).toBe(true);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('stops at the bytes asked for: corrupt data after them is never read', () => {
    const head = new TextEncoder().encode("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }");
    const raw = Buffer.concat([deflatePart(head), Buffer.from([0x07, 0xff])]);
    expect(new TextDecoder().decode(inflateHead(raw, head.length))).toBe(new TextDecoder().decode(head));
    expect(() => inflateRawSync(raw)).toThrow('invalid block type');
    expect(() => inflateHead(raw, head.length + 1)).toThrow(new DeflateError('invalid block type'));
  });

  it('returns fewer bytes when the stream ends first', () => {
    const raw = Buffer.concat([storedBlocks(Uint8Array.of(1, 2, 3)), FINAL_BLOCK]);
    expect(Array.from(inflateHead(raw, 10))).toEqual([1, 2, 3]);
  });

  it.each([
    ['a reserved block type', [0x07], 'invalid block type'],
    ['stored lengths that do not match', [0x01, 0x05, 0x00, 0x00, 0x00], 'invalid stored block lengths'],
    ['a stream cut short', [0x00, 0x05, 0x00, 0xfa, 0xff, 0x41], 'unexpected end of file'],
    ['no final block', [], 'unexpected end of file'],
    ['a distance before the start', [0x03, 0x02, 0x00], 'invalid distance too far back'],
  ])('corrupt data: %s', (_name, bytes, message) => {
    const raw = Uint8Array.from(bytes);
    expect(() => inflateHead(raw, 100)).toThrow(new DeflateError(message));
    expect(() => inflateRawSync(raw)).toThrow(message);
  });

  it('random bytes: bytes zlib also gives, or an error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(3000), (raw, want) => {
        let head: Uint8Array;
        try {
          head = inflateHead(raw, want);
        } catch (err) {
          expect(err).toBeInstanceOf(DeflateError);
          return;
        }
        // what was decoded is what zlib decodes from the same bytes (it may stop later, at an error)
        let ours: Uint8Array;
        try {
          ours = inflateRawSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
        } catch {
          return;
        }
        expect(Buffer.from(head).equals(Buffer.from(ours.subarray(0, head.length)))).toBe(true);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
