/**
 * The fast element loop and the chunked reduction against the straightforward path, bit for bit:
 * bceElements vs bceElementsReference (the scalar functions one by one), and any split of a plan into
 * chunk-aligned ranges (what the worker threads compute) vs one thread.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { allowWasm } from '../src/core/kernel-wasm.js';
import fc from 'fast-check';
import {
  bceElements,
  bceElementsReference,
  bceWithLogits,
  finishBce,
  planBce,
  runBcePlan,
  SUM_CHUNK,
} from '../src/core/kernel.js';
import type { ElementOutputs, Reduction } from '../src/core/kernel.js';
import { CompensatedSum } from '../src/core/sum.js';
import { broadcastTo } from '../src/core/tensor.js';
import type { Tensor } from '../src/core/tensor.js';
import { flat, readJson, ulpDiff } from './helpers/numbers.js';

/** Same bits (NaN equals NaN; +0 and -0 differ). */
function sameBits(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const special = fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-320, -1e-320, 37, -37, 745.2, -745.2, 1e308, -1e308, 0.5, 712.5, -730.1, 1.5, 1000, Number.MAX_VALUE, -Number.MAX_VALUE);
const anyDouble = fc.oneof(fc.double(), special, fc.double({ min: -50, max: 50, noNaN: true }));
const target = fc.oneof(fc.constantFrom(0, 1, -0, 0.5, 0.25, 2, -1, NaN, Infinity), fc.double({ min: -2, max: 3 }));

