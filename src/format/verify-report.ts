/**
 * Words the result of `bce verify`: a text report that reuses torch.testing.assert_close's sentences, and a
 * JSON document with the same facts. Pure: returns strings; colour comes from an optional paint (./paint.ts).
 *
 * Numbers are printed as Python prints floats (`pyRepr`), so the lines read exactly like assert_close's:
 *
 *     Tensor-likes are not close!
 *
 *     Mismatched elements: 2 / 6 (33.3%)
 *     Greatest absolute difference: 0.0456 at index (1, 2) (up to 1e-05 allowed)
 *     Greatest relative difference: 0.0912 at index (1, 2) (up to 1.3e-06 allowed)
 *
 * One addition to PyTorch 1.13's wording: a scalar mismatch also says "Expected 0.5 but got 0.6.", the line
 * PyTorch 2.x prints there (with `expected` = bce's value, `got` = the dumped value).
 */
import type { Comparison, Difference, Dtype } from '../core/verify.js';
import { isEqualityCheck } from '../core/verify.js';
import { shapeString, torchSize } from '../core/tensor.js';
import type { Paint } from './paint.js';
import { PLAIN } from './paint.js';
import { humanNumber, jsonValue } from './number.js';

// ------------------------------------------------------------------------------------------------
// Python's number formatting
// ------------------------------------------------------------------------------------------------

/**
 * Python's repr(float) (= str(float) = f"{x}"): the shortest digits that round-trip (the same digits as JS's
 * String(x)), laid out Python's way. With the value written 0.DIGITS x 10^p: scientific when p <= -4 or
 * p > 16, with at least two exponent digits (1e-05, 1.5e+16); otherwise positional with at least one
 * fraction digit (100.0, 0.0001). Also nan, inf, -inf, -0.0.
 */
