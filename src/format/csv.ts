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
import { csvNumber } from './number.js';

const CHUNK = 1 << 16;

export function* formatCsv(r: BceResult, precision?: number): Generator<string> {
  const num = (x: number) => csvNumber(x, precision);
  const shape = r.shape;
  if (!r.grad && !r.gradTargets) {
    if (typeof r.loss === 'number') {
      yield `${num(r.loss)}\n`;
      return;
    }
    const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
    const data = r.loss;
    let buf = '';
    for (let i = 0; i < data.length; i += cols) {
      for (let c = 0; c < cols; c++) buf += (c > 0 ? ',' : '') + num(data[i + c]);
      buf += '\n';
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
    yield buf;
    return;
  }
  // tidy form
  const rank = shape.length;
  const header = [...shape.map((_, k) => `index${k}`), 'loss'];
  if (r.grad) header.push('grad');
  if (r.gradTargets) header.push('grad_targets');
  let buf = `${header.join(',')}\n`;
  const n = r.grad ? r.grad.length : (r.gradTargets as Float64Array).length;
  const idx = new Array<number>(rank).fill(0);
  const reduced = typeof r.loss === 'number' ? num(r.loss) : undefined;
  for (let i = 0; i < n; i++) {
    buf += idx.join(',');
    if (rank > 0) buf += ',';
    buf += reduced ?? num((r.loss as Float64Array)[i]);
    if (r.grad) buf += `,${num(r.grad[i])}`;
    if (r.gradTargets) buf += `,${num(r.gradTargets[i])}`;
    buf += '\n';
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}
