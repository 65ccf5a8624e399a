/**
 * bceWithLogits on several threads: the plan's chunks are split into one contiguous range per thread;
 * the main thread computes the first range while worker threads compute the others in shared memory.
 * The reduction merges the chunks' partial sums in chunk order (kernel.ts, SUM_CHUNK), so the result
 * is the same, bit for bit, as bceWithLogits on one thread: the losses, the gradients and the reduction.
 */
import { bceWithLogits, finishBce, planBce, runBcePlan, SUM_CHUNK } from './kernel.js';
import type { BceOptions, BcePlan, BceResult } from './kernel.js';
import type { Operand, Tensor } from './tensor.js';

/** The bundled source of kernel-worker.ts, put here by bin/build.mjs. */
declare const __BCE_KERNEL_WORKER__: string | undefined;

/**
 * Below this many elements one thread is faster: starting a worker costs ~20-40 ms here (a new V8
 * isolate and Node's bootstrap), which at ~30 M elements/s is the time of ~1M elements. Measured with
 * `npm run bench` (the kernel scaling rows).
 */
export const PARALLEL_MIN_ELEMENTS = 2_000_000;

export interface ParallelOptions {
  /** threads to use, the main one included; default: os.availableParallelism(); 1 = no workers */
  threads?: number;
  /** use workers only from this many elements on (default PARALLEL_MIN_ELEMENTS) */
  minElements?: number;
  /** the worker's JavaScript source (default: the one bundled by the build) */
  workerSource?: string;
}

const builtWorkerSource = typeof __BCE_KERNEL_WORKER__ === 'string' ? __BCE_KERNEL_WORKER__ : undefined;

/** How many threads a computation of n elements should use, given the machine's `available` threads. */
export function threadsFor(n: number, available: number, options: ParallelOptions = {}): number {
  const threads = Math.max(1, Math.floor(options.threads ?? available));
  if (n < (options.minElements ?? PARALLEL_MIN_ELEMENTS)) return 1;
  return Math.min(threads, Math.ceil(n / SUM_CHUNK));
}

/** BCE_THREADS from the environment: a positive integer, else undefined (use every core). */
export function threadsFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const v = env.BCE_THREADS;
  return v !== undefined && /^[1-9][0-9]{0,3}$/.test(v) ? Number(v) : undefined;
}

/** Cuts [0, n) into `parts` contiguous ranges of whole chunks (the last may end mid-chunk). */
export function splitChunks(n: number, parts: number): [number, number][] {
  const chunks = Math.ceil(n / SUM_CHUNK);
  const ranges: [number, number][] = [];
  for (let k = 0; k < parts; k++) {
    const lo = Math.min(n, Math.floor((chunks * k) / parts) * SUM_CHUNK);
    const hi = Math.min(n, Math.floor((chunks * (k + 1)) / parts) * SUM_CHUNK);
    ranges.push([lo, hi]);
  }
  return ranges;
}

function sharedArray(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT));
}

/**
 * `a` in shared memory: itself when it already is; otherwise a copy of [from, a.length) only. The rest
 * of the shared buffer is never touched, so its pages are never committed: the copy costs memory only
 * for the workers' share.
 */
function shareFrom(a: Float64Array, from: number): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = sharedArray(a.length);
  s.set(a.subarray(from), from);
  return s;
}

function shareOperand(o: Operand | undefined): Operand | undefined {
  // small operands (per class, per sample) are simply cloned into the worker
  if (o === undefined || o.data.length <= 4096) return o;
  return { ...o, data: shareFrom(o.data, 0) };
}

async function runWorker(source: string, plan: BcePlan, from: number, to: number): Promise<void> {
  // loaded only when a computation is big enough for threads: a small run does not pay for the module
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { plan, from, to } });
    let done = false;
    worker.once('message', () => {
      done = true;
      resolve();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`kernel worker exited with code ${code} before finishing`));
    });
  });
}

/**
 * bceWithLogits, on several threads when the input is big enough to pay for them; the same result,
 * bit for bit. Throws InputError as bceWithLogits does, before any thread starts.
 */
export async function bceWithLogitsParallel(
  logits: Tensor,
  targets: Tensor,
  options: BceOptions = {},
  parallel: ParallelOptions = {},
): Promise<BceResult> {
  const source = parallel.workerSource ?? builtWorkerSource;
  const n = logits.data.length;
  if (source === undefined || n < (parallel.minElements ?? PARALLEL_MIN_ELEMENTS) || parallel.threads === 1) {
    return bceWithLogits(logits, targets, options);
  }
  const threads = threadsFor(n, (await import('node:os')).availableParallelism(), parallel);
  if (threads < 2) return bceWithLogits(logits, targets, options);
  const plan = planBce(logits, targets, options, sharedArray);
  const ranges = splitChunks(plan.n, threads);
  const first = ranges[0][1];
  const shared: BcePlan = {
    ...plan,
    x: shareFrom(plan.x, first),
    y: shareFrom(plan.y, first),
    weight: shareOperand(plan.weight),
    posWeight: shareOperand(plan.posWeight),
  };
  const workers = ranges.slice(1).map(([lo, hi]) => runWorker(source, shared, lo, hi));
  // the main thread's share, while the workers compute theirs
  runBcePlan(plan, ranges[0][0], ranges[0][1]);
  await Promise.all(workers);
  return finishBce(plan);
}
