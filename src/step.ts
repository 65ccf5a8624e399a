/**
 * What a training loop does around the loss, on tensors: label smoothing of the targets, and one step of
 * gradient descent on the logits. Pure: built on the kernel, no I/O.
 */
import type { Tensor } from './tensor.js';
import type { Reduction } from './kernel.js';
import { bceWithLogits } from './kernel.js';

/**
 * Label smoothing as Keras and TensorFlow.js define it for binary cross-entropy:
 * y' = y * (1 - eps) + eps / 2, which pulls 0 and 1 towards 0.5 by eps / 2.
 */
export function smoothTargets(targets: Tensor, eps: number): Tensor {
  const src = targets.data;
  const out = new Float64Array(src.length);
  const keep = 1 - eps;
  const half = eps / 2;
  for (let i = 0; i < src.length; i++) out[i] = src[i] * keep + half;
  return { data: out, shape: targets.shape };
}

export interface StepInputs {
  logits: Tensor;
  targets: Tensor;
  weight?: Tensor;
  posWeight?: Tensor;
  reduction: Reduction;
}

export interface StepResult {
  lr: number;
  /** the scalar that was descended: the reduction, or 'sum' for reduction 'none' (its gradient is PyTorch's backward of ones) */
  objective: 'mean' | 'sum';
  initialLoss: number;
  updatedLoss: number;
  /** x - lr * d objective / d x */
  updatedLogits: Tensor;
}

/** One step of plain gradient descent (torch.optim.SGD without momentum) on the logits, and the loss before and after. */
export function sgdStep(inputs: StepInputs, lr: number): StepResult {
  const objective = inputs.reduction === 'mean' ? 'mean' : 'sum';
  const options = { weight: inputs.weight, posWeight: inputs.posWeight, reduction: objective } as const;
  const before = bceWithLogits(inputs.logits, inputs.targets, { ...options, grad: true });
  const grad = before.grad as Float64Array;
  const x = inputs.logits.data;
  const moved = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) moved[i] = x[i] - lr * grad[i];
  const updatedLogits: Tensor = { data: moved, shape: inputs.logits.shape };
  const after = bceWithLogits(updatedLogits, inputs.targets, options);
  return { lr, objective, initialLoss: before.loss as number, updatedLoss: after.loss as number, updatedLogits };
}
