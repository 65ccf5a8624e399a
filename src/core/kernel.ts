/**
 * The math of BCEWithLogitsLoss on Float64Array: element losses, gradients and reductions.
 * No I/O, no zod, no chalk: this file could run in a browser unchanged.
 *
 * PyTorch (aten/src/ATen/native/Loss.cpp) evaluates, with lw = 1 + (p - 1) * y,
 *     loss = w * [ (1 - y) * x - lw * log_sigmoid(x) ],   log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|)),
 * which cancels catastrophically for x << 0 with y = 0, and in lw itself for small p (1 + (p - 1) with
 * p = 1e-6). With lw = (1 - y) + p * y and a split at x = 0, the same value is a sum of terms that are all
 * non-negative for 0 <= y <= 1 and p >= 0, so no digit is lost:
 *     x >= 0:  loss = w * [ (1 - y) * x + lw * log1p(exp(-x)) ]
 *     x <  0:  loss = w * [ -p * y * x  + lw * log1p(exp(x))  ]
 * Gradients:
 *     d/dx = w * [ (1 - y) * sigmoid(x) - p * y * sigmoid(-x) ]
 *     d/dy = w * [ -x - (p - 1) * log_sigmoid(x) ]
 * both divided by numel for reduction 'mean'.
 */

import type { BroadcastPlan, Tensor } from './tensor.js';
import { broadcastTo, numel, sameShape, torchSize, valueAt } from './tensor.js';
import { InputError } from '../errors.js';
import { ChunkSums, edgeOf, gradLogitEdge, gradTargetEdge, lossEdge, MIN_NORMAL, scaledChunkSum } from './kernel-edge.js';
import { CompensatedSum, compensate } from './sum.js';
import { wasmElements, wasmKernel } from './kernel-wasm.js';

export type Reduction = 'none' | 'mean' | 'sum';

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
  if (x >= 0) return -Math.log1p(Math.exp(-x));
  // Case: x < 0, log_sigmoid(x) = x - log1p(exp(x)); both terms are negative, no cancellation.
  return x - Math.log1p(Math.exp(x));
}

/*
 * The element formula, written once: every loop below and the scalar functions evaluate an element
 * through lossFrom / gradFrom / gradTargetFrom, given e = exp(-|x|) and sp = log1p(e). Where e is
 * subnormal or the plain result is not finite, kernel-edge.ts takes over.
 */

/** w [a x + lw sp] with a = 1 - y (x >= 0) or -p y (x < 0) and lw = (1 - y) + p y, both terms >= 0 for 0 <= y <= 1, p >= 0. */
function lossFrom(x: number, y: number, w: number, p: number, e: number, sp: number, edge: number): number {
  // an infinite x makes a x NaN when a = 0: the edge path gives the limit
  const l = w * ((x >= 0 ? 1 - y : -p * y) * x + (1 - y + p * y) * sp);
  // l - l is 0 for a finite l and NaN otherwise: one comparison tests both
  return l - l + e >= edge ? l : lossEdge(x, y, w, p);
}

/** w [(1 - y) sigmoid(x) - p y sigmoid(-x)] / d, with sigmoid(x) = 1 / (1 + e) or e / (1 + e) by the sign of x. */
function gradFrom(x: number, y: number, w: number, p: number, e: number, d: number, edge: number): number {
  const q = 1 + e;
  const near1 = 1 / q;
  const nearE = e / q;
  const pos = x >= 0;
  const g = (w * ((1 - y) * (pos ? near1 : nearE) - p * y * (pos ? nearE : near1))) / d;
  return g - g + e >= edge ? g : gradLogitEdge(x, y, w, p, d);
}

/** w [-x - (p - 1) log_sigmoid(x)] / d: x >= 0: w (-x + (p - 1) sp); x < 0: w (-p x + (p - 1) sp). */
function gradTargetFrom(x: number, y: number, w: number, p: number, e: number, sp: number, d: number): number {
  const g = (w * ((x >= 0 ? -1 : -p) * x + (p - 1) * sp)) / d;
  return g - g + e >= MIN_NORMAL ? g : gradTargetEdge(x, y, w, p, d);
}

/** One element's loss: w * [(1 - y) * x - lw * log_sigmoid(x)], lw = 1 + (p - 1) * y. */
export function bceElement(x: number, y: number, w = 1, p = 1): number {
  const e = Math.exp(-Math.abs(x));
  return lossFrom(x, y, w, p, e, Math.log1p(e), edgeOf(p));
}

/** d loss / d x for one element, divided by d: w * [(1 - y) * sigmoid(x) - p * y * sigmoid(-x)] / d. */
export function bceGradLogit(x: number, y: number, w = 1, p = 1, d = 1): number {
  return gradFrom(x, y, w, p, Math.exp(-Math.abs(x)), d, edgeOf(p));
}