export function pyRepr(x: number): string {
  // Case: nan, inf, -inf, which Python spells as bce does.
  if (!Number.isFinite(x)) return humanNumber(x);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const { digits, point } = shortestDigits(Math.abs(x));
  if (point <= -4 || point > 16) {
    // Case: scientific, d.ddde±XX.
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const exp = point - 1;
    const expText = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${expText}`;
  }
  // Case: positional.
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * The shortest round-trip decimal digits of a finite a > 0 (no leading or trailing zeros) and the position
 * of the decimal point: a = 0.DIGITS x 10^point. Taken from String(a), which picks the same digits as
 * Python's repr (the shortest string that reads back as a, the closest to a among several).
 */
function shortestDigits(a: number): { digits: string; point: number } {
  const s = String(a);
  const e = s.indexOf('e');
  if (e >= 0) {
    // "1.2345e-7": one digit before the point.
    return { digits: s.slice(0, e).replace('.', ''), point: Number(s.slice(e + 1)) + 1 };
  }
  const dot = s.indexOf('.');
  const intPart = dot < 0 ? s : s.slice(0, dot);
  const fracPart = dot < 0 ? '' : s.slice(dot + 1);
  if (intPart !== '0') {
    return { digits: (intPart + fracPart).replace(/0+$/, ''), point: intPart.length };
  }
  const zeros = fracPart.length - fracPart.replace(/^0+/, '').length;
  return { digits: fracPart.slice(zeros), point: -zeros };
}

/**
 * Python's f"{m / n:.1%}" without the "%": m / n times 100 in float64, then rounded to one decimal
 * correctly with ties to even (33.3, 6.2 for 6.25, 18.8 for 18.75). JS toFixed rounds exact ties up, so
 * ties are handled here; a float64 x has an exact tie at the second decimal exactly when 4x is an odd integer.
 */
export function pyPercent(m: number, n: number): string {
  const x = (m / n) * 100;
  const q = x * 4; // exact: a power of two
  if (Number.isInteger(q) && q % 2 === 1) {
    const lo = Math.floor(x * 10); // x * 10 = 2.5 q, exact
    const even = lo % 2 === 0 ? lo : lo + 1;
    return `${Math.floor(even / 10)}.${even % 10}`;
  }
  return x.toFixed(1);
}

/** A Python tuple of ints, as assert_close prints an index: (3,) for one dimension, (1, 2) for two. */
export function pyTuple(index: readonly number[]): string {
  return index.length === 1 ? `(${index[0]},)` : `(${index.join(', ')})`;
}

// ------------------------------------------------------------------------------------------------
// assert_close's message
// ------------------------------------------------------------------------------------------------

/**
 * The lines of assert_close's AssertionError for a failed comparison (empty for a pass), blank line included:
 * _make_mismatch_msg / make_scalar_mismatch_msg / make_tensor_mismatch_msg / the shape attribute check.
 */
export function assertCloseLines(c: Comparison): string[] {
  if (c.pass) return [];
  if (c.kind === 'shape') {
    // Actual's shape first, as torch: "... do not match: torch.Size([2, 3]) != torch.Size([3, 2])."
    return [`The values for attribute 'shape' do not match: ${torchSize(c.gotShape)} != ${torchSize(c.expectedShape)}.`];
  }
  const equality = isEqualityCheck(c);
  const what = c.kind === 'scalar' ? 'Scalars' : 'Tensor-likes';
  const lines = [`${what} are not ${equality ? 'equal' : 'close'}!`, ''];
  if (c.kind === 'scalar') {
    lines.push(`Expected ${pyRepr(c.expected)} but got ${pyRepr(c.got)}.`);
  } else {
    lines.push(`Mismatched elements: ${c.mismatched} / ${c.total} (${pyPercent(c.mismatched, c.total)}%)`);
  }
  if (c.absolute) lines.push(differenceLine('absolute', c.absolute, equality));
  if (c.relative) lines.push(differenceLine('relative', c.relative, equality));
  return lines;
}

/** "Greatest absolute difference: X at index (i, j) (up to A allowed)" or, for a scalar, "Absolute difference: X ...". */
function differenceLine(type: 'absolute' | 'relative', d: Difference, equality: boolean): string {
  let line =
    d.index === null
      ? `${type[0].toUpperCase()}${type.slice(1)} difference: ${pyRepr(d.value)}`
      : `Greatest ${type} difference: ${pyRepr(d.value)} at index ${pyTuple(d.index)}`;
  if (!equality) line += ` (up to ${pyRepr(d.allowed)} allowed)`;
  return line;
}

// ------------------------------------------------------------------------------------------------
// The reports
// ------------------------------------------------------------------------------------------------

/** What the report says about how the comparison was made. */
export interface VerifyMeta {
  /** The dtype PyTorch computed in (--dtype). */
  readonly dtype: Dtype;
  readonly rtol: number;
  readonly atol: number;
  readonly equalNan: boolean;
  /** True when --rtol/--atol were given, false for the dtype's defaults. */
  readonly customTolerances?: boolean;
  /** Quantities with no dumped value (neither in the bundle nor by a flag), e.g. ["grad_targets"]: listed as "not given". */
  readonly skipped?: readonly string[];
}

/**
 * The text report: a header with dtype and tolerances, one pass/FAIL line per quantity with assert_close's
 * message indented under each failure, and a summary line. Ends with a newline.
 *
 *     bce verify: dtype float32 (inputs rounded to float32), rtol 1.3e-06, atol 1e-05
 *       loss          pass  scalar
 *       grad          FAIL  [2, 3]
 *           Tensor-likes are not close!
 *           ...
 *     1 of 2 failed
 */
export function formatVerifyText(comparisons: readonly Comparison[], meta: VerifyMeta, paint: Pick<Paint, 'ok' | 'bad'> = PLAIN): string {
  const out: string[] = [];
  const rounded = meta.dtype === 'float64' ? '' : ` (inputs rounded to ${meta.dtype})`;
  const tolSource = meta.customTolerances ? '' : ' (defaults)';
  const nan = meta.equalNan ? ', NaN equals NaN' : '';
  out.push(`bce verify: dtype ${meta.dtype}${rounded}, rtol ${pyRepr(meta.rtol)}, atol ${pyRepr(meta.atol)}${tolSource}${nan}`);
  const skipped = meta.skipped ?? [];
  const width = Math.max(0, ...comparisons.map((c) => c.name.length), ...skipped.map((s) => s.length)) + 2;
  for (const c of comparisons) {
    const verdict = c.pass ? paint.ok('pass') : paint.bad('FAIL');
    const shape = c.kind === 'shape' ? 'shape mismatch' : c.expectedShape.length === 0 ? 'scalar' : shapeString(c.expectedShape);
    out.push(`  ${c.name.padEnd(width)}${verdict}  ${shape}`);
    for (const line of assertCloseLines(c)) out.push(line === '' ? '' : `      ${line}`);
  }
  for (const s of skipped) out.push(`  ${s.padEnd(width)}-     not given`);
  const failed = comparisons.filter((c) => !c.pass).length;
  const total = comparisons.length;
  out.push(
    failed === 0
      ? paint.ok(`all ${total} within tolerance`)
      : paint.bad(`${failed} of ${total} ${failed === 1 ? 'is' : 'are'} not within tolerance`),
  );
  return `${out.join('\n')}\n`;
}

function jsonDifference(d: Difference | null): unknown {
  if (d === null) return null;
  return { value: jsonValue(d.value), index: d.index, allowed: jsonValue(d.allowed) };
}

/** The facts of one comparison as a plain JSON-ready object (snake_case keys, as the bundle's). */
export function comparisonToJson(c: Comparison): Record<string, unknown> {
  const o: Record<string, unknown> = { name: c.name, pass: c.pass, kind: c.kind };
  if (c.kind === 'shape') {
    o.got_shape = c.gotShape;
    o.expected_shape = c.expectedShape;
  } else {
    o.shape = c.expectedShape;
    if (c.kind === 'scalar') {
      o.expected = jsonValue(c.expected);
      o.got = jsonValue(c.got);
    }
    o.mismatched = c.mismatched;
    o.total = c.total;
    o[c.kind === 'scalar' ? 'absolute_difference' : 'greatest_absolute_difference'] = jsonDifference(c.absolute);
    o[c.kind === 'scalar' ? 'relative_difference' : 'greatest_relative_difference'] = jsonDifference(c.relative);
  }
  o.message = c.pass ? null : assertCloseLines(c).join('\n');
  return o;
}

/**
 * The JSON report: one document, pretty-printed, ending with a newline.
 * { pass, dtype, rtol, atol, equal_nan, custom_tolerances, results: [...], skipped: [...] }
 */
export function formatVerifyJson(comparisons: readonly Comparison[], meta: VerifyMeta): string {
  const doc = {
    pass: comparisons.every((c) => c.pass),
    dtype: meta.dtype,
    rtol: jsonValue(meta.rtol),
    atol: jsonValue(meta.atol),
    equal_nan: meta.equalNan,
    custom_tolerances: meta.customTolerances ?? false,
    results: comparisons.map(comparisonToJson),
    skipped: meta.skipped ?? [],
  };
  // Pretty-printed, but with arrays of numbers (shapes, indices) on one line: [1, 2] rather than five lines.
  // Only arrays opened by "[" and a newline are touched, which JSON strings never contain.
  const text = JSON.stringify(doc, null, 2).replace(
    /\[\n\s*(-?[\d.eE+-]+(?:,\n\s*-?[\d.eE+-]+)*)\n\s*\]/g,
    (_m, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`,
  );
  return `${text}\n`;
}
