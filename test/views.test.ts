/**
 * The numbers behind the terminal views: per-class statistics and histograms (identities, not typed
 * values), one SGD step (the loss goes down for a small lr), label smoothing (the same as the plain loss
 * on y' = y (1 - eps) + eps / 2, which is what PyTorch users compute by hand), NDJSON and the JSON fields.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bceWithLogits } from '../src/core/kernel.js';
import { tensor } from '../src/core/tensor.js';
import { defaultBinCount, histogram, perClassStats } from '../src/core/stats.js';
import { sgdStep, smoothTargets } from '../src/core/step.js';
import { runBce } from './helpers/run.js';
import { seedReference } from './helpers/numbers.js';

const SEED = 'fixtures/examples/seed.json';
const MULTI = 'fixtures/examples/multilabel.json';
const seed = { logits: [[0.5, -1.2, 3.0], [1.5, 2.0, -0.5]], targets: [[1, 0, 1], [0, 1, 0]] };
const flat = (m: number[][]) => m.flat();

describe('perClassStats', () => {
  const x = tensor(flat(seed.logits), [2, 3]);
  const y = tensor(flat(seed.targets), [2, 3]);
  const loss = bceWithLogits(x, y, { reduction: 'none' }).loss as Float64Array;

  it('class sums add up to the total; shares to 1; mean = sum / count', () => {
    const s = perClassStats(loss, y.data, [2, 3]);
    const total = bceWithLogits(x, y, { reduction: 'sum' }).loss as number;
    expect(s.total).toBeCloseTo(total, 14);
    expect(s.classes.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 14);
    for (const c of s.classes) {
      expect(c.meanLoss).toBe(c.sumLoss / 2);
      expect(c.sumLoss).toBe(loss[c.index] + loss[3 + c.index]);
    }
    expect(s.largest).toBe(0); // 0.474 + 1.701 is the largest column sum
  });
  it('positives, negatives, and the weight and pos_weight in effect', () => {
    const s = perClassStats(loss, y.data, [2, 3], tensor([1, 2], [2, 1]), tensor([3, 1, 1], [3]));
    expect(s.classes.map((c) => [c.positives, c.negatives])).toEqual([[1, 1], [1, 1], [1, 1]]);
    expect(s.classes[0].posWeight).toEqual({ min: 3, max: 3 });
    expect(s.classes[1].weight).toEqual({ min: 1, max: 2 });
  });
  it('a NaN loss makes the largest class unknown', () => {
    const l = Float64Array.from([1, NaN, 2, 3]);
    expect(perClassStats(l, new Float64Array(4), [2, 2]).largest).toBe(-1);
  });
});

describe('histogram', () => {
  it('every value is counted once, specials apart', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double(), fc.double({ min: 0, max: 50, noNaN: true })), { maxLength: 200 }), fc.constantFrom('linear', 'log'), (values, scale) => {
        const h = histogram(Float64Array.from(values), { scale: scale as 'linear' | 'log' });
        const binned = h.counts.reduce((a, b) => a + b, 0);
        expect(binned + h.nan + h.posInf + h.negInf + h.nonPositive).toBe(values.length);
        // one bin [v, v] when every value is the same; otherwise strictly increasing edges
        if (h.edges.length > 2) for (let i = 0; i + 1 < h.edges.length; i++) expect(h.edges[i]).toBeLessThan(h.edges[i + 1]);
        const finite = values.filter((v) => Number.isFinite(v) && (scale === 'linear' || v > 0));
        if (finite.length > 0) {
          expect(h.edges[0]).toBeLessThanOrEqual(Math.min(...finite));
          expect(h.edges[h.edges.length - 1]).toBeGreaterThanOrEqual(Math.max(...finite));
        }
      }),
      { numRuns: 500 },
    );
  });
  it('round linear edges; --bins is exact', () => {
    const v = Float64Array.from([0.048, 0.126, 0.263, 0.474, 0.474, 1.7]);
    expect(histogram(v).edges).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(histogram(v).counts).toEqual([5, 0, 0, 1]);
    expect(histogram(v, { bins: 3 }).counts).toHaveLength(3);
  });
  it('log edges on the 1-3 or 1-2-5 series, zeros apart', () => {
    const v = Float64Array.from([0, 0.048, 0.126, 0.263, 0.474, 0.474, 1.7]);
    const h = histogram(v, { scale: 'log' });
    expect(h.edges).toEqual([0.03, 0.1, 0.3, 1, 3]);
    expect(h.nonPositive).toBe(1);
    expect(h.counts).toEqual([1, 2, 2, 1]);
  });
  it('Sturges within [4, 20]', () => {
    expect([1, 6, 100, 1e9].map(defaultBinCount)).toEqual([4, 4, 8, 20]);
  });
});

describe('--step: one gradient-descent step', () => {
  it('the loss goes down for a small lr, for every reduction, with weight and pos_weight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -8, max: 8, noNaN: true }), fc.constantFrom(0, 1, 0.3), fc.double({ min: 0.1, max: 3, noNaN: true })), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('mean', 'sum', 'none'),
        (rows, reduction) => {
          const n = rows.length;
          const r = sgdStep(
            {
              logits: tensor(rows.map((r) => r[0]), [n]),
              targets: tensor(rows.map((r) => r[1]), [n]),
              weight: tensor(rows.map((r) => r[2]), [n]),
              posWeight: tensor([2]),
              reduction: reduction as 'mean' | 'sum' | 'none',
            },
            1e-3,
          );
          expect(r.updatedLoss).toBeLessThanOrEqual(r.initialLoss);
        },
      ),
    );
  });
  it('through the CLI: Initial loss > Updated loss, and JSON carries both and the new logits', async () => {
    const r = await runBce([SEED, '--step', '0.1', '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.step.initial_loss).toBe(seedReference().mean);
    expect(doc.step.updated_loss).toBeLessThan(doc.step.initial_loss);
    expect(doc.step.objective).toBe('mean');
    const grad = JSON.parse((await runBce([SEED, '-g', '--json'])).stdout).grad as number[][];
    expect(doc.step.updated_logits).toEqual(seed.logits.map((row, i) => row.map((x, j) => x - 0.1 * grad[i][j])));
    const table = (await runBce([SEED, '--step', '0.1'])).stdout;
    expect(table.split('\n')).toContain(`Initial loss: ${seedReference().mean}`);
    expect(table).toMatch(/^Updated loss: 0\.5\d+ \(-/m);
  });
});

describe('--label-smoothing', () => {
  it("equals the plain loss on y' = y (1 - eps) + eps / 2, for every reduction and gradient", async () => {
    for (const eps of [0, 0.1, 0.25, 1]) {
      for (const reduction of ['mean', 'sum', 'none']) {
        const smoothed = JSON.parse((await runBce([MULTI, '--label-smoothing', String(eps), '-r', reduction, '-g', '--grad-targets', '--json'])).stdout);
        const bundle = JSON.parse((await import('node:fs')).readFileSync(MULTI, 'utf8'));
        const yPrime = (bundle.targets as number[][]).map((row) => row.map((y) => y * (1 - eps) + eps / 2));
        const plain = JSON.parse((await runBce(['-', '-r', reduction, '-g', '--grad-targets', '--json'], { stdin: JSON.stringify({ logits: bundle.logits, targets: yPrime }) })).stdout);
        expect(smoothed.label_smoothing).toBe(eps);
        expect(smoothed.loss).toEqual(plain.loss);
        expect(smoothed.grad).toEqual(plain.grad);
        expect(smoothed.grad_targets).toEqual(plain.grad_targets);
      }
    }
  });
  it('smoothTargets pulls 0 and 1 towards 0.5 by eps / 2', () => {
    expect(Array.from(smoothTargets(tensor([0, 1, 0.5]), 0.2).data)).toEqual([0.1, 0.9, 0.5]);
  });
  it('is absent from the JSON when not asked for; bad values are usage errors', async () => {
    expect(JSON.parse((await runBce([SEED, '--json'])).stdout)).not.toHaveProperty('label_smoothing');
    for (const bad of ['-0.1', '1.5', 'abc', 'nan']) {
      const r = await runBce([SEED, '--label-smoothing', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`bce: --label-smoothing: expected a number from 0 to 1, got ${JSON.stringify(bad)}\n`);
    }
  });
});

describe('--format ndjson', () => {
  it('one JSON object per row of element losses, whatever the reduction; gradients of the reduction', async () => {
    const r = await runBce([MULTI, '-f', 'ndjson', '-g']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(8);
    const none = JSON.parse((await runBce([MULTI, '-r', 'none', '--json'])).stdout).loss as number[][];
    const mean = JSON.parse((await runBce([MULTI, '-g', '--json'])).stdout).grad as number[][];
    rows.forEach((row, i) => {
      expect(row.index).toEqual([i]);
      expect(row.loss).toEqual(none[i]);
      expect(row.grad).toEqual(mean[i]);
    });
  });
  it('a 1-D tensor streams one element per line; non-finite values are strings', async () => {
    const r = await runBce(['-', '-f', 'ndjson'], { stdin: JSON.stringify({ logits: [1, 'nan', -2], targets: [1, 0, 0] }) });
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((o) => o.index)).toEqual([[0], [1], [2]]);
    expect(rows[1].loss).toBe('NaN');
    expect(typeof rows[0].loss).toBe('number');
  });
});

describe('JSON carries the views', () => {
  it('per_class and histogram', async () => {
    const doc = JSON.parse((await runBce([MULTI, '--per-class', '--hist', '-p', '1,1,2.5,1', '--json'])).stdout);
    expect(doc.per_class).toHaveLength(4);
    expect(doc.per_class[2]).toMatchObject({ class: 2, positives: 3, negatives: 5, pos_weight: 2.5, weight: 1 });
    expect(doc.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(32);
    expect(doc.histogram.scale).toBe('linear');
  });
  it('views are refused in csv and ndjson', async () => {
    const r = await runBce([SEED, '--per-class', '-f', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('bce: --per-class shows in the table or json format, not csv\n');
  });
});
