/**
 * The WebAssembly element loops (src/core/kernel-wasm.ts) against the mpmath references and against the JS
 * kernel: the README's accuracy bounds hold for every element the module computes (each element is given as
 * a pair of itself, so the module, not the JS formula for a lone last element, computes it); the losses,
 * gradients and sums agree with the JS kernel within stated bounds; and the JS kernel takes over where the
 * module is turned off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bceElement, bceElementsReference, bceGradLogit, bceWithLogits, SUM_CHUNK, WASM_MIN } from '../src/core/kernel.js';
import { allowWasm, wasmElements, wasmKernel } from '../src/core/kernel-wasm.js';
import type { WasmKernel } from '../src/core/kernel-wasm.js';
import { edgeOf } from '../src/core/kernel-edge.js';
import { CompensatedSum } from '../src/core/sum.js';
import { EPS, flat, readJson, ulpDiff, worst } from './helpers/numbers.js';

const k = wasmKernel() as WasmKernel;

/** One element (x, y, w, p, d) through the module: loss, d/dx, and whether the module (not the JS formula) computed it. */
function viaWasm(x: number, y: number, w: number, p: number, d = 1) {
  const loss = new Float64Array(2);
  const grad = new Float64Array(2);
  let js = false;
  const element = (i: number, o: Float64Array) => {
    js = true;
    o[0] = bceElement(x, y, w, p);
    o[1] = bceGradLogit(x, y, w, p, d);
  };
  wasmElements(k, Float64Array.of(x, x), Float64Array.of(y, y), w, p, edgeOf(p), d, 0, 2, { loss, grad, element });
  expect(Object.is(loss[0], loss[1]) && Object.is(grad[0], grad[1])).toBe(true);
  return { loss: loss[0], grad: grad[0], wasm: !js };
}

interface Grid {
  x: unknown[];
  y: unknown[];
  w: unknown[];
  p: unknown[];
  n?: unknown[];
  reference?: { loss: unknown[]; grad: unknown[] };
  loss?: unknown[];
  grad?: unknown[];
}

/** The README's bounds over one fixture grid of (x, y, w, p[, n]) with mpmath references. */
function checkGrid(label: string, g: Grid, moduleShare = 1 / 3) {
  const [x, y, w, p] = [flat(g.x), flat(g.y), flat(g.w), flat(g.p)];
  const d = g.n ? flat(g.n) : new Float64Array(x.length).fill(1);
  const ref = { loss: flat(g.reference?.loss ?? g.loss), grad: flat(g.reference?.grad ?? g.grad) };
  const r = Array.from(x, (_, i) => viaWasm(x[i], y[i], w[i], p[i], d[i]));
  const at = (i: number) => `x=${x[i]} y=${y[i]} w=${w[i]} p=${p[i]} d=${d[i]}`;
  const inside = (i: number) => y[i] >= 0 && y[i] <= 1;
  const hard = (i: number) => y[i] === 0 || y[i] === 1;
  it(`${label}: loss within 2 ulp (0 <= y <= 1), d/dx within 2 ulp (y in {0, 1}, w = p = 1) and 3 ulp (with w, p), 2 eps of its terms (soft y)`, () => {
    // the module computes most of a grid; the rest are edges the JS formula takes (most of the edge groups)
    expect(r.filter((e) => e.wasm).length).toBeGreaterThan(x.length * moduleShare);
    const l = worst(x.length, (i) => ulpDiff(r[i].loss, ref.loss[i]), inside, at);
    expect(l.v, l.where).toBeLessThanOrEqual(2);
    const g1 = worst(x.length, (i) => ulpDiff(r[i].grad, ref.grad[i]), (i) => hard(i) && w[i] === 1 && p[i] === 1, at);
    expect(g1.v, g1.where).toBeLessThanOrEqual(2);
    const g2 = worst(x.length, (i) => ulpDiff(r[i].grad, ref.grad[i]), hard, at);
    expect(g2.v, g2.where).toBeLessThanOrEqual(g.n ? 2 : 3);
    const size = (i: number) => (w[i] * (Math.abs(1 - y[i]) + Math.abs(p[i] * y[i]))) / d[i];
    const s = worst(x.length, (i) => Math.abs(r[i].grad - ref.grad[i]) / (EPS * size(i)), (i) => !hard(i), at);
    expect(s.v, s.where).toBeLessThanOrEqual(2);
  });
}

describe('the WebAssembly loops against mpmath, with the accuracy tests\' bounds', () => {
  expect(k).not.toBeNull();
  checkGrid('extreme grid', readJson<Grid>('fixtures/torch/extreme.json'));
  const P = readJson<{ elements: Record<string, Grid>; chained: Grid }>('fixtures/torch/parity.json');
  for (const [name, g] of Object.entries(P.elements)) checkGrid(`parity ${name}`, g, name.startsWith('subnormal') ? 1 / 50 : 1 / 3);
  checkGrid('parity chained w, p, 1/n', P.chained);
});

const logit = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -40, max: 40, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -800, max: 800, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 708, -708, 708.5, -745.2, 1e-320, 1e308) },
);
const target = fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true }));
const factor = fc.oneof(fc.constant(1), fc.double({ min: 1e-6, max: 100, noNaN: true }), fc.constantFrom(0, 1e-300));

