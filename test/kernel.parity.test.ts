/**
 * PyTorch parity and accuracy at the edges, from fixtures/torch/parity.json (made by
 * fixtures/torch/generate_parity.py with real PyTorch 1.13 and a 1000-digit mpmath reference):
 * the accept/reject set of weight and pos_weight shapes over ranks 0-4, small pos_weight, soft targets
 * near 1, targets outside [0, 1], subnormal exp(-|x|) with weights, chained factors w, p and 1/n, sums
 * near the largest double, random (x, y, w, p, reduction) tuples, and the SGD step.
 * Every bound below is the README's accuracy table; ulp are counted against the reference rounded once.
 */
import { describe, expect, it } from 'vitest';
import { bceElement, bceGradLogit, bceGradTarget, bceWithLogits } from '../src/core/kernel.js';
import { bceWithLogitsParallel } from '../src/parallel.js';
import { checkOperandShape } from '../src/core/hints.js';
import { sgdUpdate } from '../src/core/step.js';
import { EPS, flat, num, readJson, ulpDiff, worst } from './helpers/numbers.js';

interface Group {
  x: unknown[];
  y: unknown[];
  w: unknown[];
  p: unknown[];
  torch: Record<'loss' | 'grad' | 'grad_targets', unknown[]>;
  reference: Record<'loss' | 'grad' | 'grad_targets', unknown[]>;
}
interface Parity {
  shapes: { logits: number[]; operand: 'weight' | 'pos_weight'; shape: number[]; accepted: boolean; error: string | null }[];
  elements: Record<string, Group>;
  chained: Record<'x' | 'y' | 'w' | 'p' | 'n' | 'loss' | 'grad' | 'grad_targets', unknown[]>;
  reductions: { name: string; reduction: 'none' | 'mean' | 'sum'; x: unknown[]; y: unknown[]; w: unknown[]; p: unknown[]; reference: Record<'loss' | 'grad' | 'grad_targets', unknown> }[];
  sgd: { x: unknown; lr: unknown; grad: unknown; torch: unknown; reference: unknown }[];
}
const P = readJson<Parity>('fixtures/torch/parity.json');

const T = (data: number[] | Float64Array, shape: number[]) => ({ data: Float64Array.from(data), shape });
const numelOf = (s: number[]) => s.reduce((a, b) => a * b, 1);
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