/** d loss / d y for one element, divided by d: w * [-x - (p - 1) * log_sigmoid(x)] / d. */
export function bceGradTarget(x: number, y: number, w = 1, p = 1, d = 1): number {
  const e = Math.exp(-Math.abs(x));
  return gradTargetFrom(x, y, w, p, e, Math.log1p(e), d);
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

const ONE: BroadcastPlan = { data: new Float64Array([1]), inner: 1, block: 1 };

/**
 * The straightforward element loop: each output from the scalar functions above, the sum by
 * CompensatedSum.add. The reference that the fast loop (bceElements) is tested against, bit for bit.
 */
export function bceElementsReference(x: Float64Array, y: Float64Array, weight: BroadcastPlan | undefined, posWeight: BroadcastPlan | undefined, from: number, to: number, out: ElementOutputs): void {
  const w = weight ?? ONE;
  const p = posWeight ?? ONE;
  const { loss, grad, gradTargets, sum } = out;
  const d = out.gradDivisor ?? 1;
  for (let i = from; i < to; i++) {
    const wi = valueAt(w, i);
    const pi = valueAt(p, i);
    const l = bceElement(x[i], y[i], wi, pi);
    if (loss !== undefined) loss[i - from] = l;
    if (sum !== undefined) sum.add(l);
    if (grad !== undefined) grad[i - from] = bceGradLogit(x[i], y[i], wi, pi, d);
    if (gradTargets !== undefined) gradTargets[i - from] = bceGradTarget(x[i], y[i], wi, pi, d);
  }
}

/**
 * The fewest elements in one call of bceElements for the WebAssembly loops (kernel-wasm.ts; the crossover is
 * in the README, Performance). Every path (threads, streaming) calls it on the same chunks, so makes the same choice.
 */
export const WASM_MIN = 4096;

/**
 * The element loop over [from, to) of flat indices. Outputs are indexed from 0 at `from`, so a caller
 * may process a big tensor in chunks; weight and pos_weight are read by their broadcast plan at the
 * absolute index. Gradients are divided by gradDivisor when given (reduction 'mean' divides by numel).
 * `sum` receives the element losses one by one, as CompensatedSum.add would.
 *
 * Its JS loops are the fast form of bceElementsReference and give the same bits: per element they evaluate
 * e = exp(-|x|) once and hand it to lossFrom / gradFrom / gradTargetFrom, as the scalar functions do;
 * the compensated sum runs in local variables, one Neumaier step (compensate) per element. The WebAssembly
 * loops (uniform weights, from WASM_MIN elements) evaluate the same formula with their own exp and log1p,
 * and sum in two lanes: not the same bits, but within the same accuracy bounds (test/kernel.wasm.test.ts).
 */
export function bceElements(x: Float64Array, y: Float64Array, weight: BroadcastPlan | undefined, posWeight: BroadcastPlan | undefined, from: number, to: number, out: ElementOutputs): void {
  const w = weight ?? ONE;
  const p = posWeight ?? ONE;
  const { loss, grad, sum } = out;
  const d = out.gradDivisor ?? 1;
  // Uniform weights (none, or one value each) and no d/dy: loops of their own, without the broadcast
  // cursors and the optional stores, which V8 runs faster (README, Performance); in WebAssembly from
  // WASM_MIN elements on, where it is available.
  if (w.block === 1 && p.block === 1 && out.gradTargets === undefined && (loss === undefined) !== (sum === undefined)) {
    const wi = w.data[0];
    const pi = p.data[0];
    const k = to - from >= WASM_MIN ? wasmKernel() : null;
    if (k !== null) {
      const edge = edgeOf(pi);
      const element = (i: number, o: Float64Array) => {
        const e = Math.exp(-Math.abs(x[i]));
        o[0] = lossFrom(x[i], y[i], wi, pi, e, Math.log1p(e), edge);
        o[1] = grad === undefined ? 0 : gradFrom(x[i], y[i], wi, pi, e, d, edge);
      };
      wasmElements(k, x, y, wi, pi, edge, d, from, to, { loss, grad, sum, element });
    } else if (sum !== undefined) {
      if (grad === undefined) sumUniform(x, y, wi, pi, from, to, sum);
      else sumGradUniform(x, y, wi, pi, from, to, sum, grad, d);
    } else if (loss !== undefined) {
      if (grad === undefined) noneUniform(x, y, wi, pi, from, to, loss);
      else noneGradUniform(x, y, wi, pi, from, to, loss, grad, d);
    }
  } else {
    elementsBroadcast(x, y, w, p, from, to, out);
  }
}

/** The element losses, for uniform weights. */
function noneUniform(x: Float64Array, y: Float64Array, wi: number, pi: number, from: number, to: number, loss: Float64Array): void {
  const edge = edgeOf(pi);
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const e = Math.exp(-Math.abs(xi));
    loss[i - from] = lossFrom(xi, y[i], wi, pi, e, Math.log1p(e), edge);
  }
}

/** The element losses and d/dx divided by d, for uniform weights. */
function noneGradUniform(x: Float64Array, y: Float64Array, wi: number, pi: number, from: number, to: number, loss: Float64Array, grad: Float64Array, d: number): void {
  const edge = edgeOf(pi);
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const e = Math.exp(-Math.abs(xi));
    loss[i - from] = lossFrom(xi, yi, wi, pi, e, Math.log1p(e), edge);
    grad[i - from] = gradFrom(xi, yi, wi, pi, e, d, edge);
  }
}