describe('the WebAssembly loops against the JS kernel', () => {
  it('element losses and d/dx: within 2 ulp of the JS values where those are above 2^-1000, the same where the JS formula takes the edge; sums within 2 ulp', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(logit, target), { minLength: 1, maxLength: 300 }), factor, factor, fc.boolean(), fc.nat(3), (xy, w, p, mean, from) => {
        const n = xy.length + from;
        const x = Float64Array.from({ length: n }, (_, i) => (i < from ? 0.5 : xy[i - from][0]));
        const y = Float64Array.from({ length: n }, (_, i) => (i < from ? 1 : xy[i - from][1]));
        const d = mean ? n : 1;
        const jsLoss = new Float64Array(n - from);
        const jsGrad = new Float64Array(n - from);
        const jsSum = new CompensatedSum();
        jsSum.add(0.25);
        const W = { data: Float64Array.of(w), inner: 1, block: 1 };
        const P = { data: Float64Array.of(p), inner: 1, block: 1 };
        bceElementsReference(x, y, W, P, from, n, { loss: jsLoss, grad: jsGrad, sum: jsSum, gradDivisor: d });
        const loss = new Float64Array(n - from);
        const grad = new Float64Array(n - from);
        const sum = new CompensatedSum();
        sum.add(0.25);
        const element = (i: number, o: Float64Array) => {
          o[0] = bceElement(x[i], y[i], w, p);
          o[1] = bceGradLogit(x[i], y[i], w, p, d);
        };
        wasmElements(k, x, y, w, p, edgeOf(p), d, from, n, { loss, grad, element });
        wasmElements(k, x, y, w, p, edgeOf(p), d, from, n, { sum, element });
        for (let i = 0; i < n - from; i++) {
          for (const [a, b] of [[loss[i], jsLoss[i]], [grad[i], jsGrad[i]]]) {
            // below 2^-1000 the JS formula's edge cases decide alone: the module defers to them
            if (Math.abs(b) < 2 ** -1000 || !Number.isFinite(b)) expect(Object.is(a, b) || ulpDiff(a, b) <= 2, `${x[i + from]} ${y[i + from]}: ${a} vs ${b}`).toBe(true);
            else expect(ulpDiff(a, b), `x=${x[i + from]} y=${y[i + from]} w=${w} p=${p}: ${a} vs ${b}`).toBeLessThanOrEqual(2);
          }
        }
        const [a, b] = [sum.value, jsSum.value];
        // every loss >= 0: the sums' relative error is a few eps whatever the count
        if (Number.isFinite(b) && b > 2 ** -1000) expect(ulpDiff(a, b), `${a} vs ${b}`).toBeLessThanOrEqual(2);
        else expect(Object.is(a, b) || ulpDiff(a, b) <= 2).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('over several chunks (soft and hard targets): mean and sum within 2 ulp of the JS compensated sum, d/dx within 2 ulp', () => {
    const n = 5 * SUM_CHUNK + 9;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 25);
    const y = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 0 : Math.abs(Math.cos(i))));
    for (const reduction of ['mean', 'sum'] as const) {
      const d = reduction === 'mean' ? n : 1;
      const sum = new CompensatedSum();
      const grad = new Float64Array(n);
      bceElementsReference(x, y, undefined, undefined, 0, n, { sum, grad, gradDivisor: d });
      const r = bceWithLogits({ data: x, shape: [n] }, { data: y, shape: [n] }, { reduction, grad: true });
      expect(ulpDiff(r.loss as number, sum.value / d)).toBeLessThanOrEqual(2);
      let worstUlp = 0;
      for (let i = 0; i < n; i++) if (y[i] === 0 || y[i] === 1) worstUlp = Math.max(worstUlp, ulpDiff((r.grad as Float64Array)[i], grad[i]));
      expect(worstUlp).toBeLessThanOrEqual(2);
    }
  });

  it('bceWithLogits uses the module from WASM_MIN elements on, the JS loops below it', () => {
    const n = WASM_MIN;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 30);
    const y = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const ref = new Float64Array(n);
    bceElementsReference(x, y, undefined, undefined, 0, n, { loss: ref });
    const big = bceWithLogits({ data: x, shape: [n] }, { data: y, shape: [n] }, { reduction: 'none' }).loss as Float64Array;
    const small = bceWithLogits({ data: x.subarray(1), shape: [n - 1] }, { data: y.subarray(1), shape: [n - 1] }, { reduction: 'none' }).loss as Float64Array;
    // the module's own exp and log1p round differently from V8's somewhere among 4096 elements
    expect(big.some((v, i) => !Object.is(v, ref[i]))).toBe(true);
    expect(small.every((v, i) => Object.is(v, ref[i + 1]))).toBe(true);
    let worstUlp = 0;
    for (let i = 0; i < n; i++) worstUlp = Math.max(worstUlp, ulpDiff(big[i], ref[i]));
    expect(worstUlp).toBeLessThanOrEqual(2);
  });
});

describe('the JS fallback', () => {
  afterEach(() => allowWasm(true));

  it('with the module turned off (as without WebAssembly SIMD), bceWithLogits is the JS kernel, bit for bit', () => {
    const n = 3 * WASM_MIN + 5;
    const x = Float64Array.from({ length: n }, (_, i) => Math.cos(i) * 20);
    const y = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0.25));
    const sum = new CompensatedSum();
    const grad = new Float64Array(n);
    bceElementsReference(x, y, undefined, undefined, 0, n, { sum, grad, gradDivisor: n });
    allowWasm(false);
    expect(wasmKernel()).toBeNull();
    const r = bceWithLogits({ data: x, shape: [n] }, { data: y, shape: [n] }, { grad: true });
    expect(r.loss).toBe(sum.value / n);
    expect(r.grad?.every((v, i) => Object.is(v, grad[i]))).toBe(true);
    allowWasm(true);
    expect(wasmKernel()).not.toBeNull();
    const w = bceWithLogits({ data: x, shape: [n] }, { data: y, shape: [n] }, { grad: true });
    expect(w.grad?.some((v, i) => !Object.is(v, grad[i]))).toBe(true);
  });
});
