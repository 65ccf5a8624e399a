/**
 * The pure core of `bce verify`: an element-wise comparison that mirrors `torch.testing.assert_close`
 * (PyTorch 1.13, torch/testing/_comparison.py), and rounding to the dtype PyTorch computed in.
 * No I/O, no colour: the result is a structured `Comparison`; src/format/verify-report.ts words it.
 *
 * What assert_close does, and this module copies (checked against fixtures/verify/assert_close.json):
 *   - Shapes are compared first; a difference is reported before any value.
 *   - Element i matches when  got == expected,  or both are NaN and equal_nan is set,  or (unless
 *     rtol = atol = 0)  |got - expected| is finite and  <= atol + |rtol * expected|  (torch.isclose).
 *     So infinities match only when equal, and NaN never matches without equal_nan.
 *   - A 0-d tensor (a scalar) gets the scalar report: the absolute difference |got - expected| and the
 *     relative difference abs / |expected|, which is inf when expected == 0 (even when abs is NaN).
 *   - Any other shape gets the tensor report: the number of mismatched elements, and the greatest
 *     absolute and relative differences taken over the MISMATCHED elements only (matched ones are set to 0
 *     first), where relative = abs / |expected| (x / 0 = inf, inf / inf = NaN). The maximum is torch.max
 *     along a flattened tensor: NaN wins over any number, and among equal values the first index wins.
 *     The index is unravelled row-major into one coordinate per dimension.
 *   - An empty tensor always matches.
 */
import { UsageError } from '../errors.js';
import type { Tensor } from './tensor.js';
import { sameShape, unravelIndex } from './tensor.js';

/** The floating dtypes PyTorch may have computed in. */
export type Dtype = 'float16' | 'bfloat16' | 'float32' | 'float64';

export const DTYPES: readonly Dtype[] = ['float16', 'bfloat16', 'float32', 'float64'];

export function isDtype(s: string): s is Dtype {
  return (DTYPES as readonly string[]).includes(s);
}

export interface Tolerances {
  readonly rtol: number;
  readonly atol: number;
}

export interface CompareOptions extends Tolerances {
  /** NaN matches NaN. */
  readonly equalNan: boolean;
}

/** assert_close's default tolerances by dtype (torch.testing._comparison._DTYPE_PRECISIONS). */
export const DEFAULT_TOLERANCES: Readonly<Record<Dtype, Tolerances>> = {
  float16: { rtol: 1e-3, atol: 1e-5 },
  bfloat16: { rtol: 1.6e-2, atol: 1e-5 },
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
};

/**
 * The tolerances to use: the dtype's defaults, or both overrides. As in assert_close, giving only one of
 * rtol/atol is an error (atol = 0 alone would silently keep a loose rtol), and negative or NaN values are
 * refused (torch.isclose: "rtol must be greater than or equal to zero").
 */
export function resolveTolerances(dtype: Dtype, rtol?: number, atol?: number): Tolerances {
  if ((rtol === undefined) !== (atol === undefined)) {
    const given = rtol === undefined ? '--atol' : '--rtol';
    const missing = rtol === undefined ? '--rtol' : '--atol';
    throw new UsageError(
      `${given} needs ${missing} too: give both tolerances or neither, as torch.testing.assert_close requires`,
    );
  }
  if (rtol === undefined || atol === undefined) return DEFAULT_TOLERANCES[dtype];
  for (const [flag, v] of [['--rtol', rtol], ['--atol', atol]] as const) {
    if (!(v >= 0)) throw new UsageError(`${flag} must be a number >= 0, got ${v}`);
  }
  return { rtol, atol };
}

// ------------------------------------------------------------------------------------------------
// Rounding to a dtype
// ------------------------------------------------------------------------------------------------

/**
 * Rounds every value to `dtype` and back to float64, bit for bit as torch's `t.to(dtype).to(float64)`:
 * round to nearest, ties to even; overflow to ±inf; subnormals kept; NaN stays NaN; -0 stays -0.
 *
 * PyTorch converts float64 to float16/bfloat16 THROUGH float32 (c10::Half and c10::BFloat16 are built from
 * a float), so those two round twice: a value just above a float16 tie that float32 rounds onto the tie
 * then goes to the even side. We do the same (fixtures/verify/rounding.json has such values).
 *
 * float64 returns the input array itself (nothing to round); the other dtypes return a new array.
 */
