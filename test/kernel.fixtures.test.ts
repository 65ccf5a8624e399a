/**
 * The kernel against real PyTorch (float64) and a 100-digit mpmath reference: fixtures/torch/, made by
 * fixtures/torch/generate.py. Tolerances are in ulp of the reference, with the reason next to each.
 */
import { describe, expect, it } from 'vitest';
import { bceElement, bceGradLogit, bceGradTarget, bceWithLogits } from '../src/core/kernel.js';
import type { Reduction } from '../src/core/kernel.js';
import { resolveReduction } from '../src/core/reduction.js';
import type { Tensor } from '../src/core/tensor.js';
import { flat, num, readJson, ulpDiff } from './helpers/numbers.js';

interface Quantities {
  loss: unknown;
  grad: unknown;
  grad_targets: unknown;
}
interface Case {
  name: string;
  shape: number[];
  logits: unknown;
  targets: unknown;
  weight?: unknown;
  weight_shape?: number[];
  pos_weight?: unknown;
  pos_weight_shape?: number[];
  reduction: Reduction;
  legacy?: { size_average: boolean | null; reduce: boolean | null };
  reduction_arg?: string;
  warning?: string;
  torch: Quantities;
  reference: Quantities;
}

const { cases } = readJson<{ cases: Case[] }>('fixtures/torch/cases.json');
const t = (data: unknown, shape: number[]): Tensor => ({ data: flat(data), shape });

/** Element loss: each of the two non-negative terms ~1 ulp, their sum and the weight 0.5 ulp each. */
const LOSS_ULP = 2;
/** d/dx: sigmoid (exp, add, divide) ~1.5 ulp, times p, y and w. */
const GRAD_ULP = 3;
/** A sum of element values: the compensated sum is ~1 ulp of the result, the mean's division 0.5 more. */
const REDUCED_ULP = 2;

function run(c: Case, reduction = c.reduction) {
  return bceWithLogits(t(c.logits, c.shape), t(c.targets, c.shape), {
    weight: c.weight !== undefined ? t(c.weight, c.weight_shape ?? []) : undefined,
    posWeight: c.pos_weight !== undefined ? t(c.pos_weight, c.pos_weight_shape ?? []) : undefined,
    reduction,
    grad: true,
    gradTargets: true,
  });
}

/** max ulp distance between got and the reference, element-wise (non-finite values must match exactly) */
function worst(got: Float64Array | number, ref: unknown): number {
  const g = typeof got === 'number' ? [got] : [...got];
  const r = typeof got === 'number' ? [num(ref)] : [...flat(ref)];
  expect(g.length).toBe(r.length);
  return Math.max(0, ...g.map((x, i) => ulpDiff(x, r[i])));
}

/** x is within `ulps` of ref, or within an absolute `eps` times max(1, |ref|); non-finite refs must match exactly. */
function close(x: number, ref: number, ulps: number, eps: number): boolean {
  if (!Number.isFinite(ref)) return Object.is(x, ref) || (x !== x && ref !== ref);
  return ulpDiff(x, ref) <= ulps || Math.abs(x - ref) <= eps * Math.max(1, Math.abs(ref));
}

/** Soft targets (0 < y < 1) make d/dx and d/dy differences of two terms: allow relative error near the cancellation. */
function softTargets(c: Case): boolean {
  return [...flat(c.targets)].some((y) => y > 0 && y < 1);
}

describe('kernel vs the mpmath reference, every torch fixture case', () => {
  for (const c of cases) {
    if (c.legacy || c.reduction_arg) continue;
    it(c.name, () => {
      const r = run(c);
      expect(r.shape).toEqual(c.shape);
      const lossTol = c.reduction === 'none' ? LOSS_ULP : REDUCED_ULP + LOSS_ULP;
      expect(worst(r.loss, c.reference.loss)).toBeLessThanOrEqual(lossTol);
      if (!softTargets(c)) {
        expect(worst(r.grad as Float64Array, c.reference.grad)).toBeLessThanOrEqual(GRAD_ULP);
      } else {
        // cancellation in (1 - y) sigmoid(x) - p y sigmoid(-x): absolute error ~ 4 eps of the larger term
        const g = [...(r.grad as Float64Array)];
        const ref = [...flat(c.reference.grad)];
        g.forEach((x, i) => expect(close(x, ref[i], GRAD_ULP, 8 * 2 ** -52), `${c.name} grad[${i}]`).toBe(true));
      }
      const gt = [...(r.gradTargets as Float64Array)];
      const gtRef = [...flat(c.reference.grad_targets)];
      // d/dy = -x - (p - 1) log_sigmoid(x): exact for p = 1; otherwise a few ulp of the larger term
      gt.forEach((x, i) => {
        expect(close(x, gtRef[i], 4, 8 * 2 ** -52), `${c.name} grad_targets[${i}]: ${x} vs ${gtRef[i]}`).toBe(true);
      });
    });
  }
});