/** A shape of rank 1-3 with small dimensions, and an operand shape that broadcasts to it. */
const shapeAndOperand = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }).map((keep) => shape.map((d, k) => (keep[k] ? d : 1))),
      fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }).map((keep) => shape.map((d, k) => (keep[k] ? d : 1))),
    ),
  );

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('bceElements (fast) = bceElementsReference, bit for bit', () => {
  it('for every output combination, weight/pos_weight plan, range and special value', () => {
    fc.assert(
      fc.property(
        shapeAndOperand,
        fc.array(anyDouble, { minLength: 125, maxLength: 125 }),
        fc.array(target, { minLength: 125, maxLength: 125 }),
        fc.array(fc.oneof(fc.double({ min: 0, max: 5 }), special), { minLength: 125, maxLength: 125 }),
        fc.record({ loss: fc.boolean(), sum: fc.boolean(), grad: fc.boolean(), gradTargets: fc.boolean(), divide: fc.boolean(), weight: fc.boolean(), posWeight: fc.boolean() }),
        fc.tuple(fc.nat(), fc.nat()),
        ([shape, wShape, pShape], xs, ys, ws, want, [a, b]) => {
          const n = numel(shape);
          const x = Float64Array.from(xs.slice(0, n));
          const y = Float64Array.from(ys.slice(0, n));
          const weight = want.weight ? broadcastTo({ data: Float64Array.from(ws.slice(0, numel(wShape))), shape: wShape }, shape, 'weight') : undefined;
          const posWeight = want.posWeight ? broadcastTo({ data: Float64Array.from(ws.slice(7, 7 + numel(pShape))), shape: pShape }, shape, 'pos_weight') : undefined;
          const from = a % (n + 1);
          const to = from + (b % (n - from + 1));
          const make = (): ElementOutputs => {
            const o: ElementOutputs = {};
            if (want.loss) o.loss = new Float64Array(to - from);
            if (want.sum) {
              o.sum = new CompensatedSum();
              o.sum.add(0.125); // a running sum that was started elsewhere
            }
            if (want.grad) o.grad = new Float64Array(to - from);
            if (want.gradTargets) o.gradTargets = new Float64Array(to - from);
            if (want.divide) o.gradDivisor = n;
            return o;
          };
          const fast = make();
          const ref = make();
          bceElements(x, y, weight, posWeight, from, to, fast);
          bceElementsReference(x, y, weight, posWeight, from, to, ref);
          expect(sameBits(fast.loss, ref.loss)).toBe(true);
          expect(sameBits(fast.grad, ref.grad)).toBe(true);
          expect(sameBits(fast.gradTargets, ref.gradTargets)).toBe(true);
          expect(sameBits(fast.sum?.state(), ref.sum?.state())).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('on every torch fixture case', () => {
    const { cases } = readJson<{ cases: { shape: number[]; logits: unknown; targets: unknown; weight?: unknown; weight_shape?: number[]; pos_weight?: unknown; pos_weight_shape?: number[] }[] }>(
      'fixtures/torch/cases.json',
    );
    for (const c of cases) {
      const n = numel(c.shape);
      const weight = c.weight !== undefined ? broadcastTo({ data: flat(c.weight), shape: c.weight_shape ?? [] }, c.shape, 'weight') : undefined;
      const posWeight = c.pos_weight !== undefined ? broadcastTo({ data: flat(c.pos_weight), shape: c.pos_weight_shape ?? [] }, c.shape, 'pos_weight') : undefined;
      for (const grads of [false, true]) {
        const make = (): ElementOutputs => ({
          loss: new Float64Array(n),
          sum: new CompensatedSum(),
          ...(grads ? { grad: new Float64Array(n), gradTargets: new Float64Array(n) } : {}),
        });
        const fast = make();
        const ref = make();
        bceElements(flat(c.logits), flat(c.targets), weight, posWeight, 0, n, fast);
        bceElementsReference(flat(c.logits), flat(c.targets), weight, posWeight, 0, n, ref);
        expect(sameBits(fast.loss, ref.loss)).toBe(true);
        expect(sameBits(fast.grad, ref.grad)).toBe(true);
        expect(sameBits(fast.gradTargets, ref.gradTargets)).toBe(true);
        expect(sameBits(fast.sum?.state(), ref.sum?.state())).toBe(true);
      }
    }
  });
});

describe('the chunked reduction', () => {
  const big = (n: number, seed: number): [Tensor, Tensor] => {
    let s = seed;
    const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = (rnd() - 0.5) * 20;
      y[i] = rnd() < 0.3 ? 1 : rnd() < 0.5 ? 0 : rnd();
    }
    return [{ data: x, shape: [n / 4, 4] }, { data: y, shape: [n / 4, 4] }];
  };

  it('any chunk-aligned split of the work (as threads take it) gives the same bits as one pass', () => {
    const n = 3 * SUM_CHUNK + 4 * 1234;
    const [x, y] = big(n, 7);
    const weight: Tensor = { data: Float64Array.from([0.5, 1, 2, 0]), shape: [4] };
    fc.assert(
      fc.property(
        fc.constantFrom<Reduction>('none', 'mean', 'sum'),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (reduction, cuts, withWeight) => {
          const options = { reduction, grad: true, gradTargets: reduction !== 'sum', weight: withWeight ? weight : undefined };
          const one = bceWithLogits(x, y, options);
          const plan = planBce(x, y, options);
          // cut points at whole chunks, computed in reverse order to show the order does not matter
          const bounds = [0, ...cuts.map((k, i) => Math.min(n, SUM_CHUNK * (k + i))).sort((a, b) => a - b), n];
          for (let i = bounds.length - 2; i >= 0; i--) runBcePlan(plan, bounds[i], Math.max(bounds[i], bounds[i + 1]));
          const split = finishBce(plan);
          if (typeof one.loss === 'number') expect(Object.is(split.loss, one.loss)).toBe(true);
          else expect(sameBits(split.loss as Float64Array, one.loss)).toBe(true);
          expect(sameBits(split.grad, one.grad)).toBe(true);
          expect(sameBits(split.gradTargets, one.gradTargets)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('is within 1 ulp of one compensated sum over every element, and the gradients are the reference ones (JS loops)', () => {
    const n = 5 * SUM_CHUNK + 8;
    const [x, y] = big(n, 11);
    // the WebAssembly loops have their own exp and log1p: test/kernel.wasm.test.ts bounds them against these
    allowWasm(false);
    onTestFinished(() => allowWasm(true));
    for (const reduction of ['mean', 'sum'] as const) {
      const r = bceWithLogits(x, y, { reduction, grad: true });
      const sum = new CompensatedSum();
      const grad = new Float64Array(n);
      bceElementsReference(x.data, y.data, undefined, undefined, 0, n, { sum, grad, gradDivisor: reduction === 'mean' ? n : undefined });
      const expected = reduction === 'mean' ? sum.value / n : sum.value;
      expect(ulpDiff(r.loss as number, expected)).toBeLessThanOrEqual(1);
      expect(sameBits(r.grad, grad)).toBe(true);
    }
  });

  it('keeps a non-finite partial sum: inf in one chunk is inf, inf and -inf is NaN', () => {
    const n = 2 * SUM_CHUNK;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    x[5] = Infinity; // y = 0: loss +inf
    expect(bceWithLogits({ data: x, shape: [n] }, { data: y, shape: [n] }, { reduction: 'sum' }).loss).toBe(Infinity);
    const w = new Float64Array(n).fill(1);
    w[SUM_CHUNK + 3] = -1;
    x[SUM_CHUNK + 3] = Infinity;
    const r = bceWithLogits({ data: x, shape: [n] }, { data: y, shape: [n] }, { reduction: 'sum', weight: { data: w, shape: [n] } });
    expect(r.loss).toBeNaN();
  });

  it('empty input: mean is NaN, sum is 0', () => {
    const e: Tensor = { data: new Float64Array(0), shape: [0, 3] };
    expect(bceWithLogits(e, e, { reduction: 'mean' }).loss).toBeNaN();
    expect(bceWithLogits(e, e, { reduction: 'sum' }).loss).toBe(0);
  });
});
