/**
 * Decoding of the two 16-bit float formats found in tensor files, shared by the .npy and safetensors readers.
 *
 * - float16 (IEEE 754-2008 binary16): 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
 * - bfloat16 (Google Brain float): the upper 16 bits of an IEEE binary32: 1 sign, 8 exponent (bias 127), 7 fraction.
 *
 * Every value of either format is exactly representable as a float64, so decoding is exact. NaN payloads are
 * not preserved (JavaScript has one observable NaN).
 */

/** 2^-24: the value of the least significant fraction bit of a float16 subnormal. */
const TWO_M24 = 5.960464477539063e-8;

/**
 * Decodes one float16 given as its 16-bit pattern (0..65535).
 *
 * @example
 * decodeFloat16(0x3c00); // => 1
 * decodeFloat16(0x0001); // => 5.960464477539063e-8 (smallest subnormal)
 * decodeFloat16(0xfc00); // => -Infinity
 */
export function decodeFloat16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  // Case: exponent all zeros -> zero or subnormal, fraction * 2^-24 (the sign keeps -0).
  if (exponent === 0) {
    return sign * fraction * TWO_M24;
  }
  // Case: exponent all ones -> infinity when the fraction is zero, NaN otherwise.
  if (exponent === 0x1f) {
    return fraction === 0 ? sign * Infinity : NaN;
  }
  // Case: normal number, (1 + fraction / 2^10) * 2^(exponent - 15) = (1024 + fraction) * 2^(exponent - 25).
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** Scratch space to reinterpret a bfloat16 as the float32 it truncates. */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * Decodes one bfloat16 given as its 16-bit pattern (0..65535): its bits are the top half of a float32,
 * so zeros, subnormals, infinities and NaN follow from the float32 reading.
 *
 * @example
 * decodeBfloat16(0x3f80); // => 1
 * decodeBfloat16(0xff80); // => -Infinity
 */
export function decodeBfloat16(bits: number): number {
  U32[0] = (bits & 0xffff) << 16;
  return F32[0];
}
