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
    if (Number.isFinite(other.s)) this.add(other.c);
  }
  /** the plain sum and its compensation, to continue the sum elsewhere (a loop's locals, another thread) */
  state(): [number, number] {
    return [this.s, this.c];
  }
  setState(s: number, c: number): void {
    this.s = s;
    this.c = c;
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
  /** when given, each gradient is divided by it as it is stored (reduction 'mean' divides by numel) */
  gradDivisor?: number;
}

const ONE: Operand = { data: new Float64Array([1]), inner: 1, block: 1 };

/**
 * The straightforward element loop: each output from the scalar functions above, the sum by
 * CompensatedSum.add. The reference that the fast loop (bceElements) is tested against, bit for bit.
 */
export function bceElementsReference(
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
  const { loss, grad, gradTargets, sum, gradDivisor } = out;
  for (let i = from; i < to; i++) {
    const wi = w.data[Math.floor(i / w.inner) % w.block];
    const pi = p.data[Math.floor(i / p.inner) % p.block];
    const l = bceElement(x[i], y[i], wi, pi);
    if (loss !== undefined) loss[i - from] = l;
    if (sum !== undefined) sum.add(l);
    if (grad !== undefined) {
      const g = bceGradLogit(x[i], y[i], wi, pi);
      grad[i - from] = gradDivisor === undefined ? g : g / gradDivisor;
    }
    if (gradTargets !== undefined) {
      const g = bceGradTarget(x[i], y[i], wi, pi);
      gradTargets[i - from] = gradDivisor === undefined ? g : g / gradDivisor;
    }
  }
}

/**
 * The element loop over [from, to) of flat indices. Outputs are indexed from 0 at `from`, so a caller
 * may process a big tensor in chunks; weight and pos_weight are read by their broadcast plan at the
 * absolute index. Gradients are the element gradients (the caller scales them for 'mean', or passes
 * gradDivisor). `sum` receives the element losses one by one, as CompensatedSum.add would.
 *
 * This is the fast form of bceElementsReference and gives the same bits: per element it evaluates
 * e = exp(-|x|) once and derives from it every exp and log1p that the scalar functions evaluate
 * separately (log1p(exp(-|x|)) for the loss and d/dy, e / (1 + e) and 1 / (1 + e) for both sigmoids),
 * with the same operations in the same order; the compensated sum runs in local variables.
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
  // The common case (no weight, or one scalar each) gets a loop of its own: V8 keeps it lean.
  if (w.block === 1 && p.block === 1 && out.gradTargets === undefined) {
    elementsScalar(x, y, w.data[0], p.data[0], from, to, out);
  } else {
    elementsBroadcast(x, y, w, p, from, to, out);
  }
}

/** bceElements with one weight and one pos_weight for every element, and no d/dy. */
function elementsScalar(x: Float64Array, y: Float64Array, wi: number, pi: number, from: number, to: number, out: ElementOutputs): void {
  const { loss, sum, grad } = out;
  // mean and sum (no loss array) get loops without the optional stores: V8 runs them ~30% faster
  if (loss === undefined && sum !== undefined) {
    if (grad === undefined) sumScalar(x, y, wi, pi, from, to, sum);
    else sumGradScalar(x, y, wi, pi, from, to, sum, grad, out.gradDivisor ?? 1);
  } else if (loss !== undefined && sum === undefined) {
    // reduction 'none'
    if (grad === undefined) noneScalar(x, y, wi, pi, from, to, loss);
    else noneGradScalar(x, y, wi, pi, from, to, loss, grad, out.gradDivisor ?? 1);
  } else if (grad === undefined) lossScalar(x, y, wi, pi, from, to, loss, sum);
  else lossGradScalar(x, y, wi, pi, from, to, loss, sum, grad, out.gradDivisor ?? 1);
}

/** The element losses: lossScalar without a sum. */
function noneScalar(x: Float64Array, y: Float64Array, wi: number, pi: number, from: number, to: number, loss: Float64Array): void {
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const lw = 1 + (pi - 1) * yi;
    loss[i - from] =
      xi >= 0
        ? wi * (scaled(1 - yi, xi) + lw * Math.log1p(Math.exp(-xi)))
        : wi * (scaled(-pi * yi, xi) + lw * Math.log1p(Math.exp(xi)));
  }
}

