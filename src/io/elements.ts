/**
 * Raw little- or big-endian elements -> Float64Array: the decoding shared by the .npy, .npz and safetensors
 * readers. Floats and integers of up to 32 bits convert exactly; 64-bit integers beyond 2^53 round to the
 * nearest double (ties to even), as NumPy's `astype(np.float64)` does; booleans become 0 or 1.
 */
import { allocateTensor } from './declared.js';
import { decodeBfloat16, decodeFloat16 } from './float16.js';

/** True on little-endian hosts (all platforms Node ships for but s390x). */
export const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float64 in the host's byte order: its bytes are the values, as a Float64Array reads them. */
export function isHostFloat64(type: ElementType): boolean {
  return type.kind === 'f' && type.size === 8 && type.littleEndian === HOST_LITTLE;
}

/** One numeric element type: IEEE float, bfloat16, signed or unsigned integer, or boolean byte. */
export interface ElementType {
  readonly kind: 'f' | 'bf' | 'i' | 'u' | 'b';
  readonly size: 1 | 2 | 4 | 8;
  readonly littleEndian: boolean;
}

/**
 * Decodes `count` elements of `type` starting at `bytes[offset]` into `out` (of `count` elements), else into a
 * new Float64Array. The caller has checked that the bytes are there. `where` names the source in the one error
 * this can raise (not enough memory for the new array).
 *
 * Fast paths: host-order float64 is one byte copy; host-order float32 and integers are one aligned typed-array
 * view (or one aligned copy) and one bulk `Float64Array#set`, with no per-element DataView calls. Only the
 * other byte order (big-endian files) reads element by element through a DataView.
 */
export function decodeElements(
  bytes: Uint8Array,
  offset: number,
  count: number,
  type: ElementType,
  where: string,
  out: Float64Array = allocateTensor([count], where),
): Float64Array {
  const { kind, size } = type;
  const nbytes = count * size;
  // Case: nothing to decode.
  if (count === 0) return out;
  // Case: one-byte types have neither alignment nor byte order.
  if (size === 1) {
    const src = bytes.subarray(offset, offset + count);
    if (kind === 'b') {
      for (let i = 0; i < count; i++) out[i] = src[i] === 0 ? 0 : 1;
    } else if (kind === 'i') {
      out.set(new Int8Array(src.buffer, src.byteOffset, count));
    } else {
      out.set(src);
    }
    return out;
  }
  // Case: float64 already in host order -> copy the bytes straight into the output.
  if (isHostFloat64(type)) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + nbytes));
    return out;
  }
  // Case: the other byte order (big-endian files, in practice) -> DataView reads, which swap as they go.
  if (type.littleEndian !== HOST_LITTLE) {
    return decodeSwapped(new DataView(bytes.buffer, bytes.byteOffset + offset, nbytes), out, type);
  }
  // Otherwise view the elements aligned (copying once if they are not), then convert.
  const raw = aligned(bytes, offset, nbytes, size);
  const buf = raw.buffer;
  const at = raw.byteOffset;
  if (kind === 'f' || kind === 'bf') {
    // Case: float16 / bfloat16 -> decode each 16-bit pattern (exact).
    if (size === 2) {
      const u16 = new Uint16Array(buf, at, count);
      const decode = kind === 'f' ? decodeFloat16 : decodeBfloat16;
      for (let i = 0; i < count; i++) out[i] = decode(u16[i]);
      return out;
    }
    // Case: float32 / float64 -> bulk conversion (float32 -> float64 is exact).
    out.set(size === 4 ? new Float32Array(buf, at, count) : new Float64Array(buf, at, count));
    return out;
  }
  // Case: 16- and 32-bit integers -> bulk conversion (exact).
  if (size === 2) {
    out.set(kind === 'u' ? new Uint16Array(buf, at, count) : new Int16Array(buf, at, count));
    return out;
  }
  if (size === 4) {
    out.set(kind === 'u' ? new Uint32Array(buf, at, count) : new Int32Array(buf, at, count));
    return out;
  }
  // Case: 64-bit integers -> high * 2^32 + low. The product is exact, so the one rounding of the sum
  // gives the nearest double (ties to even), as a C cast does.
  const u32 = new Uint32Array(buf, at, 2 * count);
  const i32 = new Int32Array(buf, at, 2 * count);
  const lo = HOST_LITTLE ? 0 : 1;
  const hi = 1 - lo;
  const high = kind === 'u' ? u32 : i32;
  for (let i = 0; i < count; i++) {
    out[i] = high[2 * i + hi] * 4294967296 + u32[2 * i + lo];
  }
  return out;
}

/** The `nbytes` bytes at `offset`, starting at a multiple of `size`: a view when they already do, else a copy. */
function aligned(bytes: Uint8Array, offset: number, nbytes: number, size: number): Uint8Array {
  const src = bytes.subarray(offset, offset + nbytes);
  if (src.byteOffset % size === 0) return src;
  // Note: `new` + `set`, not `slice`, which on a Node Buffer would be a view again.
  const copy = new Uint8Array(nbytes);
  copy.set(src);
  return copy;
}

/** Decodes multi-byte elements in the byte order opposite to the host's, one DataView read each, into `out`. */
function decodeSwapped(view: DataView, out: Float64Array, type: ElementType): Float64Array {
  const { kind, size, littleEndian: le } = type;
  const n = out.length;
  if (size === 2) {
    // Case: 16-bit floats and integers.
    if (kind === 'f') for (let i = 0; i < n; i++) out[i] = decodeFloat16(view.getUint16(2 * i, le));
    else if (kind === 'bf') for (let i = 0; i < n; i++) out[i] = decodeBfloat16(view.getUint16(2 * i, le));
    else if (kind === 'u') for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, le);
    else for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, le);
  } else if (size === 4) {
    // Case: float32 and 32-bit integers.
    if (kind === 'f') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, le);
    else if (kind === 'u') for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, le);
    else for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, le);
  } else if (kind === 'f') {
    // Case: float64.
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, le);
  } else {
    // Case: 64-bit integers, high * 2^32 + low rounded once (see decodeElements).
    const lo = le ? 0 : 4;
    const hi = 4 - lo;
    for (let i = 0; i < n; i++) {
      const high = kind === 'u' ? view.getUint32(8 * i + hi, le) : view.getInt32(8 * i + hi, le);
      out[i] = high * 4294967296 + view.getUint32(8 * i + lo, le);
    }
  }
  return out;
}