describe('weight and pos_weight shapes: accepted and rejected exactly as PyTorch does', () => {
  it(`all ${P.shapes.length} (logits, operand) shape pairs over ranks 0-4`, () => {
    const wrong: string[] = [];
    for (const c of P.shapes) {
      const n = numelOf(c.logits);
      const opt = { [c.operand === 'weight' ? 'weight' : 'posWeight']: T(new Float64Array(numelOf(c.shape)).fill(2), c.shape) };
      let err: string | undefined;
      try {
        bceWithLogits(T(new Float64Array(n), c.logits), T(new Float64Array(n).fill(0.5), c.logits), opt);
        checkOperandShape(c.operand, c.shape, c.logits);
      } catch (e) {
        err = (e as Error).message;
      }
      const label = `${c.operand} [${c.shape}] vs logits [${c.logits}]`;
      if (c.accepted !== (err === undefined)) wrong.push(`${label}: torch ${c.accepted ? 'accepts' : 'rejects'}, bce ${err ?? 'accepts'}`);
      // PyTorch's own words where it says the result would be enlarged
      else if (c.error?.startsWith('output with shape') && !err?.includes(c.error)) wrong.push(`${label}: ${err} lacks "${c.error}"`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(P.shapes.filter((c) => c.accepted).length).toBeGreaterThan(50);
  });

  it("an operand that would enlarge the logits' shape (more dimensions, or a 0-d logit), in PyTorch's words", () => {
    expect(() => bceWithLogits(T([1, 2, 3, 4, 5, 6], [2, 3]), T([0, 1, 0, 1, 0, 1], [2, 3]), { weight: T([1, 2, 3], [1, 1, 3]) })).toThrow(
      "output with shape [2, 3] doesn't match the broadcast shape [1, 2, 3]",
    );
    expect(() => bceWithLogits(T([1], []), T([1], []), { posWeight: T([2], [1]) })).toThrow("output with shape [] doesn't match the broadcast shape [1]");
  });
});

describe('element accuracy by group (reduction none, with weight and pos_weight)', () => {
  for (const [name, g] of Object.entries(P.elements)) {
    const [x, y, w, p] = [flat(g.x), flat(g.y), flat(g.w), flat(g.p)];
    const ref = { loss: flat(g.reference.loss), grad: flat(g.reference.grad), dy: flat(g.reference.grad_targets) };
    const at = (i: number) => `x=${x[i]} y=${y[i]} w=${w[i]} p=${p[i]}`;
    const inside = (i: number) => y[i] >= 0 && y[i] <= 1;
    const hard = (i: number) => y[i] === 0 || y[i] === 1;
    const n = x.length;

    it(`${name}: loss within 2 ulp for 0 <= y <= 1 (${n} elements)`, () => {
      const r = worst(n, (i) => ulpDiff(bceElement(x[i], y[i], w[i], p[i]), ref.loss[i]), inside, at);
      expect(r.v, r.where).toBeLessThanOrEqual(2);
    });

    it(`${name}: loss outside [0, 1] within 2 eps of its terms' size`, () => {
      // the terms (1 - y) x or -p y x, and lw softplus, may have opposite signs there: no relative bound exists
      const size = (i: number) => w[i] * (Math.abs(x[i]) * Math.max(Math.abs(1 - y[i]), Math.abs(p[i] * y[i])) + (Math.abs(1 - y[i]) + Math.abs(p[i] * y[i])) * softplus(-Math.abs(x[i])));
      const r = worst(n, (i) => Math.abs(bceElement(x[i], y[i], w[i], p[i]) - ref.loss[i]) / (EPS * size(i)), (i) => !inside(i), at);
      expect(r.v, r.where).toBeLessThanOrEqual(2);
    });

    it(`${name}: d/dx within 2 ulp for y in {0, 1}, and within 2 eps of its terms otherwise`, () => {
      const h = worst(n, (i) => ulpDiff(bceGradLogit(x[i], y[i], w[i], p[i]), ref.grad[i]), hard, at);
      expect(h.v, h.where).toBeLessThanOrEqual(2);
      // soft targets: (1 - y) sigmoid(x) and p y sigmoid(-x) cancel where d/dx crosses 0
      const size = (i: number) => w[i] * (Math.abs(1 - y[i]) + Math.abs(p[i] * y[i]));
      const s = worst(n, (i) => Math.abs(bceGradLogit(x[i], y[i], w[i], p[i]) - ref.grad[i]) / (EPS * size(i)), (i) => !hard(i), at);
      expect(s.v, s.where).toBeLessThanOrEqual(2);
    });

    it(`${name}: d/dy within 2 ulp where its terms share a sign, within 2 eps of their size elsewhere`, () => {
      // x >= 0: -x + (p - 1) softplus(-x), one sign for p <= 1; x < 0: -p x + (p - 1) softplus(x), one sign for p >= 1
      const oneSign = (i: number) => (x[i] >= 0 ? p[i] <= 1 : p[i] >= 1);
      const a = worst(n, (i) => ulpDiff(bceGradTarget(x[i], y[i], w[i], p[i]), ref.dy[i]), oneSign, at);
      expect(a.v, a.where).toBeLessThanOrEqual(2);
      const size = (i: number) => w[i] * (Math.abs(x[i]) * Math.max(1, p[i]) + Math.abs(p[i] - 1) * softplus(-Math.abs(x[i])));
      const b = worst(n, (i) => Math.abs(bceGradTarget(x[i], y[i], w[i], p[i]) - ref.dy[i]) / (EPS * size(i)), (i) => !oneSign(i), at);
      expect(b.v, b.where).toBeLessThanOrEqual(2);
    });
  }

  it('PyTorch is far worse on small pos_weight and subnormal exp (documents the gap; fails if the fixture loses it)', () => {
    for (const name of ['small-pos-weight', 'subnormal-exp']) {
      const g = P.elements[name];
      const [t, r] = [flat(g.torch.loss), flat(g.reference.loss)];
      expect(worst(t.length, (i) => ulpDiff(t[i], r[i]), () => true, String).v).toBeGreaterThan(1e6);
    }
  });
});

describe('chained factors: weight, pos_weight and the mean 1/n, targets 0 and 1', () => {
  const c = P.chained;
  const [x, y, w, p, n] = [flat(c.x), flat(c.y), flat(c.w), flat(c.p), flat(c.n)];
  const ref = { loss: flat(c.loss), grad: flat(c.grad), dy: flat(c.grad_targets) };
  const at = (i: number) => `x=${x[i]} y=${y[i]} w=${w[i]} p=${p[i]} n=${n[i]}`;
  const all = () => true;

  it(`loss and d/dx / n within 2 ulp over ${x.length} elements`, () => {
    const l = worst(x.length, (i) => ulpDiff(bceElement(x[i], y[i], w[i], p[i]), ref.loss[i]), all, at);
    expect(l.v, l.where).toBeLessThanOrEqual(2);
    const g = worst(x.length, (i) => ulpDiff(bceGradLogit(x[i], y[i], w[i], p[i], n[i]), ref.grad[i]), all, at);
    expect(g.v, g.where).toBeLessThanOrEqual(2);
  });

  it('d/dy / n within 3 ulp where its terms share a sign (p - 1, softplus, two products, a sum and 1/n: six roundings)', () => {
    const oneSign = (i: number) => (x[i] >= 0 ? p[i] <= 1 : p[i] >= 1);
    const g = worst(x.length, (i) => ulpDiff(bceGradTarget(x[i], y[i], w[i], p[i], n[i]), ref.dy[i]), oneSign, at);
    expect(g.v, g.where).toBeLessThanOrEqual(3);
  });
});

describe('reductions: random (x, y, w, p, reduction) tuples and sums near the largest double', () => {
  const run = (c: Parity['reductions'][number]) => {
    const s = [c.x.length];
    const opts = { reduction: c.reduction, weight: T(flat(c.w), s), posWeight: T(flat(c.p), s), grad: true, gradTargets: true };
    return { r: bceWithLogits(T(flat(c.x), s), T(flat(c.y), s), opts), opts, s };
  };

  it('random problems: loss within 2 ulp, d/dx within 2 ulp for y in {0, 1} (targets in [0, 1])', () => {
    const bad: string[] = [];
    for (const c of P.reductions.filter((k) => k.name.startsWith('random-'))) {
      const y = flat(c.y);
      if (!y.every((v) => v >= 0 && v <= 1)) continue;
      const { r } = run(c);
      const loss = typeof r.loss === 'number' ? [r.loss] : [...r.loss];
      const rl = flat(c.reference.loss);
      const rg = flat(c.reference.grad);
      loss.forEach((v, i) => ulpDiff(v, rl[i]) > 2 && bad.push(`${c.name} loss[${i}] ${v} vs ${rl[i]}`));
      y.forEach((v, i) => (v === 0 || v === 1) && ulpDiff((r.grad as Float64Array)[i], rg[i]) > 2 && bad.push(`${c.name} grad[${i}]`));
    }
    expect(bad).toEqual([]);
  });

  it('logits near ±1.797e308: a finite exact mean, sum or gradient is never lost to an intermediate overflow', async () => {
    const bad: string[] = [];
    for (const c of P.reductions.filter((k) => !k.name.startsWith('random-'))) {
      const { r, opts, s } = run(c);
      const ref = { loss: num(c.reference.loss), grad: flat(c.reference.grad), dy: flat(c.reference.grad_targets) };
      if (ulpDiff(r.loss as number, ref.loss) > 1) bad.push(`${c.name}: loss ${r.loss} vs ${ref.loss}`);
      ref.grad.forEach((v, i) => ulpDiff((r.grad as Float64Array)[i], v) > 1 && bad.push(`${c.name}: grad[${i}] ${(r.grad as Float64Array)[i]} vs ${v}`));
      ref.dy.forEach((v, i) => ulpDiff((r.gradTargets as Float64Array)[i], v) > 1 && bad.push(`${c.name}: d/dy[${i}] ${(r.gradTargets as Float64Array)[i]} vs ${v}`));
      // the threads' path merges the same partial sums
      const par = await bceWithLogitsParallel(T(flat(c.x), s), T(flat(c.y), s), opts, { threads: 1, minElements: 0 });
      if (!Object.is(par.loss, r.loss)) bad.push(`${c.name}: parallel ${par.loss} vs ${r.loss}`);
    }
    expect(bad).toEqual([]);
  });

  it("mean of two maximal logits with target 0, d/dy under mean with weight 1.5", () => {
    const M = Number.MAX_VALUE;
    const two = (o: object) => bceWithLogits(T([M, M], [2]), T([0, 0], [2]), { reduction: 'mean', ...o });
    expect(two({}).loss).toBe(M);
    const dy = two({ weight: T([1.5], [1]), gradTargets: true }).gradTargets as Float64Array;
    const byName = P.reductions.find((c) => c.name === 'two-max-y0-w1.5-mean') as Parity['reductions'][number];
    expect([...dy]).toEqual([...flat(byName.reference.grad_targets)]);
    expect(dy[0]).toBeGreaterThan(-Infinity);
  });
});

describe('the SGD step x - lr g', () => {
  it(`is correctly rounded in all ${P.sgd.length} cases, most of them nearly cancelling`, () => {
    const bad = P.sgd.filter((s) => !Object.is(sgdUpdate(num(s.x), num(s.lr), num(s.grad)), num(s.reference)));
    expect(bad.slice(0, 5)).toEqual([]);
    // torch's SGD is correctly rounded too: bce and PyTorch give the same bits for the same gradient
    expect(P.sgd.filter((s) => num(s.torch) !== num(s.reference)).length).toBe(0);
  });

  it('keeps the special values of x - lr * g', () => {
    expect(sgdUpdate(Infinity, 0.1, 1)).toBe(Infinity);
    expect(sgdUpdate(1, 0.1, NaN)).toBeNaN();
    expect(sgdUpdate(0, 1e300, 1e300)).toBe(-Infinity);
    expect(sgdUpdate(1e-310, 1, 1e-310)).toBe(0);
  });
});
