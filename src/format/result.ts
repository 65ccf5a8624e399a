/** The result the writers format: the kernel's result, its tensors in output order, and what a run adds. */
import type { BceResult } from '../core/kernel.js';
import type { Histogram, PerClass } from '../core/stats.js';
import type { StepResult } from '../core/step.js';

/** What a run adds to the result; each field is written only when asked for. */
export interface RunExtras {
  /** recorded in the heading (table) or as "label_smoothing" (JSON) when the targets were smoothed */
  labelSmoothing?: number;
  perClass?: PerClass;
  histogram?: Histogram;
  step?: StepResult;
}

/** Tensors of a result in output order, with their names and labels. */
export function resultTensors(r: BceResult): { key: 'loss' | 'grad' | 'grad_targets'; label: string; data: Float64Array }[] {
  const out: { key: 'loss' | 'grad' | 'grad_targets'; label: string; data: Float64Array }[] = [];
  if (typeof r.loss !== 'number') out.push({ key: 'loss', label: 'loss', data: r.loss });
  if (r.grad) out.push({ key: 'grad', label: 'grad (d loss / d logits)', data: r.grad });
  if (r.gradTargets) out.push({ key: 'grad_targets', label: 'grad_targets (d loss / d targets)', data: r.gradTargets });
  return out;
}