/** The element losses and d/dx divided by d: lossGradScalar without a sum. */
function noneGradScalar(
  x: Float64Array,
  y: Float64Array,
  wi: number,
  pi: number,
  from: number,
  to: number,
  loss: Float64Array,
  grad: Float64Array,
  d: number,
): void {
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const lw = 1 + (pi - 1) * yi;
    if (xi >= 0) {
      const e = Math.exp(-xi);
      const q = 1 + e;
      loss[i - from] = wi * (scaled(1 - yi, xi) + lw * Math.log1p(e));
      grad[i - from] = wi * ((1 - yi) * (1 / q) - pi * yi * (e / q)) / d;
    } else {
      const e = Math.exp(xi);
      const q = 1 + e;
      loss[i - from] = wi * (scaled(-pi * yi, xi) + lw * Math.log1p(e));
      grad[i - from] = wi * ((1 - yi) * (e / q) - pi * yi * (1 / q)) / d;
    }
  }
}

/** The compensated sum of the element losses: lossScalar without a loss array. */
function sumScalar(x: Float64Array, y: Float64Array, wi: number, pi: number, from: number, to: number, sum: CompensatedSum): void {
  const state = sum.state();
  let s = state[0];
  let c = state[1];
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const lw = 1 + (pi - 1) * yi;
    const l =
      xi >= 0
        ? wi * (scaled(1 - yi, xi) + lw * Math.log1p(Math.exp(-xi)))
        : wi * (scaled(-pi * yi, xi) + lw * Math.log1p(Math.exp(xi)));
    const t = s + l;
    if (Math.abs(s) >= Math.abs(l)) c += s - t + l;
    else c += l - t + s;
    s = t;
  }
  sum.setState(s, c);
}

/** The compensated sum of the element losses and d/dx divided by d: lossGradScalar without a loss array. */
function sumGradScalar(
  x: Float64Array,
  y: Float64Array,
  wi: number,
  pi: number,
  from: number,
  to: number,
  sum: CompensatedSum,
  grad: Float64Array,
  d: number,
): void {
  const state = sum.state();
  let s = state[0];
  let c = state[1];
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const lw = 1 + (pi - 1) * yi;
    let l: number;
    let g: number;
    if (xi >= 0) {
      const e = Math.exp(-xi);
      const q = 1 + e;
      l = wi * (scaled(1 - yi, xi) + lw * Math.log1p(e));
      g = wi * ((1 - yi) * (1 / q) - pi * yi * (e / q));
    } else {
      const e = Math.exp(xi);
      const q = 1 + e;
      l = wi * (scaled(-pi * yi, xi) + lw * Math.log1p(e));
      g = wi * ((1 - yi) * (e / q) - pi * yi * (1 / q));
    }
    const t = s + l;
    if (Math.abs(s) >= Math.abs(l)) c += s - t + l;
    else c += l - t + s;
    s = t;
    grad[i - from] = g / d;
  }
  sum.setState(s, c);
}

/** Element losses and/or their compensated sum, one weight and one pos_weight. */
function lossScalar(
  x: Float64Array,
  y: Float64Array,
  wi: number,
  pi: number,
  from: number,
  to: number,
  loss: Float64Array | undefined,
  sum: CompensatedSum | undefined,
): void {
  // the running compensated sum, in locals (CompensatedSum.add, inlined)
  let s = 0;
  let c = 0;
  if (sum !== undefined) {
    const state = sum.state();
    s = state[0];
    c = state[1];
  }
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const lw = 1 + (pi - 1) * yi;
    // as bceElement, with log1p(exp(-|x|)) evaluated once
    const l =
      xi >= 0
        ? wi * (scaled(1 - yi, xi) + lw * Math.log1p(Math.exp(-xi)))
        : wi * (scaled(-pi * yi, xi) + lw * Math.log1p(Math.exp(xi)));
    if (loss !== undefined) loss[i - from] = l;
    if (sum !== undefined) {
      const t = s + l;
      if (Math.abs(s) >= Math.abs(l)) c += s - t + l;
      else c += l - t + s;
      s = t;
    }
  }
  if (sum !== undefined) sum.setState(s, c);
}

