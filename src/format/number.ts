/** Number spelling shared by the writers. */

/** Shortest text that reads back as the same double; -0 keeps its sign. */
function exact(x: number): string {
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** A JSON token: shortest round-trip for finite values (-0 as -0.0), "NaN" / "Infinity" / "-Infinity" strings otherwise. */
export function jsonNumber(x: number): string {
  if (Number.isFinite(x)) return Object.is(x, -0) ? '-0.0' : String(x);
  return `"${jsonValue(x)}"`;
}

/** The value JSON.stringify should write for x: x itself when finite, else "NaN" / "Infinity" / "-Infinity" (JSON has no non-finite numbers). */
export function jsonValue(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/**
 * Human text and CSV cells: `precision` significant digits without trailing zeros, or exact when undefined;
 * nan, inf and -inf as pandas and bce read them.
 */
export function humanNumber(x: number, precision?: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (precision === undefined) return exact(x);
  return exact(Number(x.toPrecision(precision)));
}
