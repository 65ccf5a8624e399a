/**
 * CSV writer.
 * - Loss only: for reduction none, the matrix of element losses laid out like the input (rank 2: rows x
 *   columns; rank 1: one value per line; rank >= 3: rows of the last dimension, leading dimensions
 *   flattened in row-major order; rank 0: one value); for mean and sum, the single value.
 * - With --grad / --grad-targets: a tidy table with a header, one row per element:
 *   `index0,index1,...,loss,grad,grad_targets`. The loss column holds the element loss for reduction
 *   none, and the reduced loss (repeated on every row) for mean and sum.
 * Numbers are exact (shortest round-trip) unless --precision is given; nan, inf and -inf spell the
 * special values, as pandas reads them.
 */
import type { BceResult } from '../core/kernel.js';
import { humanNumber } from './number.js';
import { chunkRows } from './sink.js';

export function* formatCsv(r: BceResult, precision?: number): Generator<string> {
  const num = (x: number) => humanNumber(x, precision);
  const shape = r.shape;
  if (!r.grad && !r.gradTargets) {
    if (typeof r.loss === 'number') {
      yield `${num(r.loss)}\n`;
      return;
    }
    const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
    const data = r.loss;
    yield* chunkRows(cols === 0 ? 0 : data.length / cols, (row) => {
      const base = row * cols;
      let line = num(data[base]);
      for (let c = 1; c < cols; c++) line += `,${num(data[base + c])}`;
      return `${line}\n`;
    });
    return;
  }
  // tidy form
  const rank = shape.length;
  const header = [...shape.map((_, k) => `index${k}`), 'loss'];
  if (r.grad) header.push('grad');
  if (r.gradTargets) header.push('grad_targets');
  const n = r.grad ? r.grad.length : (r.gradTargets as Float64Array).length;
  const idx = new Array<number>(rank).fill(0);
  const reduced = typeof r.loss === 'number' ? num(r.loss) : undefined;
  const row = (i: number): string => {
    let line = idx.join(',');
    if (rank > 0) line += ',';
    line += reduced ?? num((r.loss as Float64Array)[i]);
    if (r.grad) line += `,${num(r.grad[i])}`;
    if (r.gradTargets) line += `,${num(r.gradTargets[i])}`;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
    return `${line}\n`;
  };
  yield* chunkRows(n, row, `${header.join(',')}\n`);
}
