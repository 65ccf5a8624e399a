/**
 * Decimal numbers of 16 to 19 significant digits converted exactly, for the fast CSV scanner
 * (./csv-fast.ts): the mantissa as a double-double, one multiplication or division by an exact power of ten.
 */
import { HOST_LITTLE } from './elements.js';

/** The powers of ten that are exact doubles. */
export const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const SPLIT = 134217729; // 2^27 + 1, Dekker's splitter

/** The exact error a * b - p of the rounded product p = a * b (Dekker's two-product; no fma in JS). */
function productError(a: number, b: number, p: number): number {
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = HOST_LITTLE ? 1 : 0;
/** ULP[e]: the spacing of the doubles whose biased exponent is e (normal ones) */
const ULP = new Float64Array(2047).map((_, e) => 2 ** (e - 1075));

/**
 * (m * 10^lk + lo) * 10^e, correctly rounded, for 16 to 19 significant digits (m < 10^15, lo < 10^lk) and
 * |e| <= 22, or NaN when it cannot tell (then the caller asks Number()). The mantissa is exact as a
 * double-double (it is below 2^64); one multiplication or division by the exact power of ten in
 * double-double arithmetic leaves an error below 2^-100 of the result, so the rounded result r is the
 * correctly rounded value unless the exact value lies within that error of a midpoint between two
 * doubles, which is checked (with a wide margin) and answered by NaN.
 */
export function longMantissa(m: number, lo: number, lk: number, e: number): number {
  if (e < -22 || e > 22) return NaN;
  // M = s + t exactly: p + pe = m * 10^lk, then + lo
  const p = m * POW10[lk];
  const pe = productError(m, POW10[lk], p);
  const s = p + lo;
  const bb = s - p;
  const se = p - (s - bb) + (lo - bb);
  // both errors are integers below 2^12: their sum is exact
  const t = se + pe;
  let r: number;
  let rl: number;
  if (e >= 0) {
    const P = POW10[e];
    const h = s * P;
    const l = productError(s, P, h) + t * P;
    r = h + l;
    rl = l - (r - h);
  } else {
    const P = POW10[-e];
    const q = s / P;
    const p2 = q * P;
    const rem = s - p2 - productError(q, P, p2) + t;
    const q2 = rem / P;
    r = q + q2;
    rl = q2 - (r - q);
  }
  f64[0] = r;
  const hi = u32[HI];
  const ex = (hi >>> 20) & 0x7ff;
  if (ex === 0 || ex === 0x7ff) return NaN;
  const ulp = ULP[ex];
  // below a power of two the doubles are twice as dense
  const powerOfTwo = (hi & 0xfffff) === 0 && u32[1 - HI] === 0;
  const half = (powerOfTwo && rl < 0 ? ulp / 2 : ulp) / 2;
  if (Math.abs(rl) >= half - ulp * 2 ** -40) return NaN;
  return r;
}
