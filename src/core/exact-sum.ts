/**
 * An exact sum of doubles, rounded once at the end: each finite double is an integer number of 2^-1074
 * (the smallest subnormal), so their sum is an integer, held as a BigInt. The order of the terms does not
 * change the result. Meant for a few terms per input (the merge of partial sums), not for every element.
 */

const TWO52 = 2 ** 52;

/** x (finite) as a whole number of 2^-1074, times 2^scale (scale >= -1074 + x's lowest bit: exact). */
function unitsOf(x: number, scale: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (hi & 0xfffff) * 2 ** 32 + view.getUint32(4);
  // subnormals: fraction x 2^-1074; normals: (2^52 + fraction) x 2^(biased - 1075)
  const mantissa = BigInt(biased === 0 ? fraction : TWO52 + fraction);
  const shift = BigInt((biased === 0 ? 0 : biased - 1) + scale);
  const magnitude = shift >= 0n ? mantissa << shift : mantissa >> -shift;
  return hi >>> 31 ? -magnitude : magnitude;
}

/** The double nearest to units x 2^-1074 x 2^scale (ties to even), infinite beyond the largest double. */
function roundUnits(units: bigint, scale: number): number {
  const negative = units < 0n;
  let m = negative ? -units : units;
  // keep 64 bits and fold the rest into a sticky bit: Number() then rounds once, correctly, to 53 bits
  const length = m.toString(2).length;
  let exponent = scale - 1074;
  if (length > 64) {
    const cut = BigInt(length - 64);
    const sticky = (m & ((1n << cut) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> cut) | sticky;
    exponent += length - 64;
  }
  // scaling by powers of two is exact while the result stays normal; results below 2^-1022 come from m < 2^52
  // (exact already), for scale 0
  let v = Number(m);
  while (exponent > 0) {
    const step = Math.min(exponent, 1000);
    v *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0) {
    const step = Math.max(exponent, -1000);
    v *= 2 ** step;
    exponent -= step;
  }
  return negative ? -v : v;
}

/** Adds doubles exactly; NaN and infinities are kept aside, as IEEE addition treats them. */
export class ExactSum {
  private units = 0n;
  private special = 0;

  /** adds x times 2^scale (a power-of-two scale, exactly) */
  add(x: number, scale = 0): void {
    if (x - x === 0) this.units += unitsOf(x, scale);
    else this.special += x;
  }

  /** the sum times 2^scale, rounded once */
  value(scale = 0): number {
    if (this.special !== 0 || this.special !== this.special) return this.special;
    return roundUnits(this.units, scale);
  }

  /** the sum times 2^scale as a pair (hi, lo): hi the rounded sum, lo the rounded rest */
  pair(scale = 0): [number, number] {
    const hi = this.value(scale);
    if (hi - hi !== 0) return [hi, 0];
    const rest = this.units * (scale >= 0 ? 1n << BigInt(scale) : 1n) - unitsOf(hi, scale >= 0 ? 0 : -scale);
    return [hi, roundUnits(rest, scale >= 0 ? 0 : scale)];
  }
}