/** Losses (and/or their sum) and d/dx, one weight and one pos_weight, d/dx divided by `d`. */
function lossGradScalar(
  x: Float64Array,
  y: Float64Array,
  wi: number,
  pi: number,
  from: number,
  to: number,
  loss: Float64Array | undefined,
  sum: CompensatedSum | undefined,
  grad: Float64Array,
  d: number,
): void {
  let s = 0;
  let c = 0;
  if (sum !== undefined) {
    const state = sum.state();
    s = state[0];
    c = state[1];
  }
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const lw = 1 + (pi - 1) * yi;
    // e = exp(-|x|); l as bceElement; g as bceGradLogit, with sigmoid(x) and sigmoid(-x) as sigmoid() computes them
    let l: number;
    let g: number;
    if (xi >= 0) {
      // Case: x >= 0 (+0, -0, +Infinity): w * [(1 - y) x + lw log1p(e^-x)]; sigmoid(x) = 1 / (1 + e)
      const e = Math.exp(-xi);
      const q = 1 + e;
      l = wi * (scaled(1 - yi, xi) + lw * Math.log1p(e));
      g = wi * ((1 - yi) * (1 / q) - pi * yi * (e / q));
    } else {
      // Case: x < 0 (-Infinity; NaN falls through here): w * [-p y x + lw log1p(e^x)]; sigmoid(x) = e / (1 + e)
      const e = Math.exp(xi);
      const q = 1 + e;
      l = wi * (scaled(-pi * yi, xi) + lw * Math.log1p(e));
      g = wi * ((1 - yi) * (e / q) - pi * yi * (1 / q));
    }
    if (loss !== undefined) loss[i - from] = l;
    if (sum !== undefined) {
      const t = s + l;
      if (Math.abs(s) >= Math.abs(l)) c += s - t + l;
      else c += l - t + s;
      s = t;
    }
    // x / 1 is x exactly, so d = 1 serves the reductions that do not divide
    grad[i - from] = g / d;
  }
  if (sum !== undefined) sum.setState(s, c);
}

/** bceElements in general: weight and pos_weight read through their broadcast plans, d/dy too. */
function elementsBroadcast(x: Float64Array, y: Float64Array, w: Operand, p: Operand, from: number, to: number, out: ElementOutputs): void {
  const wd = w.data;
  const pd = p.data;
  const wInner = w.inner;
  const wBlock = w.block;
  const pInner = p.inner;
  const pBlock = p.block;
  let wk = from % wInner;
  let wj = Math.floor(from / wInner) % wBlock;
  let pk = from % pInner;
  let pj = Math.floor(from / pInner) % pBlock;
  const { loss, grad, gradTargets, sum } = out;
  const d = out.gradDivisor ?? 1;
  const needLoss = loss !== undefined || sum !== undefined;
  let s = 0;
  let c = 0;
  if (sum !== undefined) {
    const state = sum.state();
    s = state[0];
    c = state[1];
  }
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const wi = wd[wj];
    const pi = pd[pj];
    const pos = xi >= 0;
    const e = Math.exp(pos ? -xi : xi);
    const sp = needLoss || gradTargets !== undefined ? Math.log1p(e) : 0;
    if (needLoss) {
      const lw = 1 + (pi - 1) * yi;
      const l = pos ? wi * (scaled(1 - yi, xi) + lw * sp) : wi * (scaled(-pi * yi, xi) + lw * sp);
      if (loss !== undefined) loss[i - from] = l;
      if (sum !== undefined) {
        const t = s + l;
        if (Math.abs(s) >= Math.abs(l)) c += s - t + l;
        else c += l - t + s;
        s = t;
      }
    }
    if (grad !== undefined) {
      const q = 1 + e;
      const g = wi * ((1 - yi) * (pos ? 1 / q : e / q) - pi * yi * (pos ? e / q : 1 / q));
      grad[i - from] = g / d;
    }
    if (gradTargets !== undefined) {
      // as bceGradTarget: x >= 0: w * (-x + (p - 1) log1p(e^-x)); x < 0: w * (-p x + (p - 1) log1p(e^x))
      const g = pos ? wi * (-xi + (pi - 1) * sp) : wi * (scaled(-pi, xi) + (pi - 1) * sp);
      gradTargets[i - from] = g / d;
    }
    if (++wk === wInner) {
      wk = 0;
      if (++wj === wBlock) wj = 0;
    }
    if (++pk === pInner) {
      pk = 0;
      if (++pj === pBlock) pj = 0;
    }
  }
  if (sum !== undefined) sum.setState(s, c);
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

/**
 * The reduction is deterministic whatever the number of threads: the elements are cut into chunks of
 * SUM_CHUNK, each chunk's losses are summed by its own compensated sum, and the chunks' partial sums
 * are merged in order. A thread computes whole chunks, so one thread or several give the same bits.
 */