describe('agreement with PyTorch where PyTorch is accurate', () => {
  it('the seed example gives the true mean and sum', () => {
    const mean = cases.find((c) => c.name === 'seed-mean') as Case;
    const sum = cases.find((c) => c.name === 'seed-sum') as Case;
    expect(run(mean).loss).toBe(num(mean.reference.loss));
    expect(run(sum).loss).toBe(num(sum.reference.loss));
    // PyTorch agrees on these to the last bit
    expect(run(mean).loss).toBe(num(mean.torch.loss));
  });

  it('every element loss is at least as close to the reference as PyTorch, give or take 1 ulp', () => {
    for (const c of cases.filter((k) => k.reduction === 'none')) {
      const got = [...(run(c).loss as Float64Array)];
      const ref = [...flat(c.reference.loss)];
      const torch = [...flat(c.torch.loss)];
      got.forEach((x, i) => {
        if (!Number.isFinite(ref[i])) return; // infinities: PyTorch's NaN is not a distance
        expect(ulpDiff(x, ref[i]), `${c.name}[${i}]`).toBeLessThanOrEqual(Math.max(ulpDiff(torch[i], ref[i]), 1));
      });
    }
  });
});

describe('special values', () => {
  it('empty input: mean is NaN, sum is 0, none is empty', () => {
    const e = { data: new Float64Array(0), shape: [0, 3] };
    expect(bceWithLogits(e, e, { reduction: 'mean' }).loss).toBeNaN();
    expect(bceWithLogits(e, e, { reduction: 'sum' }).loss).toBe(0);
    expect((bceWithLogits(e, e, { reduction: 'none' }).loss as Float64Array).length).toBe(0);
  });

  it('infinite logits give the mathematical limit where PyTorch gives NaN', () => {
    expect(bceElement(Infinity, 1)).toBe(0);
    expect(bceElement(-Infinity, 0)).toBe(0);
    expect(bceElement(-Infinity, 1)).toBe(Infinity);
    expect(bceElement(Infinity, 0)).toBe(Infinity);
    expect(bceElement(Infinity, 1, 2, 3)).toBe(0);
    expect(bceGradLogit(Infinity, 1) === 0).toBe(true);
    expect(bceGradLogit(-Infinity, 0)).toBe(0);
    expect(bceGradTarget(Infinity, 1)).toBe(-Infinity);
    expect(bceGradTarget(-Infinity, 0)).toBe(Infinity);
    const nonfinite = cases.find((c) => c.name === 'nonfinite-inf-nan-none') as Case;
    const ref = [...flat(nonfinite.reference.loss)];
    const got = [...(run(nonfinite).loss as Float64Array)];
    got.forEach((x, i) => expect(Object.is(x, ref[i]) || ulpDiff(x, ref[i]) <= LOSS_ULP).toBe(true));
  });

  it('NaN propagates to the element and to the reduction', () => {
    expect(bceElement(NaN, 1)).toBeNaN();
    expect(bceElement(1, NaN)).toBeNaN();
    const x = { data: Float64Array.from([1, NaN, 2]), shape: [3] };
    const y = { data: Float64Array.from([1, 0, 0]), shape: [3] };
    expect(bceWithLogits(x, y, { reduction: 'sum' }).loss).toBeNaN();
    expect(bceWithLogits(x, y, { reduction: 'mean' }).loss).toBeNaN();
  });

  it('-0 and subnormal logits', () => {
    expect(bceElement(-0, 0)).toBe(Math.LN2);
    expect(bceElement(-0, 1)).toBe(Math.LN2);
    expect(bceElement(5e-324, 0)).toBe(Math.LN2);
    // x = -1e6, y = 0: the loss is e^x, which underflows to 0 in double; PyTorch too
    expect(bceElement(-1e6, 0)).toBe(0);
    // x = -700, y = 0: e^-700 is a normal double; PyTorch returns 0 here
    expect(ulpDiff(bceElement(-700, 0), Math.exp(-700))).toBeLessThanOrEqual(1);
  });
});

describe('legacy size_average / reduce and elementwise_mean, as PyTorch resolves them', () => {
  for (const c of cases.filter((k) => k.legacy || k.reduction_arg)) {
    it(c.name, () => {
      const sa = c.legacy?.size_average ?? undefined;
      const rd = c.legacy?.reduce ?? undefined;
      const resolved = resolveReduction(c.reduction_arg, sa, rd);
      expect(resolved.reduction).toBe(c.reduction);
      expect(resolved.warnings).toEqual([c.warning]);
      expect(worst(run(c, resolved.reduction).loss, c.reference.loss)).toBeLessThanOrEqual(REDUCED_ULP + LOSS_ULP);
    });
  }
});
