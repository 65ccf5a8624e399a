/**
 * The human-readable writer, and the only chalk user: a heading with the shape and reduction, the loss,
 * and each requested tensor as a PyTorch-style grid. Colour only through the Chalk instance it is given
 * (level 0 = plain text).
 */
import type { ChalkInstance } from 'chalk';
import type { BceResult } from '../kernel.js';
import { shapeString } from '../tensor.js';
import { humanNumber } from './number.js';
import { resultTensors } from './result.js';
import { renderGrid } from './grid.js';

export interface TableOptions {
  /** significant digits; by default the reduced loss is exact and grid elements have 6 */
  precision?: number;
  chalk?: ChalkInstance;
}

export function formatTable(r: BceResult, options: TableOptions = {}): string {
  const c = options.chalk;
  const bold = (s: string) => (c ? c.bold(s) : s);
  const dim = (s: string) => (c ? c.dim(s) : s);
  const lines: string[] = [];
  const n = r.shape.reduce((a, b) => a * b, 1);
  lines.push(
    `${bold('BCEWithLogitsLoss')}  ${dim('shape')} ${shapeString(r.shape)}  ${dim('elements')} ${n}  ${dim('reduction')} ${r.reduction}`,
  );
  if (typeof r.loss === 'number') {
    lines.push(`${dim('loss')} ${bold(humanNumber(r.loss, options.precision))}`);
  }
  for (const t of resultTensors(r)) {
    lines.push('');
    lines.push(dim(`${t.label}:`));
    lines.push(...renderGrid(t.data, r.shape, { precision: options.precision }));
  }
  return `${lines.join('\n')}\n`;
}
