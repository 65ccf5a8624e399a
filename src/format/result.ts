/** The result the writers format: the kernel's result plus what the run should record. */
import type { BceResult } from '../core/kernel.js';

export interface FormatOptions {
  /** significant digits for table and CSV; undefined = the writer's default */
  precision?: number;
}

export type { BceResult };

/** Tensors of a result in output order, with their names and labels. */
export function resultTensors(r: BceResult): { key: 'loss' | 'grad' | 'grad_targets'; label: string; data: Float64Array }[] {
  const out: { key: 'loss' | 'grad' | 'grad_targets'; label: string; data: Float64Array }[] = [];
  if (typeof r.loss !== 'number') out.push({ key: 'loss', label: 'loss', data: r.loss });
  if (r.grad) out.push({ key: 'grad', label: 'grad (d loss / d logits)', data: r.grad });
  if (r.gradTargets) out.push({ key: 'grad_targets', label: 'grad_targets (d loss / d targets)', data: r.gradTargets });
  return out;
}
