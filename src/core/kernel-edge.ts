/**
 * The element formula at its edges, where the plain evaluation in kernel.ts loses digits or overflows:
 * - |x| > 708.4: e = exp(-|x|) is subnormal and carries fewer than 53 bits. Where the result is e times
 *   the factors alone (no linear term), it is formed from E = e * 2^1000, in the normal range, and
 *   scaled back by one multiplication (one rounding, as for any result in the subnormal range);
 * - an intermediate overflow (w * t, or (1 - y) x + lw softplus before w): the terms are scaled down by
 *   a power of two first, so a finite exact result is never lost;
 * - a sum of losses that overflows: the chunk is summed again scaled by 2^-64 (ChunkSums).
 * Infinite logits take their limits here too (e = 0).
 */

import type { BroadcastPlan } from './tensor.js';
import { valueAt } from './tensor.js';
import { CompensatedSum } from './sum.js';

/** the smallest normal double: exp(-|x|) below it is subnormal (|x| > 708.396) */
export const MIN_NORMAL = 2.2250738585072014e-308;
/** 1000 ln 2 = C_HI + C_LO; C_HI is a multiple of 2^-43, so -|x| + C_HI is exact for 708 <= |x| < 1717 */
const C_HI = 693.1471805599454;
const C_LO = -4.5199270178446646e-14;
const TAIL_DOWN = 2 ** -1000;
/** the scale of a rescued sum or element */
const DOWN = 2 ** -64;
const UP = 2 ** 64;
/** the scale of terms that are subnormal before w multiplies them back into the normal range */
const BIG = 2 ** 600;
const SMALL = 2 ** -600;

/**
 * The smallest e = exp(-|x|) at which the plain evaluation is trusted, for pos_weight p: below it e may be
 * subnormal, or the terms before w may be (lw = (1 - y) + p y >= min(1, p) for 0 <= y <= 1, so lw sp is at least
 * min(1, p) e / 2; with p = 0, lw is 1 - y, 0 or at least 2^-53). One threshold per p keeps the test to one
 * comparison per element, which the loops hoist when p is uniform.
 */
export function edgeOf(p: number): number {
  if (p >= 1) return 2 * MIN_NORMAL;
  return p > 0 ? (2 * MIN_NORMAL) / p : 2 * MIN_NORMAL * 2 ** 53;
}

/** x * c where an exactly-zero coefficient wins over an infinite x: the term's limit is 0, not NaN. */
export function scaled(c: number, x: number): number {
  return c === 0 && x === x ? 0 : c * x;
}

/** exp(-|x|) * 2^1000 for |x| >= 708: exp(-|x| + C_HI) (exact argument) times (1 + C_LO). */
function expTail(x: number): number {
  const r = Math.exp(C_HI - Math.abs(x));
  return r + r * C_LO;
}

/** w * t / d, scaling by 1/d first when w * t alone would overflow. */
function divide(w: number, t: number, d: number): number {
  const r = w * t;
  return r - r === 0 ? r / d : (t / d) * w;
}

/** The element loss times s (a power of two): s = 1 is bceElement's own formula. */
function lossScaled(x: number, y: number, w: number, p: number, s: number): number {
  const pos = x >= 0;
  const lin = scaled((pos ? 1 - y : -p * y) * s, x);
  const lws = (1 - y + p * y) * s;
  const e = Math.exp(pos ? -x : x);
  if (e >= MIN_NORMAL) {
    const inner = lin + lws * Math.log1p(e);
    // Case: the terms before w subnormal (a small lw or coefficient): formed at 2^600, scaled back once
    if (inner !== 0 && Math.abs(inner) < MIN_NORMAL && s === 1) return lossScaled(x, y, w, p, BIG) * SMALL;
    // Case: e normal: w [a x + lw log1p(e)]
    return w * inner;
  }
  // Case: e subnormal beside a non-zero linear term (|a x| >= 708 |a|), which it cannot move; NaN too
  if (lin !== 0) return w * (lin + lws * e);
  // Case: the loss is w lw e alone (log1p(e) = e here): formed in the normal range, scaled back once
  return w * (lws * expTail(x)) * TAIL_DOWN;
}

/** bceElement where the plain evaluation is not to be trusted: e subnormal, or a non-finite result. */
export function lossEdge(x: number, y: number, w: number, p: number): number {
  const l = lossScaled(x, y, w, p, 1);
  // Case: a finite logit and a non-finite loss: an intermediate may have overflowed; scale the terms first
  if (l - l !== 0 && x - x === 0) return lossScaled(x, y, w, p, DOWN) * UP;
  return l;
}

