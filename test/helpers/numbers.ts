/** Test helpers: distance in ulp, and decoding the fixtures' number encoding. */
import { readFileSync } from 'node:fs';

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** A double's position on the number line as an integer: consecutive doubles differ by 1, -0 and +0 are equal. */
function ordinal(x: number): bigint {
  f64[0] = x;
  const bits = i64[0];
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

/**
 * How many doubles apart a and b are. 0 when both are NaN, or equal (including +0 and -0);
 * Infinity when exactly one is NaN, or when they are infinities of different value.
 */
export function ulpDiff(a: number, b: number): number {
  if (a !== a || b !== b) return a !== a && b !== b ? 0 : Infinity;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const d = ordinal(a) - ordinal(b);
  return Number(d < 0n ? -d : d);
}

/** Fixture number: a JSON number, or "NaN" / "Infinity" / "-Infinity". */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`not a fixture number: ${JSON.stringify(v)}`);
}

/** Nested fixture arrays -> flat Float64Array (row-major). */
export function flat(v: unknown): Float64Array {
  const out: number[] = [];
  const walk = (x: unknown) => (Array.isArray(x) ? x.forEach(walk) : out.push(num(x)));
  walk(v);
  return Float64Array.from(out);
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as T;
}

/** Float64 machine epsilon. */
export const EPS = 2 ** -52;

/**
 * The seed example's true mean and sum, from fixtures/torch/cases.json (PyTorch float64 and the mpmath
 * reference, made by fixtures/torch/generate.py), so no test types them from memory.
 */
export function seedReference(): { mean: number; sum: number } {
  return { mean: num(torchCase('seed-mean').reference.loss), sum: num(torchCase('seed-sum').reference.loss) };
}

/** A case of fixtures/torch/cases.json (made by fixtures/torch/generate.py), by name. */
export interface TorchCase {
  name: string;
  reduction: string;
  reference: { loss: unknown; grad: unknown; grad_targets: unknown };
  torch: { loss: unknown; grad: unknown; grad_targets: unknown };
  /** the multilabel mean cases: the reference mean loss of each class (the last dimension) */
  per_class_mean?: number[];
}

export function torchCase(name: string): TorchCase {
  const { cases } = readJson<{ cases: TorchCase[] }>('fixtures/torch/cases.json');
  const c = cases.find((k) => k.name === name);
  if (c === undefined) throw new Error(`fixtures/torch/cases.json has no case '${name}'`);
  return c;
}

/** The worst of f(i) over the indices `which` selects, with where it happened. */
export function worst(n: number, f: (i: number) => number, which: (i: number) => boolean, at: (i: number) => string) {
  let v = 0;
  let where = '';
  for (let i = 0; i < n; i++) {
    if (!which(i)) continue;
    const d = f(i);
    if (!(d <= v)) [v, where] = [d, at(i)];
  }
  return { v, where };
}
