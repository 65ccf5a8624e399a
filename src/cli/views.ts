/**
 * The extra views of `bce` that a run may ask for (--per-class, --hist, --step, --format ndjson): computed
 * from the problem and the result, loaded only when one is asked for. Numbers only; the writers word them.
 */
import type { ComputeOptions } from './compute.js';
import type { Problem } from '../io/inputs.js';
import type { BceResult } from '../core/kernel.js';
import type { Tensor } from '../core/tensor.js';
import { bceWithLogits } from '../core/kernel.js';
import { InputError } from '../errors.js';
import { histogram, perClassStats } from '../core/stats.js';
import type { Histogram, PerClass } from '../core/stats.js';
import { sgdStep } from '../core/step.js';
import type { StepResult } from '../core/step.js';
import { shapeString } from '../core/tensor.js';

export interface Views {
  perClass?: PerClass;
  histogram?: Histogram;
  step?: StepResult;
  /** the element losses, whatever the reduction (for ndjson and the statistics) */
  elementLoss?: Float64Array;
}

export function computeViews(o: ComputeOptions, problem: Problem, targets: Tensor, result: BceResult): Views {
  const logits = problem.logits.tensor;
  const weight = problem.weight?.tensor;
  const posWeight = problem.posWeight?.tensor;
  const views: Views = {};
  if (o.perClass && logits.shape.length < 2) {
    throw new InputError(
      problem.logits.where,
      `--per-class needs logits of rank 2 or more, one column per class (the last dimension); these have shape ${shapeString(logits.shape)}`,
    );
  }
  if (o.perClass || o.hist || o.format === 'ndjson') {
    views.elementLoss =
      typeof result.loss === 'number'
        ? (bceWithLogits(logits, targets, { weight, posWeight, reduction: 'none' }).loss as Float64Array)
        : result.loss;
  }
  if (o.perClass) views.perClass = perClassStats(views.elementLoss as Float64Array, problem.targets.tensor.data, logits.shape, weight, posWeight);
  if (o.hist) views.histogram = histogram(views.elementLoss as Float64Array, { scale: o.hist, bins: o.bins });
  if (o.step !== undefined) {
    views.step = sgdStep({ logits, targets, weight, posWeight, reduction: problem.reduction }, o.step);
  }
  return views;
}
