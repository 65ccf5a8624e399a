/**
 * bceWithLogitsParallel against bceWithLogits: real worker threads over shared memory give the same
 * bits, for every reduction, with and without weights, whatever the number of threads.
 */
import { describe, expect, it } from 'vitest';
import { buildSync } from 'esbuild';
import { bceWithLogits, SUM_CHUNK } from '../src/kernel.js';
import type { BceOptions, BceResult } from '../src/kernel.js';
import { bceWithLogitsParallel, splitChunks, threadsFor, threadsFromEnv } from '../src/parallel.js';
import type { Tensor } from '../src/tensor.js';

// the worker as the build bundles it (the tests run from src/, where no bundled source exists)
const workerSource = buildSync({
  entryPoints: [new URL('../src/kernel-worker.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'silent',
}).outputFiles[0].text;

function data(n: number, seed: number, f: (r: () => number) => number): Float64Array {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = f(rnd);
  return a;
}

function sameResult(a: BceResult, b: BceResult): void {
  expect(b.reduction).toBe(a.reduction);
  expect(b.shape).toEqual(a.shape);
  const bits = (u: unknown, v: unknown) => {
    if (typeof u === 'number') return expect(Object.is(u, v), `${u} vs ${v}`).toBe(true);
    const p = u as Float64Array | undefined;
    const q = v as Float64Array | undefined;
    expect(q?.length).toBe(p?.length);
    if (p && q) for (let i = 0; i < p.length; i++) if (!Object.is(p[i], q[i])) expect(`${i}: ${q[i]}`).toBe(`${i}: ${p[i]}`);
  };
  bits(a.loss, b.loss);
  bits(a.grad, b.grad);
  bits(a.gradTargets, b.gradTargets);
}

const C = 5;
const n = 3 * SUM_CHUNK + 7 * C; // three whole chunks and a partial one
const x: Tensor = { data: data(n, 1, (r) => (r() - 0.5) * 60), shape: [n / C, C] };
const y: Tensor = { data: data(n, 2, (r) => (r() < 0.4 ? 1 : r() < 0.5 ? 0 : r())), shape: [n / C, C] };
x.data[17] = NaN;
x.data[SUM_CHUNK + 3] = -Infinity;
x.data[2 * SUM_CHUNK + 1] = 800;

describe('bceWithLogitsParallel = bceWithLogits, bit for bit', () => {
  const cases: [string, BceOptions][] = [
    ['mean, grads', { reduction: 'mean', grad: true, gradTargets: true }],
    ['sum', { reduction: 'sum' }],
    ['none, grad', { reduction: 'none', grad: true }],
    ['mean, per-class weight and pos_weight', { weight: { data: Float64Array.from([1, 0.5, 2, 0, 3]), shape: [C] }, posWeight: { data: Float64Array.from([3, 1, 1, 0.5, 2]), shape: [C] }, grad: true }],
    ['sum, a full weight (shared, not cloned)', { reduction: 'sum', weight: { data: data(n, 3, (r) => r() * 2), shape: [n / C, C] }, gradTargets: true }],
  ];
  for (const [name, options] of cases) {
    it(`${name}, 2 and 3 threads`, async () => {
      const one = bceWithLogits(x, y, options);
      for (const threads of [2, 3]) {
        sameResult(one, await bceWithLogitsParallel(x, y, options, { threads, minElements: 0, workerSource }));
      }
    });
  }

  it('inputs already in shared memory are used in place', async () => {
    const sx = new Float64Array(new SharedArrayBuffer(n * 8));
    sx.set(x.data);
    const sy = new Float64Array(new SharedArrayBuffer(n * 8));
    sy.set(y.data);
    const options: BceOptions = { reduction: 'none', grad: true };
    sameResult(bceWithLogits(x, y, options), await bceWithLogitsParallel({ data: sx, shape: x.shape }, { data: sy, shape: y.shape }, options, { threads: 2, minElements: 0, workerSource }));
  });

  it('small inputs and threads: 1 stay on the main thread; shape errors come before any thread', async () => {
    const small: Tensor = { data: Float64Array.from([0.5, -1]), shape: [2] };
    expect((await bceWithLogitsParallel(small, small, { reduction: 'sum' }, { workerSource })).loss).toBe(bceWithLogits(small, small, { reduction: 'sum' }).loss);
    await expect(bceWithLogitsParallel(x, small, {}, { threads: 2, minElements: 0, workerSource })).rejects.toThrow(/Target size/);
  });
});

describe('splitting the work', () => {
  it('cuts at whole chunks, covering [0, n) once', () => {
    expect(splitChunks(n, 2)).toEqual([[0, 2 * SUM_CHUNK], [2 * SUM_CHUNK, n]]);
    expect(splitChunks(10, 2)).toEqual([[0, 0], [0, 10]]);
    for (const parts of [1, 2, 3, 7]) {
      const r = splitChunks(n, parts);
      expect(r[0][0]).toBe(0);
      expect(r[r.length - 1][1]).toBe(n);
      for (let k = 1; k < r.length; k++) expect(r[k][0]).toBe(r[k - 1][1]);
      for (const [lo] of r) expect(lo % SUM_CHUNK).toBe(0);
    }
  });

  it('threads: never more than chunks, one below the threshold; BCE_THREADS', () => {
    expect(threadsFor(10, 8, { minElements: 0 })).toBe(1);
    expect(threadsFor(n, 8, { minElements: 0 })).toBe(4);
    expect(threadsFor(n, 2, {})).toBe(1);
    expect(threadsFromEnv({ BCE_THREADS: '1' })).toBe(1);
    expect(threadsFromEnv({ BCE_THREADS: '0' })).toBeUndefined();
    expect(threadsFromEnv({ BCE_THREADS: 'x' })).toBeUndefined();
    expect(threadsFromEnv({})).toBeUndefined();
  });
});
