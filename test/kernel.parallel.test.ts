/**
 * bceWithLogitsParallel against bceWithLogits: real worker threads over shared memory give the same
 * bits, for every reduction, with and without weights, whatever the number of threads.
 */
import { describe, expect, it } from 'vitest';
import { workerSource } from './helpers/worker-source.js';
import { bceWithLogits, SUM_CHUNK } from '../src/core/kernel.js';
import { allowWasm } from '../src/core/kernel-wasm.js';
import type { BceOptions, BceResult } from '../src/core/kernel.js';
import { bceWithLogitsParallel, PARALLEL_MIN_ELEMENTS, startWorkers, threadsFor, threadsFromEnv } from '../src/parallel.js';
import { allocateTensor, onSharedTensor } from '../src/io/declared.js';
import { runBce } from './helpers/run.js';
import type { Tensor } from '../src/core/tensor.js';

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

const C = 4;
const n = 3 * SUM_CHUNK + 7 * C; // three whole chunks and a partial one
const x: Tensor = { data: data(n, 1, (r) => (r() - 0.5) * 60), shape: [n / C, C] };
const y: Tensor = { data: data(n, 2, (r) => (r() < 0.4 ? 1 : r() < 0.5 ? 0 : r())), shape: [n / C, C] };
x.data[17] = NaN;
x.data[SUM_CHUNK + 3] = -Infinity;
x.data[2 * SUM_CHUNK + 1] = 800;

const cases: [string, BceOptions][] = [
  ['mean, grads', { reduction: 'mean', grad: true, gradTargets: true }],
  ['sum', { reduction: 'sum' }],
  ['none, grad', { reduction: 'none', grad: true }],
  ['mean, per-class weight and pos_weight', { weight: { data: Float64Array.from([1, 0.5, 2, 0]), shape: [C] }, posWeight: { data: Float64Array.from([3, 1, 1, 0.5]), shape: [C] }, grad: true }],
  ['sum, a full weight (shared, not cloned)', { reduction: 'sum', weight: { data: data(n, 3, (r) => r() * 2), shape: [n / C, C] }, gradTargets: true }],
];