export function roundToDtype(data: Float64Array, dtype: Dtype): Float64Array {
  if (dtype === 'float64') return data;
  const round = dtype === 'float32' ? Math.fround : dtype === 'float16' ? toFloat16 : toBFloat16;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = round(data[i]);
  return out;
}

/** IEEE binary16: 10 fraction bits, normal exponents from -14, largest finite 65504. Via float32, as torch. */
export function toFloat16(x: number): number {
  return roundToFormat(Math.fround(x), 10, -14, 65504);
}

/** bfloat16: 7 fraction bits, float32's exponent range, largest finite (2 - 2^-7) * 2^127. Via float32. */
export function toBFloat16(x: number): number {
  return roundToFormat(Math.fround(x), 7, -126, 3.3895313892515355e38);
}

/**
 * Rounds x to the binary format with `fractionBits` stored fraction bits, smallest normal exponent `emin`
 * and largest finite value `max`: round to nearest, ties to even, with unbounded exponent, then overflow
 * to ±inf if beyond max (IEEE 754 §7.4). Below 2^emin the spacing stays 2^(emin - fractionBits): subnormals.
 * All scalings are by powers of two, so every step is exact in float64.
 */
function roundToFormat(x: number, fractionBits: number, emin: number, max: number): number {
  // Case: NaN, ±inf, ±0 are representable as they are.
  if (x !== x || x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const e = Math.max(exponentOf(a), emin);
  const quantum = 2 ** (e - fractionBits); // spacing of representable values at a's binade
  const r = roundHalfEven(a / quantum) * quantum;
  // Case: overflow. Case: underflow to zero keeps the sign (x < 0 gives -0).
  const m = r > max ? Infinity : r;
  return x < 0 ? -m : m;
}

/** floor(log2(a)) for a finite a > 0, exact (Math.log2 may be off by one next to a power of two). */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** Rounds y >= 0 (at most 2^52) to an integer, ties to even. */
function roundHalfEven(y: number): number {
  const f = Math.floor(y);
  const d = y - f; // exact
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

// ------------------------------------------------------------------------------------------------
// Comparison
// ------------------------------------------------------------------------------------------------

/** One of the two differences assert_close reports. */
export interface Difference {
  /** The (greatest) difference; may be NaN or inf. */
  readonly value: number;
  /** Its position, one coordinate per dimension (row-major); null for a scalar. */
  readonly index: readonly number[] | null;
  /** Its flat row-major position; null for a scalar. */
  readonly flatIndex: number | null;
  /** The tolerance shown as "(up to X allowed)": atol for the absolute, rtol for the relative difference. */
  readonly allowed: number;
}

interface ComparisonBase {
  /** What was compared: "loss", "grad", "grad_targets". */
  readonly name: string;
  readonly pass: boolean;
  readonly rtol: number;
  readonly atol: number;
  readonly equalNan: boolean;
  readonly gotShape: readonly number[];
  readonly expectedShape: readonly number[];
}

/** The shapes differ: no value was compared (assert_close checks shapes first). */
export interface ShapeComparison extends ComparisonBase {
  readonly kind: 'shape';
  readonly pass: false;
}

/** A 0-d comparison: "Scalars are not close!". */
export interface ScalarComparison extends ComparisonBase {
  readonly kind: 'scalar';
  readonly got: number;
  readonly expected: number;
  /** 1 when the scalars do not match, else 0; `total` is 1. */
  readonly mismatched: number;
  readonly total: number;
  /** |got - expected| and its relative size (inf when expected is 0); null when they match. */
  readonly absolute: Difference | null;
  readonly relative: Difference | null;
}

/** Any other shape, including [1] and empty ones: "Tensor-likes are not close!". */
export interface TensorComparison extends ComparisonBase {
  readonly kind: 'tensor';
  readonly mismatched: number;
  readonly total: number;
  /** Greatest differences over the mismatched elements; null when everything matches. */
  readonly absolute: Difference | null;
  readonly relative: Difference | null;
}

export type Comparison = ShapeComparison | ScalarComparison | TensorComparison;

/**
 * torch.isclose(got, expected, rtol, atol, equal_nan) for one pair, in its order of tests:
 *   close = got == expected;  close |= equal_nan && both NaN;  if rtol == atol == 0 stop here;
 *   close |= isfinite(|got - expected|) && |got - expected| <= atol + |rtol * expected|.
 */
export function isClose(got: number, expected: number, tol: CompareOptions): boolean {
  if (got === expected) return true;
  if (tol.equalNan && got !== got && expected !== expected) return true;
  if (tol.rtol === 0 && tol.atol === 0) return false;
  const err = Math.abs(got - expected);
  return Number.isFinite(err) && err <= tol.atol + Math.abs(tol.rtol * expected);
}

/** True when the comparison equals no tolerance at all: assert_close then says "equal" instead of "close". */
export function isEqualityCheck(c: Tolerances): boolean {
  return c.rtol === 0 && c.atol === 0;
}

/**
 * Compares `got` (the dumped value, assert_close's `actual`) with `expected` (bce's float64 result),
 * exactly as torch.testing.assert_close(actual=got, expected=expected, rtol, atol, equal_nan) on float64
 * tensors would, and returns every fact its message states.
 */
export function compareTensors(name: string, got: Tensor, expected: Tensor, tol: CompareOptions): Comparison {
  const base = {
    name,
    rtol: tol.rtol,
    atol: tol.atol,
    equalNan: tol.equalNan,
    gotShape: [...got.shape],
    expectedShape: [...expected.shape],
  };
  // Case: different shapes. Note [1] and [] differ, as in torch.
  if (!sameShape(got.shape, expected.shape)) return { ...base, kind: 'shape', pass: false };

  // Case: a 0-d tensor (make_scalar_mismatch_msg).
  if (expected.shape.length === 0) {
    const g = got.data[0];
    const e = expected.data[0];
    const ok = isClose(g, e, tol);
    const abs = Math.abs(g - e);
    const rel = e === 0 ? Infinity : abs / Math.abs(e);
    return {
      ...base,
      kind: 'scalar',
      pass: ok,
      got: g,
      expected: e,
      mismatched: ok ? 0 : 1,
      total: 1,
      absolute: ok ? null : { value: abs, index: null, flatIndex: null, allowed: tol.atol },
      relative: ok ? null : { value: rel, index: null, flatIndex: null, allowed: tol.rtol },
    };
  }

  // Case: any other shape (make_tensor_mismatch_msg). Differences of matched elements count as 0, and the
  // maxima are torch.max over all n entries: the first NaN if any, else the first of the largest values.
  const n = expected.data.length;
  let mismatched = 0;
  let maxAbs = 0;
  let maxAbsAt = 0;
  let maxRel = 0;
  let maxRelAt = 0;
  for (let i = 0; i < n; i++) {
    const g = got.data[i];
    const e = expected.data[i];
    if (isClose(g, e, tol)) continue; // contributes 0, which never beats index 0's value
    mismatched++;
    const abs = Math.abs(g - e);
    const rel = abs / Math.abs(e); // x/0 = inf, 0/0 and inf/inf = NaN, as in torch
    if (maxAbs === maxAbs && (abs !== abs || abs > maxAbs)) {
      maxAbs = abs;
      maxAbsAt = i;
    }
    if (maxRel === maxRel && (rel !== rel || rel > maxRel)) {
      maxRel = rel;
      maxRelAt = i;
    }
  }
  const pass = mismatched === 0;
  const shape = expected.shape;
  return {
    ...base,
    kind: 'tensor',
    pass,
    mismatched,
    total: n,
    absolute: pass
      ? null
      : { value: maxAbs, index: unravelIndex(maxAbsAt, shape), flatIndex: maxAbsAt, allowed: tol.atol },
    relative: pass
      ? null
      : { value: maxRel, index: unravelIndex(maxRelAt, shape), flatIndex: maxRelAt, allowed: tol.rtol },
  };
}

/** True when every comparison passed (the exit code of `bce verify` is 0 then, else 1). */
export function allPass(comparisons: readonly Comparison[]): boolean {
  return comparisons.every((c) => c.pass);
}
