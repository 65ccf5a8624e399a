/**
 * Statistics of the element losses for the terminal views: a breakdown per class (the last dimension) and
 * a histogram. Pure functions over Float64Array: no I/O, no colour, no wording.
 */
import type { Tensor } from './tensor.js';
import { broadcastTo, valueAt } from './tensor.js';
import { CompensatedSum } from './sum.js';

/** The values an operand takes over one class's elements: min === max when it is constant there. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

export interface ClassStats {
  /** the class's index along the last dimension */
  readonly index: number;
  /** how many elements belong to the class (the product of the leading dimensions) */
  readonly count: number;
  readonly sumLoss: number;
  /** the loss sum as a compensated pair (plain sum, correction), for results that merge (--format partial) */
  readonly sumPair: readonly [number, number];
  /** sumLoss / count */
  readonly meanLoss: number;
  /** sumLoss / the sum over all classes; NaN when that sum is 0 or not finite */
  readonly share: number;
  /** targets >= 0.5 */
  readonly positives: number;
  /** targets < 0.5 */
  readonly negatives: number;
  /** pos_weight in effect (1 when none was given) */
  readonly posWeight: ValueRange;
  /** weight in effect (1 when none was given) */
  readonly weight: ValueRange;
}

export interface PerClass {
  readonly classes: readonly ClassStats[];
  /** sum of every element loss */
  readonly total: number;
  /** the class with the largest loss sum, -1 when there is none or sums are not comparable (NaN) */
  readonly largest: number;
}

/** The values of a broadcast operand at every element of one class, as a min/max range. */
function classRanges(op: Tensor | undefined, shape: readonly number[], n: number, classes: number): ValueRange[] {
  const min = new Float64Array(classes).fill(op ? Infinity : 1);
  const max = new Float64Array(classes).fill(op ? -Infinity : 1);
  if (op && n > 0) {
    const plan = broadcastTo(op, shape, 'operand');
    for (let i = 0; i < n; i++) {
      const v = valueAt(plan, i);
      const c = i % classes;
      // NaN poisons both ends so it is seen
      if (v !== v) {
        min[c] = NaN;
        max[c] = NaN;
      } else if (min[c] === min[c]) {
        if (v < min[c]) min[c] = v;
        if (v > max[c]) max[c] = v;
      }
    }
  }
  return Array.from({ length: classes }, (_, c) => ({ min: min[c], max: max[c] }));
}

/**
 * Per class, the classes being the last dimension of `shape` (rank >= 1; the caller asks for rank >= 2):
 * loss sum, mean and share of the total, positives, and the weight and pos_weight in effect.
 * `loss` holds the element losses and `targets` the targets the loss was computed on, both flat in `shape`.
 */
export function perClassStats(
  loss: Float64Array,
  targets: Float64Array,
  shape: readonly number[],
  weight?: Tensor,
  posWeight?: Tensor,
): PerClass {
  const classes = shape.length === 0 ? 1 : shape[shape.length - 1];
  const n = loss.length;
  const sums = Array.from({ length: classes }, () => new CompensatedSum());
  const positives = new Array<number>(classes).fill(0);
  const total = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    sums[c].add(loss[i]);
    total.add(loss[i]);
    if (targets[i] >= 0.5) positives[c]++;
  }
  return perClassFrom({
    sums: sums.map((sum) => sum.state()),
    positives,
    count: classes === 0 ? 0 : n / classes,
    weight: classRanges(weight, shape, n, classes),
    posWeight: classRanges(posWeight, shape, n, classes),
    total: total.value,
  });
}

/** What a PerClass is made of: per class, its loss sum as a compensated pair, its positives, the operands' ranges. */
export interface ClassSums {
  readonly sums: readonly (readonly [number, number])[];
  readonly positives: readonly number[];
  /** elements per class */
  readonly count: number;
  readonly weight: readonly ValueRange[];
  readonly posWeight: readonly ValueRange[];
  /** the sum of every element loss */
  readonly total: number;
}

/** The per-class statistics from each class's sums (of one run, or of merged results). */
export function perClassFrom(parts: ClassSums): PerClass {
  const { count, positives, total: t } = parts;
  const stats: ClassStats[] = [];
  let largest = -1;
  for (let c = 0; c < parts.sums.length; c++) {
    const [plain, correction] = parts.sums[c];
    // the compensated sum's value (CompensatedSum.value)
    const s = Number.isFinite(plain) ? plain + correction : plain;
    stats.push({
      index: c,
      count,
      sumLoss: s,
      sumPair: [plain, correction],
      meanLoss: s / count,
      share: t !== 0 && Number.isFinite(t) ? s / t : NaN,
      positives: positives[c],
      negatives: count - positives[c],
      posWeight: parts.posWeight[c],
      weight: parts.weight[c],
    });
    if (s !== s) largest = -2;
    else if (largest !== -2 && (largest < 0 || s > stats[largest].sumLoss)) largest = c;
  }
  return { classes: stats, total: t, largest: largest < 0 ? -1 : largest };
}

// ------------------------------------------------------------------------------------------------
// Histogram
// ------------------------------------------------------------------------------------------------

export type HistogramScale = 'linear' | 'log';

export interface Histogram {
  readonly scale: HistogramScale;
  /** bin edges, bins + 1 of them; bin i is [edges[i], edges[i + 1]), the last one closed */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** log scale only: values <= 0, which have no logarithm */
  readonly nonPositive: number;
  readonly nan: number;
  readonly posInf: number;
  readonly negInf: number;
  /** every value counted, special ones included */
  readonly total: number;
}

