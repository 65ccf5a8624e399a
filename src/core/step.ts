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

/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLIT = 134217729;
/** Above this a product's split would overflow. */
const SPLIT_MAX = 2 ** 996;
const u64 = new BigUint64Array(1);
const f64 = new Float64Array(u64.buffer);

/** v moved one ulp toward the sign of r, when that makes its last bit odd: v + r rounded to odd (v = RN(v + r)). */
function roundToOdd(v: number, r: number): number {
  if (r === 0 || v === 0) return v;
  f64[0] = v;
  if ((u64[0] & 1n) === 1n) return v;
  // same signs: away from zero (the bits grow); opposite: toward zero
  u64[0] = (v > 0) === (r > 0) ? u64[0] + 1n : u64[0] - 1n;
  return f64[0];
}

/**
 * x - lr * g correctly rounded, as torch's SGD gives it (param.add_(grad, alpha=-lr) evaluates it with
 * one fused rounding). JS has no fma: lr * g = h + l exactly by Dekker's two-product (Veltkamp split),
 * then x - h - l is rounded once by Boldo and Melquiond's sum of three with rounding to odd
 * ("Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd", 2008).
 */
export function sgdUpdate(x: number, lr: number, g: number): number {
  const h = lr * g;
  // Case: non-finite values, or products too large or too small to split exactly: the plain form
  if (!(Math.abs(h) < SPLIT_MAX) || !(Math.abs(lr) < SPLIT_MAX) || !(Math.abs(g) < SPLIT_MAX) || !Number.isFinite(x) || Math.abs(h) < 2 ** -960) {
    return x - h;
  }
  const l = twoProductError(lr, g, h);
  // (uh, ul) = TwoSum(-h, -l); (th, tl) = TwoSum(x, uh); result RN(th + RO(tl + ul))
  const [uh, ul] = twoSum(-h, -l);
  const [th, tl] = twoSum(x, uh);
  const [v, r] = twoSum(tl, ul);
  return th + roundToOdd(v, r);
}

/** a * b - h exactly, for h = RN(a * b) (Dekker). */
function twoProductError(a: number, b: number, h: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ((ah * bh - h + ah * bl) + al * bh) + al * bl;
}

/** (s, e) with s = RN(a + b) and s + e = a + b exactly (Knuth). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
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
  for (let i = 0; i < x.length; i++) moved[i] = sgdUpdate(x[i], lr, grad[i]);
  const updatedLogits: Tensor = { data: moved, shape: inputs.logits.shape };
  const after = bceWithLogits(updatedLogits, inputs.targets, options);
  return { lr, objective, initialLoss: before.loss as number, updatedLoss: after.loss as number, updatedLogits };
}