/** bceGradLogit (divided by d) where e is subnormal or the plain result is not finite. */
export function gradLogitEdge(x: number, y: number, w: number, p: number, d: number): number {
  const pos = x >= 0;
  const e = Math.exp(pos ? -x : x);
  const q = 1 + e;
  const t = pos ? (1 - y) * (1 / q) - p * y * (e / q) : (1 - y) * (e / q) - p * y * (1 / q);
  // Case: e normal, and the terms before w subnormal (a small coefficient): formed at 2^600, scaled back once
  if (e >= MIN_NORMAL && t !== 0 && Math.abs(t) < MIN_NORMAL) {
    const a = (1 - y) * BIG;
    const b = p * y * BIG;
    return divide(w, pos ? a * (1 / q) - b * (e / q) : a * (e / q) - b * (1 / q), d) * SMALL;
  }
  // Case: e normal, or the sigmoid near 1 has a non-zero coefficient, which e cannot move
  if (e >= MIN_NORMAL || (pos ? 1 - y : p * y) !== 0) return divide(w, t, d);
  // Case: the gradient is w e times a coefficient: formed in the normal range (q = 1 here)
  const E = expTail(x);
  return divide(w, pos ? 1 - y - p * y * E : (1 - y) * E - p * y, d) * TAIL_DOWN;
}

/** bceGradTarget (divided by d) where e is subnormal or the plain result is not finite. */
export function gradTargetEdge(x: number, y: number, w: number, p: number, d: number): number {
  void y;
  const pos = x >= 0;
  const e = Math.exp(pos ? -x : x);
  const lin = pos ? -x : scaled(-p, x);
  if (e >= MIN_NORMAL || lin !== 0) {
    const g = divide(w, lin + (p - 1) * Math.log1p(e), d);
    // Case: -p x overflowed for a finite x: the terms at 2^-64 first
    if (g - g !== 0 && x - x === 0) return divide(w, (pos ? -x * DOWN : scaled(-p * DOWN, x)) + (p - 1) * DOWN * Math.log1p(e), d) * UP;
    return g;
  }
  // Case: p = 0 and x < -708.4: d/dy = -w e, formed in the normal range
  return divide(w, lin + (p - 1) * expTail(x), d) * TAIL_DOWN;
}

/**
 * The compensated sum of the losses [from, to) scaled by 2^-64, for a chunk whose plain sum is not
 * finite: the sum of finite losses can overflow where the mean, or the sum itself, does not.
 */
export function scaledChunkSum(x: Float64Array, y: Float64Array, w: BroadcastPlan, p: BroadcastPlan, from: number, to: number): [number, number] {
  const sum = new CompensatedSum();
  for (let i = from; i < to; i++) {
    sum.add(lossScaled(x[i], y[i], valueAt(w, i), valueAt(p, i), DOWN));
  }
  return sum.state();
}

/**
 * The chunks' partial sums, merged in order: (sum, compensation, 0) for a plain chunk, (sum,
 * compensation, 1) for one summed at 2^-64. The plain total is the result whenever it is finite; otherwise
 * the total at 2^-64, so an overflow in the sum does not hide a finite sum or mean.
 */
export class ChunkSums {
  private readonly plain = new CompensatedSum();
  private readonly low = new CompensatedSum();
  private rescued = false;
  add(s: number, c: number, isScaled: number): void {
    const cc = s - s === 0 ? c : 0;
    if (isScaled) {
      this.rescued = true;
      this.low.add(s);
      this.low.add(cc);
    } else {
      this.plain.add(s);
      this.plain.add(cc);
      this.low.add(s * DOWN);
      this.low.add(cc * DOWN);
    }
  }
  /**
   * The total as one partial sum, which add() takes back: (sum, compensation, 0), or the total at 2^-64 and 1
   * when the plain one is not to be used. A ChunkSums given only this state gives the same result().
   */
  state(): [number, number, number] {
    const v = this.plain.value;
    if (!this.rescued && v - v === 0) return [...this.plain.state(), 0];
    return [...this.low.state(), 1];
  }
  /** the sum, or the mean over n */
  result(mean: boolean, n: number): number {
    const v = this.plain.value;
    if (!this.rescued && v - v === 0) return mean ? v / n : v;
    const t = this.low.value;
    return (mean ? t / n : t) * UP;
  }
}