export interface HistogramOptions {
  scale?: HistogramScale;
  /** exactly this many equal bins over [min, max]; by default about Sturges' count, on round edges */
  bins?: number;
}

/** Sturges' rule, ceil(log2 n) + 1, kept within [4, 20] so small inputs still show a shape and big ones stay short. */
export function defaultBinCount(n: number): number {
  return Math.min(20, Math.max(4, Math.ceil(Math.log2(Math.max(n, 1))) + 1));
}

/** The smallest of 1, 2, 2.5, 5 times a power of ten that is >= raw (raw > 0). */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/** Removes the binary noise of lo + i * step (0.30000000000000004 -> 0.3). */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/** Round linear edges covering [min, max] in about `target` bins. */
function linearNiceEdges(min: number, max: number, target: number): number[] {
  if (min === max) {
    // one value: a single bin around it
    return [min, max];
  }
  const raw = (max - min) / target;
  // a range of a few subnormals has no round step: one bin
  if (!(raw > 1e-300)) return [min, max];
  const step = niceStep(raw);
  const lo = Math.floor(min / step);
  const hi = Math.max(lo + 1, Math.ceil(max / step));
  return Array.from({ length: hi - lo + 1 }, (_, i) => tidy((lo + i) * step));
}

/**
 * Round logarithmic edges covering [min, max] (0 < min <= max) in at most `target` bins where possible:
 * the finest of the series 1-2-5 per decade, 1-3 per decade, every decade, every 2, 5, 10, ... decades.
 */
function logNiceEdges(min: number, max: number, target: number): number[] {
  const series: number[][] = [[1, 2, 5], [1, 3]];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max)) + 1;
  const build = (mantissas: number[]): number[] => {
    const all: number[] = [];
    for (let e = lo; e <= hi; e++) for (const m of mantissas) all.push(tidy(m * 10 ** e));
    // keep the edges from the last one <= min to the first one >= max
    let a = 0;
    while (a + 1 < all.length && all[a + 1] <= min) a++;
    let b = all.length - 1;
    while (b - 1 > a && all[b - 1] >= max) b--;
    if (b === a) b = a + 1;
    return all.slice(a, b + 1);
  };
  for (const m of series) {
    const edges = build(m);
    if (edges.length - 1 <= target) return edges;
  }
  // whole decades, every k decades
  for (const k of [1, 2, 5, 10, 20, 50, 100]) {
    const a = Math.floor(Math.log10(min) / k) * k;
    const b = Math.max(a + k, Math.ceil(Math.log10(max) / k) * k);
    if ((b - a) / k <= target) return Array.from({ length: (b - a) / k + 1 }, (_, i) => tidy(10 ** (a + i * k)));
  }
  const a = Math.floor(Math.log10(min));
  const b = Math.ceil(Math.log10(max));
  return [10 ** a, 10 ** Math.max(b, a + 1)];
}

/** `bins` equal bins over [min, max], in value or in log10(value). */
function equalEdges(min: number, max: number, bins: number, scale: HistogramScale): number[] {
  if (scale === 'log') {
    const a = Math.log10(min);
    const b = Math.log10(max);
    return Array.from({ length: bins + 1 }, (_, i) => (i === 0 ? min : i === bins ? max : 10 ** (a + ((b - a) * i) / bins)));
  }
  // min + (max - min) * t as a weighted mean, which cannot overflow
  return Array.from({ length: bins + 1 }, (_, i) => (i === 0 ? min : i === bins ? max : min * (1 - i / bins) + max * (i / bins)));
}

/** The bin of v among ascending `edges` (binary search); the last bin is closed. */
function binOf(v: number, edges: readonly number[]): number {
  const last = edges.length - 2;
  if (v >= edges[last]) return last;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * A histogram of `values`. Linear bins span the finite values; log bins span the finite positive ones
 * (values <= 0 are counted apart). NaN and infinities are counted apart in both scales.
 */
export function histogram(values: Float64Array, options: HistogramOptions = {}): Histogram {
  const scale = options.scale ?? 'linear';
  let min = Infinity;
  let max = -Infinity;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  let nonPositive = 0;
  let binned = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else if (scale === 'log' && v <= 0) nonPositive++;
    else {
      binned++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  let edges: number[] = [];
  let counts: number[] = [];
  if (binned > 0) {
    const target = options.bins ?? defaultBinCount(binned);
    // round edges by default; equal bins when asked for a count, or when max - min overflows
    if ((options.bins !== undefined || !Number.isFinite(max - min)) && min < max) edges = equalEdges(min, max, target, scale);
    else edges = scale === 'log' ? logNiceEdges(min, max, target) : linearNiceEdges(min, max, target);
    // rounding (and underflow of min / step) may leave an extreme just outside: widen the end bins
    edges[0] = Math.min(edges[0], min);
    edges[edges.length - 1] = Math.max(edges[edges.length - 1], max);
    // near the subnormals powers of ten collapse (1e-324 = 0): drop repeated edges
    edges = edges.filter((e, i) => i === 0 || e > edges[i - 1]);
    if (edges.length === 1) edges.push(edges[0]);
    counts = new Array<number>(edges.length - 1).fill(0);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v) || (scale === 'log' && v <= 0)) continue;
      counts[binOf(v, edges)]++;
    }
  }
  return { scale, edges, counts, nonPositive, nan, posInf, negInf, total: values.length };
}