describe('bceWithLogitsParallel = bceWithLogits, bit for bit', () => {
  for (const [name, options] of cases) {
    it(`${name}, 2 and 3 threads`, async () => {
      const one = bceWithLogits(x, y, options);
      for (const threads of [2, 3]) {
        sameResult(one, await bceWithLogitsParallel(x, y, options, { threads, minElements: 0, workerSource }));
      }
    });
  }

  it('workers compute a share of the chunks when the input is big enough', async () => {
    const m = 48 * SUM_CHUNK;
    const bx: Tensor = { data: data(m, 5, (r) => (r() - 0.5) * 20), shape: [m] };
    const by: Tensor = { data: data(m, 6, (r) => (r() < 0.5 ? 1 : 0)), shape: [m] };
    const options: BceOptions = { reduction: 'mean', grad: true };
    const one = bceWithLogits(bx, by, options);
    let workerChunks = 0;
    for (let k = 0; k < 5 && workerChunks === 0; k++) {
      const stats = { threads: 0, chunks: 0, workerChunks: 0 };
      sameResult(one, await bceWithLogitsParallel(bx, by, options, { threads: 2, minElements: 0, workerSource, stats }));
      expect(stats.chunks).toBe(48);
      workerChunks = stats.workerChunks;
    }
    // on a busy machine the main thread may do everything; over five tries the worker gets some
    expect(workerChunks).toBeGreaterThan(0);
  });

  it('with the WebAssembly loops turned off (allowWasm), the workers use the JS loops too', async () => {
    const m = 48 * SUM_CHUNK;
    const bx: Tensor = { data: data(m, 7, (r) => (r() - 0.5) * 20), shape: [m] };
    const by: Tensor = { data: data(m, 8, (r) => (r() < 0.5 ? 1 : 0)), shape: [m] };
    const options: BceOptions = { reduction: 'mean', grad: true };
    allowWasm(false);
    try {
      const one = bceWithLogits(bx, by, options);
      let workerChunks = 0;
      for (let k = 0; k < 5 && workerChunks === 0; k++) {
        const stats = { threads: 0, chunks: 0, workerChunks: 0 };
        sameResult(one, await bceWithLogitsParallel(bx, by, options, { threads: 2, minElements: 0, workerSource, stats }));
        workerChunks = stats.workerChunks;
      }
      expect(workerChunks).toBeGreaterThan(0);
    } finally {
      allowWasm(true);
    }
  });

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

describe('pooled workers, started ahead of the computation and kept for the next', () => {
  const shared = (t: Tensor): Tensor => {
    const a = new Float64Array(new SharedArrayBuffer(t.data.length * 8));
    a.set(t.data);
    return { data: a, shape: t.shape };
  };

  it('the same bits for every kind of computation, inputs in shared memory, workers reused', async () => {
    startWorkers(3, workerSource);
    const sx = shared(x);
    const sy = shared(y);
    for (const [, options] of cases) {
      const one = bceWithLogits(x, y, options);
      for (const threads of [2, 3]) {
        sameResult(one, await bceWithLogitsParallel(sx, sy, options, { threads, minElements: 0, workerSource, pooled: true }));
      }
    }
  }, 120_000);

  it('pooled workers compute a share of the chunks', async () => {
    const m = 48 * SUM_CHUNK;
    const bx = shared({ data: data(m, 5, (r) => (r() - 0.5) * 20), shape: [m] });
    const by = shared({ data: data(m, 6, (r) => (r() < 0.5 ? 1 : 0)), shape: [m] });
    const options: BceOptions = { reduction: 'sum', grad: true };
    const one = bceWithLogits(bx, by, options);
    let workerChunks = 0;
    // on a busy machine an idle worker may wake up after the main thread has done everything; a worker
    // left so answers soon, and is idle again for the next try
    for (let k = 0; k < 20 && workerChunks === 0; k++) {
      const stats = { threads: 0, chunks: 0, workerChunks: 0 };
      sameResult(one, await bceWithLogitsParallel(bx, by, options, { threads: 2, minElements: 0, workerSource, pooled: true, stats }));
      workerChunks = stats.workerChunks;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(workerChunks).toBeGreaterThan(0);
  }, 120_000);

  it('readers allocate big tensors in shared memory, and say so before reading them', () => {
    const seen: number[] = [];
    onSharedTensor((k) => seen.push(k));
    try {
      expect(allocateTensor([PARALLEL_MIN_ELEMENTS], 'x.npy').buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(allocateTensor([PARALLEL_MIN_ELEMENTS - 1], 'x.npy').buffer).toBeInstanceOf(ArrayBuffer);
    } finally {
      onSharedTensor(undefined);
    }
    expect(seen).toEqual([PARALLEL_MIN_ELEMENTS]);
  });
});

describe('sharing the work', () => {
  it('a worker that claims nothing, or one that fails to start, leaves every chunk to the main thread', async () => {
    const options: BceOptions = { reduction: 'mean', grad: true };
    const one = bceWithLogits(x, y, options);
    const idle = "require('node:worker_threads').parentPort.postMessage(0)";
    sameResult(one, await bceWithLogitsParallel(x, y, options, { threads: 2, minElements: 0, workerSource: idle }));
    // a worker that never answers: the main thread does all the chunks and stops it
    const stuck = 'setInterval(() => {}, 1000)';
    sameResult(one, await bceWithLogitsParallel(x, y, options, { threads: 3, minElements: 0, workerSource: stuck }));
  });

  it('a worker that crashes after claiming a chunk gives an error, never a wrong result', async () => {
    // the worker claims the last chunk, then raises a flag just past the logits, in the memory it shares
    // with the main thread; the main thread waits for that flag (in the targets' subarray, called before it takes its
    // chunks), so the worker's claim always comes first
    const crash = `const { workerData } = require('node:worker_threads');
      Atomics.compareExchange(workerData.ctrl, 2 + Atomics.sub(workerData.ctrl, 0, 1) - 1, 0, 1);
      const flag = new Int32Array(workerData.plan.x.buffer, workerData.plan.x.byteLength, 1);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      throw new Error('boom');`;
    const memory = new SharedArrayBuffer((n + 1) * Float64Array.BYTES_PER_ELEMENT);
    const xs = new Float64Array(memory, 0, n);
    xs.set(x.data);
    const flag = new Int32Array(memory, xs.byteLength, 1);
    class AfterTheClaim extends Float64Array {
      override subarray(begin?: number, end?: number): Float64Array<ArrayBuffer> {
        Atomics.wait(flag, 0, 0, 10_000);
        return Float64Array.from(super.subarray(begin, end));
      }
    }
    const ys = AfterTheClaim.from(y.data);
    const options: BceOptions = { reduction: 'sum', grad: true };
    const run = bceWithLogitsParallel({ data: xs, shape: x.shape }, { data: ys, shape: y.shape }, options, { threads: 2, minElements: 0, workerSource: crash });
    await expect(run).rejects.toThrow(/boom/);
    expect(Atomics.load(flag, 0)).toBe(1);
  });
});

describe('how many threads', () => {
  it('threads: never more than chunks, one below the threshold; BCE_THREADS', () => {
    expect(threadsFor(10, 8, { minElements: 0 })).toBe(1);
    expect(threadsFor(n, 8, { minElements: 0 })).toBe(4);
    expect(threadsFor(n, 2, {})).toBe(1);
    const two = () => 2;
    expect(threadsFromEnv({ BCE_THREADS: '1' }, two)).toBe(1);
    expect(threadsFromEnv({ BCE_THREADS: '2' }, two)).toBe(2);
    expect(threadsFromEnv({ BCE_THREADS: '1000' }, two)).toBe(2);
    expect(threadsFromEnv({}, two)).toBeUndefined();
    expect(threadsFromEnv({ BCE_THREADS: '' }, two)).toBeUndefined();
    for (const bad of ['0', 'x', '-1', '1.5', '2e3', '0x4']) {
      expect(() => threadsFromEnv({ BCE_THREADS: bad }, two)).toThrow(/^BCE_THREADS: expected a positive whole number of threads, got '/);
    }
  });
});

describe('BCE_THREADS through the CLI', () => {
  it('a bad value is refused in one line before any input is read', async () => {
    const r = await runBce(['no/such/bundle.json'], { env: { BCE_THREADS: 'lots' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("bce: BCE_THREADS: expected a positive whole number of threads, got 'lots'\n");
  });
  it('a huge value is clamped to the cores and gives the one-thread bits', async () => {
    const argv = ['fixtures/examples/seed.json', '-f', 'json'];
    const many = await runBce(argv, { env: { BCE_THREADS: '1000' } });
    const one = await runBce(argv, { env: { BCE_THREADS: '1' } });
    expect(many.code).toBe(0);
    expect(many.stdout).toBe(one.stdout);
  });
});

