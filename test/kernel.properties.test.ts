/** Properties of the kernel that hold for any input (fast-check). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bceElement, bceGradLogit, bceGradTarget, bceWithLogits } from '../src/core/kernel.js';
import type { Tensor } from '../src/core/tensor.js';
import { ulpDiff } from './helpers/numbers.js';

const logit = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const moderate = fc.double({ min: -30, max: 30, noNaN: true });
const prob = fc.double({ min: 0, max: 1, noNaN: true });
const positive = fc.double({ min: 0, max: 10, noNaN: true });
const vec = (n: number, arb: fc.Arbitrary<number>) => fc.array(arb, { minLength: n, maxLength: n });
const T = (a: number[], shape = [a.length]): Tensor => ({ data: Float64Array.from(a), shape });

describe('kernel properties', () => {
  it('the loss is >= 0 for y in [0, 1], w >= 0, p >= 0', () => {
    fc.assert(
      fc.property(logit, prob, positive, positive, (x, y, w, p) => {
        expect(bceElement(x, y, w, p)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('loss(x, y) = loss(-x, 1 - y) without pos_weight (to 2 ulp)', () => {
    fc.assert(
      fc.property(logit, fc.constantFrom(0, 1, 0.5, 0.25), (x, y) => {
        expect(ulpDiff(bceElement(x, y), bceElement(-x, 1 - y))).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('a pos_weight of ones gives exactly the result without one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (n, c) => {
        const xs = Array.from({ length: n * c }, (_, i) => Math.sin(i * 12.9898) * 40);
        const ys = Array.from({ length: n * c }, (_, i) => (i % 3 === 0 ? 1 : 0));
        const a = bceWithLogits(T(xs, [n, c]), T(ys, [n, c]), { reduction: 'none', grad: true, gradTargets: true });
        const b = bceWithLogits(T(xs, [n, c]), T(ys, [n, c]), {
          reduction: 'none',
          grad: true,
          gradTargets: true,
          posWeight: T(new Array(c).fill(1)),
        });
        expect(b).toEqual(a);
      }),
    );
  });

  it('sum = mean * n (to 2 ulp)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(moderate, prob), { minLength: 1, maxLength: 200 }), (pairs) => {
        const x = T(pairs.map((q) => q[0]));
        const y = T(pairs.map((q) => q[1]));
        const sum = bceWithLogits(x, y, { reduction: 'sum' }).loss as number;
        const mean = bceWithLogits(x, y, { reduction: 'mean' }).loss as number;
        expect(ulpDiff(sum, mean * pairs.length)).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('d/dx and d/dy match a central finite difference', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -15, max: 15, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (x, y, w, p) => {
          const h = 1e-6;
          const fdx = (bceElement(x + h, y, w, p) - bceElement(x - h, y, w, p)) / (2 * h);
          const fdy = (bceElement(x, y + h, w, p) - bceElement(x, y - h, w, p)) / (2 * h);
          // truncation O(h^2) plus rounding ~eps * |loss| / h: 1e-6 absolute covers both with room
          const tol = (g: number) => 1e-6 * Math.max(1, Math.abs(g));
          expect(Math.abs(bceGradLogit(x, y, w, p) - fdx)).toBeLessThanOrEqual(tol(fdx) + 1e-8 * Math.abs(x) * w * p);
          expect(Math.abs(bceGradTarget(x, y, w, p) - fdy)).toBeLessThanOrEqual(tol(fdy) + 1e-8 * Math.abs(x) * w * p);
        },
      ),
    );
  });

  it('the mean gradient is the element gradient divided by n', () => {
    fc.assert(
      fc.property(vec(6, moderate), vec(6, prob), (xs, ys) => {
        const none = bceWithLogits(T(xs), T(ys), { reduction: 'none', grad: true });
        const mean = bceWithLogits(T(xs), T(ys), { reduction: 'mean', grad: true });
        (mean.grad as Float64Array).forEach((g, i) => expect(g).toBe((none.grad as Float64Array)[i] / 6));
      }),
    );
  });

  it('broadcast weight [C], [N,1] and a scalar equal their expanded full-shape versions', () => {
    fc.assert(
      fc.property(vec(12, moderate), vec(12, prob), vec(4, positive), vec(3, positive), positive, (xs, ys, wc, wn, ws) => {
        const x = T(xs, [3, 4]);
        const y = T(ys, [3, 4]);
        const full = (f: (i: number, j: number) => number) =>
          T(Array.from({ length: 12 }, (_, k) => f(Math.floor(k / 4), k % 4)), [3, 4]);
        const run = (weight: Tensor) => bceWithLogits(x, y, { reduction: 'none', weight, posWeight: weight, grad: true });
        expect(run(T(wc, [4]))).toEqual(run(full((_, j) => wc[j])));
        expect(run(T(wn, [3, 1]))).toEqual(run(full((i) => wn[i])));
        expect(run(T([ws], []))).toEqual(run(full(() => ws)));
      }),
    );
  });
});

describe('shape rules', () => {
  it('targets must have the logits shape, worded like PyTorch', () => {
    expect(() => bceWithLogits(T([1, 2], [2, 1]), T([1, 2], [2]))).toThrowErrorMatchingInlineSnapshot(`[InputError: Target size (torch.Size([2])) must be the same as input size (torch.Size([2, 1]))]`);
  });
  it('weight may not enlarge the logits, and the message names it', () => {
    expect(() => bceWithLogits(T([1, 2], [2]), T([1, 0], [2]), { weight: T([1, 2, 3, 4], [2, 2]) })).toThrowErrorMatchingInlineSnapshot(`[InputError: weight of shape [2, 2] does not broadcast to the logits' shape [2]: output with shape [2] doesn't match the broadcast shape [2, 2]]`);
    expect(() => bceWithLogits(T([1, 2, 3, 4], [2, 2]), T([1, 0, 1, 0], [2, 2]), { posWeight: T([1, 2, 3]) })).toThrowErrorMatchingInlineSnapshot(`[InputError: pos_weight of shape [3] does not broadcast to the logits' shape [2, 2]: size 3 at dimension 1 must be 2 or 1]`);
  });
  it('[C,1,1] against [B,C,H,W] and a non-contiguous [N,1,W] against [N,C,W] broadcast', () => {
    const x = T(Array.from({ length: 24 }, (_, i) => i / 5 - 2), [2, 3, 2, 2]);
    const y = T(Array.from({ length: 24 }, (_, i) => i % 2), [2, 3, 2, 2]);
    const pw = T([1, 2, 3], [3, 1, 1]);
    const expanded = T(Array.from({ length: 24 }, (_, i) => [1, 2, 3][Math.floor(i / 4) % 3]), [2, 3, 2, 2]);
    expect(bceWithLogits(x, y, { posWeight: pw, reduction: 'none' })).toEqual(bceWithLogits(x, y, { posWeight: expanded, reduction: 'none' }));
    const x3 = T(Array.from({ length: 12 }, (_, i) => i - 6), [2, 3, 2]);
    const w = T([1, 2, 3, 4], [2, 1, 2]);
    const wFull = T(Array.from({ length: 12 }, (_, i) => [1, 2, 3, 4][Math.floor(i / 6) * 2 + (i % 2)]), [2, 3, 2]);
    expect(bceWithLogits(x3, x3, { weight: w, reduction: 'none' })).toEqual(bceWithLogits(x3, x3, { weight: wFull, reduction: 'none' }));
  });
});
