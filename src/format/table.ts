/**
 * The human-readable writer: a heading with the shape and reduction, the loss, each requested tensor as
 * a PyTorch-style grid, then the views asked for (per class, histogram, one SGD step). Colour only
 * through the paint it is given (none = plain text): element losses on a heat scale, gradients by sign.
 */
import type { BceResult } from '../core/kernel.js';
import type { StepResult } from '../core/step.js';
import { shapeString } from '../core/tensor.js';
import { humanNumber } from './number.js';
import { resultTensors } from './result.js';
import type { RunExtras } from './result.js';
import { renderGrid } from './grid.js';
import { HEAT, PLAIN } from './paint.js';
import type { Paint } from './paint.js';
import { renderPerClass } from './per-class.js';
import { renderHistogram } from './histogram.js';

export interface TableOptions extends RunExtras {
  /** significant digits; by default the reduced loss is exact and grid elements have 6 */
  precision?: number;
  paint?: Paint;
}

/** The colour key, shown only when colour is on. */
function legend(paint: Paint, hasLoss: boolean, hasGrad: boolean): string[] {
  const parts: string[] = [];
  if (hasLoss) {
    const f = (x: number) => humanNumber(x, 3);
    parts.push(
      `loss ${paint.heat(`below ${f(HEAT.cool)}`, 0)}, ${f(HEAT.cool)} to ${f(HEAT.warm)}, ` +
        `${paint.heat(`${f(HEAT.warm)} to ${f(HEAT.hot)}`, HEAT.warm)}, ${paint.heat(`${f(HEAT.hot)} and above`, HEAT.hot)}`,
    );
  }
  if (hasGrad) parts.push(`grad ${paint.sign('+ lowers the logit', 1)} ${paint.sign('- raises it', -1)}`);
  return parts.length > 0 ? [paint.dim('colours: ') + parts.join(paint.dim('; '))] : [];
}

export function formatTable(r: BceResult, options: TableOptions = {}): string {
  const paint = options.paint ?? PLAIN;
  const { bold, dim } = paint;
  const lines: string[] = [];
  const n = r.shape.reduce((a, b) => a * b, 1);
  const smoothing = options.labelSmoothing !== undefined ? `  ${dim('label_smoothing')} ${options.labelSmoothing}` : '';
  lines.push(
    `${bold('BCEWithLogitsLoss')}  ${dim('shape')} ${shapeString(r.shape)}  ${dim('elements')} ${n}  ${dim('reduction')} ${r.reduction}${smoothing}`,
  );
  if (typeof r.loss === 'number') {
    lines.push(`${dim('loss')} ${bold(humanNumber(r.loss, options.precision))}`);
  }
  const tensors = resultTensors(r);
  for (const t of tensors) {
    lines.push('');
    lines.push(dim(`${t.label}:`));
    const colour =
      t.key === 'loss' ? (s: string, v: number) => paint.heat(s, v) : (s: string, v: number) => paint.sign(s, v);
    lines.push(...renderGrid(t.data, r.shape, { precision: options.precision, paint: paint.on ? colour : undefined }));
  }
  if (options.perClass) lines.push('', ...renderPerClass(options.perClass, { precision: options.precision, paint }));
  if (options.histogram) lines.push('', ...renderHistogram(options.histogram, { paint }));
  if (options.step) lines.push('', ...renderStep(options.step, r.shape, options.precision, paint));
  if (paint.on) {
    const hasLoss = tensors.some((t) => t.key === 'loss') || options.perClass !== undefined || options.histogram !== undefined;
    const hasGrad = tensors.some((t) => t.key !== 'loss');
    const key = legend(paint, hasLoss, hasGrad);
    if (key.length > 0) lines.push('', ...key);
  }
  return `${lines.join('\n')}\n`;
}

/** One gradient-descent step: the loss before and after, as the tutorial's training example prints them. */
function renderStep(s: StepResult, shape: readonly number[], precision: number | undefined, paint: Paint): string[] {
  const lines: string[] = [];
  const lr = humanNumber(s.lr);
  lines.push(paint.bold('one SGD step') + paint.dim(` on the logits: x' = x - ${lr} * d(${s.objective} loss)/dx`));
  lines.push(`Initial loss: ${humanNumber(s.initialLoss, precision)}`);
  const down = s.updatedLoss < s.initialLoss;
  const change = s.updatedLoss - s.initialLoss;
  const note = Number.isFinite(change) ? paint.dim(` (${change <= 0 ? '' : '+'}${humanNumber(change, 3)}${down ? '' : ', not lower: try a smaller lr'})`) : '';
  lines.push(`Updated loss: ${humanNumber(s.updatedLoss, precision)}${note}`);
  lines.push('', paint.dim('updated logits:'));
  lines.push(...renderGrid(s.updatedLogits.data, shape, { precision }));
  return lines;
}
