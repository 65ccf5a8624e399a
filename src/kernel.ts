/**
 * The math of BCEWithLogitsLoss on Float64Array: element losses, gradients and reductions.
 * No I/O, no zod, no chalk: this file could run in a browser unchanged.
 *
 * PyTorch (aten/src/ATen/native/Loss.cpp) evaluates, with lw = 1 + (p - 1) * y,
 *     loss = w * [ (1 - y) * x - lw * log_sigmoid(x) ],   log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|)),
 * which cancels catastrophically for x << 0 with y = 0. Splitting at x = 0 gives the same value as a sum
 * of two terms that are both non-negative for 0 <= y <= 1 and p >= 0, so no digit is lost:
 *     x >= 0:  loss = w * [ (1 - y) * x + lw * log1p(exp(-x)) ]
 *     x <  0:  loss = w * [ -p * y * x  + lw * log1p(exp(x))  ]
 * Gradients:
 *     d/dx = w * [ (1 - y) * sigmoid(x) - p * y * sigmoid(-x) ]
 *     d/dy = w * [ -x - (p - 1) * log_sigmoid(x) ]
 * both divided by numel for reduction 'mean'.
 */

import type { Operand, Tensor } from './tensor.js';
import { broadcastTo, numel, sameShape, torchSize } from './tensor.js';
import { InputError } from './errors.js';

export type Reduction = 'none' | 'mean' | 'sum';

/** x * c where an exactly-zero coefficient wins over an infinite x: the term's limit is 0, not NaN. */
function scaled(c: number, x: number): number {
  return c === 0 && x === x ? 0 : c * x;
}

/**
 * log(1 + exp(t)) for t <= 0 (softplus of a non-positive argument), accurate to about 1 ulp:
 * exp(t) <= 1 cannot overflow and log1p keeps every digit of a tiny argument.
 */
function softplusNonPositive(t: number): number {
  return Math.log1p(Math.exp(t));
}

/** sigmoid(x) = 1 / (1 + exp(-x)), without overflow and without the cancellation of 1 - sigmoid. */
export function sigmoid(x: number): number {
  // Case: x >= 0, exp(-x) <= 1.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  // Case: x < 0, exp(x) < 1; e / (1 + e) keeps full relative accuracy down to the subnormals.
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(sigmoid(x)) = -softplus(-x), accurate for both signs. */
export function logSigmoid(x: number): number {
  // Case: x >= 0, log_sigmoid(x) = -log1p(exp(-x)).
  if (x >= 0) return -softplusNonPositive(-x);
  // Case: x < 0, log_sigmoid(x) = x - log1p(exp(x)); both terms are negative, no cancellation.
  return x - softplusNonPositive(x);
}

/** One element's loss: w * [(1 - y) * x - lw * log_sigmoid(x)], accurate to about 2 ulp. */
export function bceElement(x: number, y: number, w = 1, p = 1): number {
  const lw = 1 + (p - 1) * y;
  // Case: x >= 0 (including +0, -0 and +Infinity, where the linear term's limit is 0 for y = 1).
  if (x >= 0) return w * (scaled(1 - y, x) + lw * softplusNonPositive(-x));
  // Case: x < 0 (including -Infinity, where the linear term's limit is 0 for p * y = 0). NaN falls through here.
  return w * (scaled(-p * y, x) + lw * softplusNonPositive(x));
}

/** d loss / d x for one element: w * [(1 - y) * sigmoid(x) - p * y * sigmoid(-x)]. */
export function bceGradLogit(x: number, y: number, w = 1, p = 1): number {
  return w * ((1 - y) * sigmoid(x) - p * y * sigmoid(-x));
}

/** d loss / d y for one element: w * [-x - (p - 1) * log_sigmoid(x)]. */
export function bceGradTarget(x: number, y: number, w = 1, p = 1): number {
  void y;
  // Case: x >= 0: -x + (p - 1) * log1p(exp(-x)).
  if (x >= 0) return w * (-x + (p - 1) * softplusNonPositive(-x));
  // Case: x < 0: -x - (p - 1) * (x - log1p(exp(x))) = -p * x + (p - 1) * log1p(exp(x)).
  return w * (scaled(-p, x) + (p - 1) * softplusNonPositive(x));
}

/** Neumaier's compensated sum: its error stays near 1 ulp of the result whatever the count. */
export class CompensatedSum {
  private s = 0;
  private c = 0;
  add(v: number): void {
    const t = this.s + v;
    if (Math.abs(this.s) >= Math.abs(v)) this.c += this.s - t + v;
    else this.c += v - t + this.s;
    this.s = t;
  }
  /** Adds another partial sum (e.g. from another chunk or thread). */
  merge(other: CompensatedSum): void {
    this.add(other.s);
    this.add(other.c);
  }
  get value(): number {
    // Once the plain sum is non-finite the compensation is meaningless (inf - inf).
    return Number.isFinite(this.s) ? this.s + this.c : this.s;
  }
}

/** What the element loop should produce; arrays are allocated by the caller, only when asked for. */
export interface ElementOutputs {
  /** per-element losses, or undefined when only the sum is needed */
  loss?: Float64Array;
  grad?: Float64Array;
  gradTargets?: Float64Array;
  /** running sum of the element losses */
  sum?: CompensatedSum;
}

const ONE: Operand = { data: new Float64Array([1]), inner: 1, block: 1 };

/**
 * The element loop over [from, to) of flat indices. Outputs are indexed from 0 at `from`, so a caller
 * may process a big tensor in chunks; weight and pos_weight are read by their broadcast plan at the
 * absolute index. Gradients are the element gradients (the caller scales them for 'mean').
 */
export function bceElements(
  x: Float64Array,
  y: Float64Array,
  weight: Operand | undefined,
  posWeight: Operand | undefined,
  from: number,
  to: number,
  out: ElementOutputs,
): void {
  const w = weight ?? ONE;
  const p = posWeight ?? ONE;
  const wd = w.data;
  const pd = p.data;
  let wk = from % w.inner;
  let wj = Math.floor(from / w.inner) % w.block;
  let pk = from % p.inner;
  let pj = Math.floor(from / p.inner) % p.block;
  const { loss, grad, gradTargets, sum } = out;
  const needLoss = loss !== undefined || sum !== undefined;
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const wi = wd[wj];
    const pi = pd[pj];
    if (needLoss) {
      const l = bceElement(xi, yi, wi, pi);
      if (loss !== undefined) loss[i - from] = l;
      if (sum !== undefined) sum.add(l);
    }
    if (grad !== undefined) grad[i - from] = bceGradLogit(xi, yi, wi, pi);
    if (gradTargets !== undefined) gradTargets[i - from] = bceGradTarget(xi, yi, wi, pi);
    if (++wk === w.inner) {
      wk = 0;
      if (++wj === w.block) wj = 0;
    }
    if (++pk === p.inner) {
      pk = 0;
      if (++pj === p.block) pj = 0;
    }
  }
}

