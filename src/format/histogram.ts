/**
 * The --hist view: a unicode bar chart of the element losses, one line per bin, bars scaled to the
 * fullest bin, with the count and its percentage; NaN, infinities and (log scale) values <= 0 apart.
 */
import type { Histogram } from '../core/stats.js';
import { humanNumber } from './number.js';
import type { Paint } from './paint.js';
import { PLAIN, padEndVisible, unicodeBar } from './paint.js';

export const HIST_BAR_WIDTH = 32;

export function renderHistogram(h: Histogram, options: { paint?: Paint; what?: string } = {}): string[] {
  const paint = options.paint ?? PLAIN;
  const what = options.what ?? 'element losses';
  const rows: { label: string; count: number; heat: number }[] = [];
  if (h.nonPositive > 0) rows.push({ label: '<= 0', count: h.nonPositive, heat: 0 });
  const bins = h.counts.length;
  for (let i = 0; i < bins; i++) {
    const lo = humanNumber(h.edges[i], 4);
    const hi = humanNumber(h.edges[i + 1], 4);
    const label = i === bins - 1 ? `[${lo}, ${hi}]` : `[${lo}, ${hi})`;
    rows.push({ label, count: h.counts[i], heat: h.edges[i] });
  }
  if (h.negInf > 0) rows.push({ label: '-inf', count: h.negInf, heat: -Infinity });
  if (h.posInf > 0) rows.push({ label: 'inf', count: h.posInf, heat: Infinity });
  if (h.nan > 0) rows.push({ label: 'nan', count: h.nan, heat: NaN });
  const lines: string[] = [];
  const scale = h.scale === 'log' ? 'logarithmic bins' : 'linear bins';
  lines.push(paint.bold('histogram') + paint.dim(` of the ${h.total} ${what} (${scale})`));
  if (rows.length === 0) {
    lines.push(paint.dim('(no elements)'));
    return lines;
  }
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const countWidth = Math.max(...rows.map((r) => String(r.count).length));
  const most = Math.max(...rows.map((r) => r.count));
  for (const r of rows) {
    const label = paint.heat(r.label.padEnd(labelWidth), r.heat);
    const bar = padEndVisible(paint.bar(unicodeBar(most > 0 ? r.count / most : 0, HIST_BAR_WIDTH)), HIST_BAR_WIDTH);
    const pct = h.total > 0 ? `${((r.count / h.total) * 100).toFixed(1)}%`.padStart(6) : '';
    lines.push(`${label}  ${bar} ${String(r.count).padStart(countWidth)}  ${paint.dim(pct)}`);
  }
  return lines;
}
