/**
 * A tensor laid out as PyTorch prints it: nested brackets, one row of the last dimension per line, every
 * element right-aligned to a common width, and tensors of more than 1000 elements summarized to their
 * first and last 3 entries along each dimension with "..." between (torch.set_printoptions defaults).
 */
import { humanNumber } from './number.js';

export const SUMMARIZE_THRESHOLD = 1000;
export const EDGE_ITEMS = 3;

export interface GridOptions {
  precision?: number;
  /** colours one formatted element (already padded) given its value; identity when colour is off */
  paint?: (text: string, value: number) => string;
}

/** Indices shown along a dimension of size n: all, or the first and last EDGE_ITEMS with -1 for "...". */
function shownIndices(n: number, summarize: boolean): number[] {
  if (!summarize || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i);
  return [...head, -1, ...tail];
}

/** Lines of the grid (without a trailing newline). */
export function renderGrid(data: Float64Array, shape: readonly number[], options: GridOptions = {}): string[] {
  const precision = options.precision ?? 6;
  const paint = options.paint ?? ((s: string) => s);
  if (shape.length === 0) return [paint(humanNumber(data[0], precision), data[0])];
  if (data.length === 0) return [`${'['.repeat(1)}]`];
  const summarize = data.length > SUMMARIZE_THRESHOLD;
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) strides[k] = strides[k + 1] * shape[k + 1];
  const shown = shape.map((n) => shownIndices(n, summarize));

  // width: the widest shown element
  let width = 1;
  const visit = (k: number, off: number, f: (off: number) => void) => {
    for (const i of shown[k]) {
      if (i < 0) continue;
      if (k === rank - 1) f(off + i);
      else visit(k + 1, off + i * strides[k], f);
    }
  };
  visit(0, 0, (o) => {
    width = Math.max(width, humanNumber(data[o], precision).length);
  });
  const cell = (o: number) => paint(humanNumber(data[o], precision).padStart(width), data[o]);

  const lines: string[] = [];
  const walk = (k: number, off: number, prefix: string) => {
    const indent = ' '.repeat(k + 1);
    if (k === rank - 1) {
      const cells = shown[k].map((i) => (i < 0 ? '...' : cell(off + i)));
      lines.push(`${prefix}[${cells.join(', ')}]`);
      return;
    }
    const idxs = shown[k];
    idxs.forEach((i, j) => {
      const first = j === 0;
      const pre = first ? `${prefix}[` : indent;
      if (i < 0) {
        lines.push(`${indent}...`);
        return;
      }
      walk(k + 1, off + i * strides[k], pre);
      // blank lines between blocks of rank >= 3, as PyTorch does
      if (j < idxs.length - 1 && rank - k > 2) for (let b = 0; b < rank - k - 2; b++) lines.push('');
    });
    lines[lines.length - 1] += ']';
  };
  walk(0, 0, '');
  return lines;
}
