/**
 * --format partial: what `bce merge` needs of a mean or a sum to combine it with others, as one line of
 * JSON. The loss is a sum, so results over parts of the rows combine exactly: their counts add, and their
 * compensated sums (a pair whose exact sum is the part's total) add exactly.
 */
import type { BceResult } from '../core/kernel.js';
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
}

/** The partial of a mean or sum result (BceResult.sums is set for those). */
export function partialOf(r: BceResult): Partial {
  const [s, c, scaled] = r.sums ?? [0, 0, 0];
  const count = r.shape.reduce((a, b) => a * b, 1);
  return {
    reduction: r.reduction === 'sum' ? 'sum' : 'mean',
    count,
    rows: r.shape.length === 0 ? 1 : r.shape[0],
    shape: r.shape.slice(1),
    sum: [s, c],
    scale: scaled ? 64 : 0,
  };
}

/** One line: {"bce_partial": 1, "reduction": ..., "count": ..., "rows": ..., "shape": [...], "sum": [s, c], "scale": 0} */
export function formatPartial(p: Partial): string {
  return (
    `{"bce_partial": ${PARTIAL_VERSION}, "reduction": "${p.reduction}", "count": ${p.count}, "rows": ${p.rows}, ` +
    `"shape": [${p.shape.join(', ')}], "sum": [${jsonNumber(p.sum[0])}, ${jsonNumber(p.sum[1])}], "scale": ${p.scale}}\n`
  );
}