export interface BceOptions {
  weight?: Tensor;
  posWeight?: Tensor;
  reduction?: Reduction;
  /** also compute d loss / d logits */
  grad?: boolean;
  /** also compute d loss / d targets */
  gradTargets?: boolean;
}

export interface BceResult {
  reduction: Reduction;
  shape: readonly number[];
  /** a number for mean and sum; the element losses, in the logits' shape, for none */
  loss: number | Float64Array;
  grad?: Float64Array;
  gradTargets?: Float64Array;
}

/** Checks that targets have exactly the logits' shape, with PyTorch's wording. */
export function checkTargets(logits: Tensor, targets: Tensor, where?: string): void {
  if (!sameShape(logits.shape, targets.shape)) {
    throw new InputError(
      where,
      `Target size (${torchSize(targets.shape)}) must be the same as input size (${torchSize(logits.shape)})`,
    );
  }
}

/** Divides every element by n in place (PyTorch divides the mean's gradient, it does not multiply by 1/n). */
function divideInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < a.length; i++) a[i] /= n;
}

/**
 * torch.nn.functional.binary_cross_entropy_with_logits, accurately.
 * Throws InputError when the targets' shape differs or weight / pos_weight do not broadcast.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor, options: BceOptions = {}): BceResult {
  const reduction = options.reduction ?? 'mean';
  checkTargets(logits, targets);
  const shape = logits.shape;
  const n = numel(shape);
  const weight = options.weight ? broadcastTo(options.weight, shape, 'weight') : undefined;
  const posWeight = options.posWeight ? broadcastTo(options.posWeight, shape, 'pos_weight') : undefined;
  const out: ElementOutputs = {};
  if (reduction === 'none') out.loss = new Float64Array(n);
  else out.sum = new CompensatedSum();
  if (options.grad) out.grad = new Float64Array(n);
  if (options.gradTargets) out.gradTargets = new Float64Array(n);
  bceElements(logits.data, targets.data, weight, posWeight, 0, n, out);
  let loss: number | Float64Array;
  if (reduction === 'none') loss = out.loss as Float64Array;
  else {
    const total = (out.sum as CompensatedSum).value;
    // Empty input: mean is 0 / 0 = NaN, sum is 0, as in PyTorch.
    loss = reduction === 'mean' ? total / n : total;
    if (reduction === 'mean') {
      if (out.grad) divideInPlace(out.grad, n);
      if (out.gradTargets) divideInPlace(out.gradTargets, n);
    }
  }
  const result: BceResult = { reduction, shape: [...shape], loss };
  if (out.grad) result.grad = out.grad;
  if (out.gradTargets) result.gradTargets = out.gradTargets;
  return result;
}
