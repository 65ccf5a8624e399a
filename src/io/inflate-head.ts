/**
 * The first bytes of a raw deflate stream, decoded without inflating the rest: enough to read an .npy
 * header inside an .npz member before deciding whether its data may be inflated at all.
 *
 * Format: RFC 1951 (https://www.rfc-editor.org/rfc/rfc1951). The decoder follows Mark Adler's `puff.c`
 * (zlib's contrib/puff), the reference inflater written for clarity: canonical Huffman codes decoded one bit
 * at a time, the same checks on the code-length sets, and zlib's wording for each kind of corrupt data.
 *
 * Why not node:zlib: its synchronous inflate either inflates the whole stream or throws past `maxOutputLength`,
 * and a prefix of the compressed bytes may already hold the corrupt data that follows the header. This decoder
 * stops at the byte asked for, so it reads no compressed byte beyond the ones that make the header, and its
 * output is at most `want` bytes. It is slow (a bit at a time), which does not matter for a few kilobytes.
 */

/** Corrupt or truncated deflate data; `message` is zlib's wording ("invalid block type", ...). */
export class DeflateError extends Error {}

const MAX_BITS = 15;

/** Base lengths and extra bits of the length symbols 257..285, base distances and extra bits of 0..29. */
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which a dynamic block lists the code lengths of the code-length alphabet. */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
  readonly count: Uint16Array;
  readonly symbol: Uint16Array;
}

/**
 * Builds the code for `lengths`; returns it and what is left of the code space: 0 for a complete code,
 * > 0 for an incomplete one, < 0 for an over-subscribed one (puff's `construct`).
 */
function construct(lengths: ArrayLike<number>): { code: Huffman; left: number } {
  const count = new Uint16Array(MAX_BITS + 1);
  const symbol = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) count[lengths[s]]++;
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = left * 2 - count[len];
    if (left < 0) return { code: { count, symbol }, left };
  }
  const offs = new Uint16Array(MAX_BITS + 1);
  for (let len = 1; len < MAX_BITS; len++) offs[len + 1] = offs[len] + count[len];
  for (let s = 0; s < lengths.length; s++) if (lengths[s] !== 0) symbol[offs[lengths[s]]++] = s;
  return { code: { count, symbol }, left };
}

/** The fixed codes of block type 1 (RFC 1951 section 3.2.6). */
const FIXED = (() => {
  const lengths = new Uint8Array(288 + 30);
  lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288).fill(5, 288);
  return { len: construct(lengths.subarray(0, 288)).code, dist: construct(lengths.subarray(288)).code };
})();

/**
 * Decodes `raw` until `want` bytes are out or the final block ends; returns those bytes (fewer than `want`
 * only when the stream ends first).
 *
 * @throws DeflateError when the data is corrupt, or ends without a final block, before `want` bytes.
 */
export function inflateHead(raw: Uint8Array, want: number): Uint8Array {
  return new HeadInflater(raw, want).run();
}

/** The decoder's state: the input and its bit buffer, the output so far. */
class HeadInflater {
  private readonly out: Uint8Array;
  private n = 0;
  private pos = 0;
  private bitBuf = 0;
  private bitCount = 0;

  constructor(
    private readonly raw: Uint8Array,
    private readonly want: number,
  ) {
    this.out = new Uint8Array(want);
  }

  run(): Uint8Array {
    let last = 0;
    while (this.n < this.want && !last) {
      last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(FIXED.len, FIXED.dist);
      else if (type === 2) this.dynamic();
      else fail('invalid block type');
    }
    return this.n === this.want ? this.out : this.out.subarray(0, this.n);
  }

  /** The next `k` bits (at most 16), least significant first. */
  private bits(k: number): number {
    while (this.bitCount < k) {
      if (this.pos >= this.raw.length) fail('unexpected end of file');
      this.bitBuf |= this.raw[this.pos++] << this.bitCount;
      this.bitCount += 8;
    }
    const v = this.bitBuf & ((1 << k) - 1);
    this.bitBuf >>>= k;
    this.bitCount -= k;
    return v;
  }

  /** One symbol, one bit at a time: codes of each length are consecutive integers (puff's `decode`). */
  private decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= this.bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail('invalid code');
  }

  /** Case: a stored block -> LEN, its complement, then LEN bytes as they are. */
  private stored(): void {
    const { raw } = this;
    this.bitBuf = 0;
    this.bitCount = 0;
    if (this.pos + 4 > raw.length) fail('unexpected end of file');
    const len = raw[this.pos] | (raw[this.pos + 1] << 8);
    if ((len ^ (raw[this.pos + 2] | (raw[this.pos + 3] << 8))) !== 0xffff) fail('invalid stored block lengths');
    this.pos += 4;
    const k = Math.min(len, this.want - this.n);
    if (this.pos + k > raw.length) fail('unexpected end of file');
    this.out.set(raw.subarray(this.pos, this.pos + k), this.n);
    this.n += k;
    this.pos += k;
  }

  /** Case: a Huffman-coded block -> literals, and (length, distance) copies of earlier output. */
  private codes(lenCode: Huffman, distCode: Huffman): void {
    const { out, want } = this;
    while (this.n < want) {
      const sym = this.decode(lenCode);
      if (sym < 256) {
        out[this.n++] = sym;
        continue;
      }
      if (sym === 256) return;
      if (sym > 285) fail('invalid literal/length code');
      const len = LEN_BASE[sym - 257] + this.bits(LEN_EXTRA[sym - 257]);
      const d = this.decode(distCode);
      if (d > 29) fail('invalid distance code');
      const dist = DIST_BASE[d] + this.bits(DIST_EXTRA[d]);
      if (dist > this.n) fail('invalid distance too far back');
      for (let i = 0; i < len && this.n < want; i++, this.n++) out[this.n] = out[this.n - dist];
    }
  }

  /** Case: a dynamic block -> the code lengths, themselves Huffman-coded, then the codes (puff's `dynamic`). */
  private dynamic(): void {
    const nLen = this.bits(5) + 257;
    const nDist = this.bits(5) + 1;
    const nCode = this.bits(4) + 4;
    if (nLen > 286 || nDist > 30) fail('too many length or distance symbols');
    const lengths = new Uint8Array(320);
    for (let i = 0; i < nCode; i++) lengths[CL_ORDER[i]] = this.bits(3);
    const cl = construct(lengths.subarray(0, 19));
    if (cl.left !== 0) fail('invalid code lengths set');
    lengths.fill(0);
    for (let i = 0; i < nLen + nDist; ) {
      const sym = this.decode(cl.code);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (sym === 16) {
        if (i === 0) fail('invalid bit length repeat');
        value = lengths[i - 1];
        repeat = 3 + this.bits(2);
      } else repeat = sym === 17 ? 3 + this.bits(3) : 11 + this.bits(7);
      if (i + repeat > nLen + nDist) fail('invalid bit length repeat');
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) fail('invalid code -- missing end-of-block');
    // An incomplete code is allowed only when it is a single code of one bit.
    const single = (c: Huffman, total: number): boolean => total === c.count[0] + c.count[1];
    const len = construct(lengths.subarray(0, nLen));
    if (len.left < 0 || (len.left > 0 && !single(len.code, nLen))) fail('invalid literal/lengths set');
    const dist = construct(lengths.subarray(nLen, nLen + nDist));
    if (dist.left < 0 || (dist.left > 0 && !single(dist.code, nDist))) fail('invalid distances set');
    this.codes(len.code, dist.code);
  }
}

function fail(what: string): never {
  throw new DeflateError(what);
}