export const SUM_CHUNK = 1 << 16;

/**
 * One loss computation laid out in flat arrays, so that any range of chunks can be computed on any
 * thread (a worker receives it as structured-cloned data, with the big arrays in shared memory).
 */
export interface BcePlan {
  reduction: Reduction;
  shape: readonly number[];
  n: number;
  x: Float64Array;
  y: Float64Array;
  weight?: Operand;
  posWeight?: Operand;
  /** element losses (reduction 'none') */
  loss?: Float64Array;
  grad?: Float64Array;
  gradTargets?: Float64Array;
  /** for 'mean' and 'sum': the plain sum and the compensation of each chunk, 2 per chunk */
  partials?: Float64Array;
}

/**
 * Checks the shapes and lays out the outputs. `alloc` makes every output array (tests and the
 * parallel path pass one backed by shared memory).
 */
export function planBce(
  logits: Tensor,
  targets: Tensor,
  options: BceOptions = {},
  alloc: (n: number) => Float64Array = (n) => new Float64Array(n),
): BcePlan {
  const reduction = options.reduction ?? 'mean';
  checkTargets(logits, targets);
  const shape = logits.shape;
  const n = numel(shape);
  const plan: BcePlan = { reduction, shape: [...shape], n, x: logits.data, y: targets.data };
  if (options.weight) plan.weight = broadcastTo(options.weight, shape, 'weight');
  if (options.posWeight) plan.posWeight = broadcastTo(options.posWeight, shape, 'pos_weight');
  if (reduction === 'none') plan.loss = alloc(n);
  else plan.partials = alloc(2 * Math.ceil(n / SUM_CHUNK));
  if (options.grad) plan.grad = alloc(n);
  if (options.gradTargets) plan.gradTargets = alloc(n);
  return plan;
}

/** Computes the elements [from, to) of a plan; `from` must be a multiple of SUM_CHUNK. */
export function runBcePlan(plan: BcePlan, from: number, to: number): void {
  const { x, y, weight, posWeight, loss, grad, gradTargets, partials } = plan;
  const gradDivisor = plan.reduction === 'mean' ? plan.n : undefined;
  for (let lo = from; lo < to; lo += SUM_CHUNK) {
    const hi = Math.min(lo + SUM_CHUNK, to);
    const out: ElementOutputs = { gradDivisor };
    if (loss) out.loss = loss.subarray(lo, hi);
    if (grad) out.grad = grad.subarray(lo, hi);
    if (gradTargets) out.gradTargets = gradTargets.subarray(lo, hi);
    if (partials) out.sum = new CompensatedSum();
    bceElements(x, y, weight, posWeight, lo, hi, out);
    if (partials && out.sum) {
      const k = 2 * Math.floor(lo / SUM_CHUNK);
      const [sum, compensation] = out.sum.state();
      partials[k] = sum;
      // once a sum is non-finite its compensation is meaningless (inf - inf), as in CompensatedSum.value
      partials[k + 1] = Number.isFinite(sum) ? compensation : 0;
    }
  }
}

/** Merges the chunks' partial sums in order and returns the result. */
export function finishBce(plan: BcePlan): BceResult {
  let loss: number | Float64Array;
  if (plan.loss) loss = plan.loss;
  else {
    const total = new CompensatedSum();
    const partials = plan.partials as Float64Array;
    for (let k = 0; k < partials.length; k += 2) {
      total.add(partials[k]);
      total.add(partials[k + 1]);
    }
    // Empty input: mean is 0 / 0 = NaN, sum is 0, as in PyTorch.
    loss = plan.reduction === 'mean' ? total.value / plan.n : total.value;
  }
  const result: BceResult = { reduction: plan.reduction, shape: plan.shape, loss };
  if (plan.grad) result.grad = plan.grad;
  if (plan.gradTargets) result.gradTargets = plan.gradTargets;
  return result;
}

/**
 * torch.nn.functional.binary_cross_entropy_with_logits, accurately.
 * Throws InputError when the targets' shape differs or weight / pos_weight do not broadcast.
 * (bceWithLogitsParallel in parallel.ts gives the same bits using worker threads.)
 */
export function bceWithLogits(logits: Tensor, targets: Tensor, options: BceOptions = {}): BceResult {
  const plan = planBce(logits, targets, options);
  runBcePlan(plan, 0, plan.n);
  return finishBce(plan);
}
