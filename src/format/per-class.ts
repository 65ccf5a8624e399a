/**
 * The --per-class view: one line per class (the last dimension) with its mean loss, positives, the
 * pos_weight PyTorch's docs would suggest, the pos_weight and weight in effect, and a bar of its share
 * of the total loss; the class that contributes most is marked.
 */
import type { PerClass, ValueRange } from '../core/stats.js';
import { humanNumber } from './number.js';
import type { Paint } from './paint.js';
import { PLAIN, padEndVisible, padStartVisible, unicodeBar } from './paint.js';

export const SHARE_BAR_WIDTH = 24;

function range(r: ValueRange, precision: number): string {
  if (r.min === r.max || (r.min !== r.min && r.max !== r.max)) return humanNumber(r.min, precision);
  return `${humanNumber(r.min, precision)}..${humanNumber(r.max, precision)}`;
}

function percent(share: number): string {
  return share === share ? `${(share * 100).toFixed(1)}%` : 'nan';
}

export function renderPerClass(s: PerClass, options: { precision?: number; paint?: Paint } = {}): string[] {
  const paint = options.paint ?? PLAIN;
  const precision = options.precision ?? 6;
  const n = s.classes.length;
  const count = n > 0 ? s.classes[0].count : 0;
  const header = ['class', 'mean loss', 'positives', 'neg/pos', 'pos_weight', 'weight'];
  const rows = s.classes.map((c) => [
    String(c.index),
    humanNumber(c.meanLoss, precision),
    String(c.positives),
    humanNumber(c.negatives / c.positives, 3),
    range(c.posWeight, precision),
    range(c.weight, precision),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const lines: string[] = [];
  lines.push(paint.bold(`per class`) + paint.dim(` (the last dimension: ${n} ${n === 1 ? 'class' : 'classes'}, ${count} ${count === 1 ? 'element' : 'elements'} each)`));
  const head = header.map((h, k) => (k === 0 ? h.padEnd(widths[k]) : h.padStart(widths[k]))).join('  ');
  lines.push(paint.dim(`${head}  share of the total loss`));
  s.classes.forEach((c, i) => {
    const cells = rows[i].map((v, k) => {
      if (k === 0) return v.padEnd(widths[k]);
      const padded = v.padStart(widths[k]);
      return k === 1 ? paint.heat(padded, c.meanLoss) : padded;
    });
    const bar = padEndVisible(paint.bar(unicodeBar(c.share, SHARE_BAR_WIDTH)), SHARE_BAR_WIDTH);
    let line = `${cells.join('  ')}  ${bar} ${padStartVisible(percent(c.share), 6)}`;
    if (i === s.largest && n > 1) line += `  ${paint.mark('<- largest')}`;
    lines.push(line);
  });
  const mean = humanNumber(s.total / (n * count), precision);
  lines.push(paint.dim(`${'all'.padEnd(widths[0])}  ${mean.padStart(widths[1])}`) + paint.dim(`  (mean of every element; sum ${humanNumber(s.total, precision)})`));
  if (s.largest >= 0 && n > 1) {
    const c = s.classes[s.largest];
    lines.push(`class ${c.index} contributes most: ${percent(c.share)} of the total loss`);
  }
  lines.push(paint.dim('neg/pos = negatives / positives: the pos_weight PyTorch suggests to balance a class'));
  return lines;
}