/** The compensated sum of the element losses, for uniform weights. */
function sumUniform(x: Float64Array, y: Float64Array, wi: number, pi: number, from: number, to: number, sum: CompensatedSum): void {
  const state = sum.state();
  let s = state[0];
  let c = state[1];
  const edge = edgeOf(pi);
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const e = Math.exp(-Math.abs(xi));
    const l = lossFrom(xi, y[i], wi, pi, e, Math.log1p(e), edge);
    const t = s + l;
    c = compensate(c, s, l, t);
    s = t;
  }
  sum.setState(s, c);
}

/** The compensated sum of the element losses and d/dx divided by d, for uniform weights. */
function sumGradUniform(x: Float64Array, y: Float64Array, wi: number, pi: number, from: number, to: number, sum: CompensatedSum, grad: Float64Array, d: number): void {
  const state = sum.state();
  let s = state[0];
  let c = state[1];
  const edge = edgeOf(pi);
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const e = Math.exp(-Math.abs(xi));
    const l = lossFrom(xi, yi, wi, pi, e, Math.log1p(e), edge);
    const t = s + l;
    c = compensate(c, s, l, t);
    s = t;
    grad[i - from] = gradFrom(xi, yi, wi, pi, e, d, edge);
  }
  sum.setState(s, c);
}

/** bceElements in general: weight and pos_weight read through their broadcast plans, d/dy too. */
function elementsBroadcast(x: Float64Array, y: Float64Array, w: BroadcastPlan, p: BroadcastPlan, from: number, to: number, out: ElementOutputs): void {
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
    const e = Math.exp(-Math.abs(xi));
    const edge = edgeOf(pi);
    const sp = needLoss || gradTargets !== undefined ? Math.log1p(e) : 0;
    if (needLoss) {
      const l = lossFrom(xi, yi, wi, pi, e, sp, edge);
      if (loss !== undefined) loss[i - from] = l;
      if (sum !== undefined) {
        // compensate(c, s, l, t) written out: V8 runs this loop slower with the call inlined here
        // (README, Performance)
        const t = s + l;
        if (Math.abs(s) >= Math.abs(l)) c += s - t + l;
        else c += l - t + s;
        s = t;
      }
    }
    if (grad !== undefined) grad[i - from] = gradFrom(xi, yi, wi, pi, e, d, edge);
    if (gradTargets !== undefined) gradTargets[i - from] = gradTargetFrom(xi, yi, wi, pi, e, sp, d);
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
  /** mean and sum: the total as ChunkSums.state() gives it, to be merged with other results' */
  sums?: [number, number, number];
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
  weight?: BroadcastPlan;
  posWeight?: BroadcastPlan;
  /** element losses (reduction 'none') */
  loss?: Float64Array;
  grad?: Float64Array;
  gradTargets?: Float64Array;
  /** for 'mean' and 'sum', PARTIAL per chunk: its sum, its compensation, and 1 if summed at 2^-64 (chunkPartial) */
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
  else plan.partials = alloc(PARTIAL * Math.ceil(n / SUM_CHUNK));
  if (options.grad) plan.grad = alloc(n);
  if (options.gradTargets) plan.gradTargets = alloc(n);
  return plan;
}

/** Numbers per chunk in BcePlan.partials. */
export const PARTIAL = 3;

/**
 * One chunk's losses [from, to) summed: (sum, compensation, 0), or, when that sum is not finite,
 * the sum at 2^-64 and 1, so that ChunkSums can still give a finite sum or mean.
 */
export function chunkPartial(
  x: Float64Array,
  y: Float64Array,
  weight: BroadcastPlan | undefined,
  posWeight: BroadcastPlan | undefined,
  from: number,
  to: number,
  out: ElementOutputs = {},
): [number, number, number] {
  const sum = new CompensatedSum();
  bceElements(x, y, weight, posWeight, from, to, { ...out, sum });
  const [s, c] = sum.state();
  if (s - s === 0) return [s, c, 0];
  const [ls, lc] = scaledChunkSum(x, y, weight ?? ONE, posWeight ?? ONE, from, to);
  return [ls, lc, 1];
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
    if (partials) partials.set(chunkPartial(x, y, weight, posWeight, lo, hi, out), PARTIAL * Math.floor(lo / SUM_CHUNK));
    else bceElements(x, y, weight, posWeight, lo, hi, out);
  }
}

/** Merges the chunks' partial sums in order and returns the result. */
export function finishBce(plan: BcePlan): BceResult {
  let loss: number | Float64Array;
  let sums: [number, number, number] | undefined;
  if (plan.loss) loss = plan.loss;
  else {
    const total = new ChunkSums();
    const partials = plan.partials as Float64Array;
    for (let k = 0; k < partials.length; k += PARTIAL) total.add(partials[k], partials[k + 1], partials[k + 2]);
    // Empty input: mean is 0 / 0 = NaN, sum is 0, as in PyTorch.
    loss = total.result(plan.reduction === 'mean', plan.n);
    sums = total.state();
  }
  const result: BceResult = { reduction: plan.reduction, shape: plan.shape, loss };
  if (sums) result.sums = sums;
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
