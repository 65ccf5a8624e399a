/**
 * --format partial: what `bce merge` needs of a mean or a sum to combine it with others, as one line of
 * JSON. The loss is a sum, so results over parts of the rows combine exactly: their counts add, and their
 * compensated sums (a pair whose exact sum is the part's total) add exactly.
 */
import type { BceResult } from '../core/kernel.js';
import type { PerClass } from '../core/stats.js';
import { jsonNumber } from './number.js';

/** The version of the document's layout: a merge refuses another. */
export const PARTIAL_VERSION = 1;

export interface Partial {
  reduction: 'mean' | 'sum';
  /** elements */
  count: number;
  /** the size of the first dimension (1 for a 0-d tensor) */
  rows: number;
  /** the shape after the first dimension: parts merge only when theirs agree */
  shape: readonly number[];
  /** the total loss is (sum[0] + sum[1]) x 2^scale: the plain sum and its correction */
  sum: readonly [number, number];
  /** 0, or 64 when the plain sum overflowed and the pair holds the total at 2^-64 */
  scale: 0 | 64;
  /** with --per-class: per class (the last dimension) */
  perClass?: PartialClasses;
}

/** The per-class part of a partial: each class's loss sum as a pair, its positives, the operands' ranges. */
export interface PartialClasses {
  /** elements per class */
  count: number;
  sums: (readonly [number, number])[];
  positives: number[];
  /** [min, max] of pos_weight and of weight over the class's elements */
  posWeight: (readonly [number, number])[];
  weight: (readonly [number, number])[];
}

/** The partial of a mean or sum result (BceResult.sums is set for those), with its per-class statistics if given. */
export function partialOf(r: BceResult, perClass?: PerClass): Partial {
  const [s, c, scaled] = r.sums ?? [0, 0, 0];
  const count = r.shape.reduce((a, b) => a * b, 1);
  const classes = perClass?.classes;
  return {
    ...(classes && {
      perClass: {
        count: classes.length > 0 ? classes[0].count : 0,
        sums: classes.map((k) => k.sumPair),
        positives: classes.map((k) => k.positives),
        posWeight: classes.map((k) => [k.posWeight.min, k.posWeight.max] as const),
        weight: classes.map((k) => [k.weight.min, k.weight.max] as const),
      },
    }),
    reduction: r.reduction === 'sum' ? 'sum' : 'mean',
    count,
    rows: r.shape.length === 0 ? 1 : r.shape[0],
    shape: r.shape.slice(1),
    sum: [s, c],
    scale: scaled ? 64 : 0,
  };
}

const pair = (v: readonly [number, number]) => `[${jsonNumber(v[0])}, ${jsonNumber(v[1])}]`;
const pairs = (vs: readonly (readonly [number, number])[]) => `[${vs.map(pair).join(', ')}]`;

/**
 * One line: {"bce_partial": 1, "reduction": ..., "count": ..., "rows": ..., "shape": [...], "sum": [s, c], "scale": 0}
 * and, with --per-class, "per_class": {"count": ..., "sums": [[s, c], ...], "positives": [...], "pos_weight": [[min, max], ...], "weight": [...]}
 */
export function formatPartial(p: Partial): string {
  let line =
    `{"bce_partial": ${PARTIAL_VERSION}, "reduction": "${p.reduction}", "count": ${p.count}, "rows": ${p.rows}, ` +
    `"shape": [${p.shape.join(', ')}], "sum": ${pair(p.sum)}, "scale": ${p.scale}`;
  const k = p.perClass;
  if (k) {
    line +=
      `, "per_class": {"count": ${k.count}, "sums": ${pairs(k.sums)}, "positives": [${k.positives.join(', ')}], ` +
      `"pos_weight": ${pairs(k.posWeight)}, "weight": ${pairs(k.weight)}}`;
  }
  return `${line}}\n`;
}
