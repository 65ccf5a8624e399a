/**
 * bceWithLogits on several threads: this file creates the workers (kernel-worker.ts) and puts the inputs
 * in shared memory; core/pool.ts holds the protocol (who computes which chunk). The result is the same,
 * bit for bit, as bceWithLogits on one thread: the losses, the gradients and the reduction, whichever
 * thread computed which chunk. When the main thread has done every chunk it stops the workers without
 * waiting for them.
 *
 * Workers read the inputs from shared memory: inputs that are not there already are copied, the back
 * half only (the part that workers may claim), while the workers start.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { bceWithLogits, finishBce, planBce, SUM_CHUNK } from './core/kernel.js';
import { controlBlock, PARALLEL_MIN_ELEMENTS, runFrontShare, signalReady } from './core/pool.js';

export { PARALLEL_MIN_ELEMENTS };
import type { PoolReply, PoolTask } from './core/pool.js';
import type { Ring, RingTask } from './core/chunk-ring.js';
import { wasmKernel } from './core/kernel-wasm.js';
import type { BceOptions, BcePlan, BceResult } from './core/kernel.js';
import type { BroadcastPlan, Tensor } from './core/tensor.js';
import { quote, UsageError } from './errors.js';
import type { CsvRangeTask, RangeWorkers } from './io/csv-range.js';

/** The bundled source of kernel-worker.ts, put here by bin/build.mjs. */
declare const __BCE_KERNEL_WORKER__: string | undefined;


export interface ParallelOptions {
  /** threads to use, the main one included; default: os.availableParallelism(); 1 = no workers */
  threads?: number;
  /** use workers only from this many elements on (default PARALLEL_MIN_ELEMENTS) */
  minElements?: number;
  /** the worker's JavaScript source (default: the one bundled by the build) */
  workerSource?: string;
  /** keep the workers for later computations (startWorkers); default: with the bundled worker source only */
  pooled?: boolean;
  /** filled in when given: how the chunks were shared out */
  stats?: { threads: number; chunks: number; workerChunks: number };
}

const builtWorkerSource = typeof __BCE_KERNEL_WORKER__ === 'string' ? __BCE_KERNEL_WORKER__ : undefined;

/** How many threads a computation of n elements should use, given the machine's `available` threads. */
export function threadsFor(n: number, available: number, options: ParallelOptions = {}): number {
  const threads = Math.max(1, Math.floor(options.threads ?? available));
  if (n < (options.minElements ?? PARALLEL_MIN_ELEMENTS)) return 1;
  return Math.min(threads, Math.ceil(n / SUM_CHUNK));
}

/**
 * BCE_THREADS from the environment: unset (or empty) means every core; otherwise a positive whole number,
 * clamped to the cores `available()` counts (more threads than cores only add start-up and memory).
 */
export function threadsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  available: () => number = availableParallelism,
): number | undefined {
  const v = env.BCE_THREADS;
  if (v === undefined || v === '') return undefined;
  if (!/^\s*[0-9]+\s*$/.test(v) || Number(v) < 1) {
    throw new UsageError(`BCE_THREADS: expected a positive whole number of threads, got ${quote(v)}`);
  }
  return Math.min(Number(v), Math.max(1, available()));
}

/** A zero-filled Float64Array of n elements in shared memory. */
export function sharedArray(n: number): Float64Array {
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

function shareOperand(o: BroadcastPlan | undefined): BroadcastPlan | undefined {
  // small operands (per class, per sample) are simply cloned into the worker
  if (o === undefined || o.data.length <= 4096) return o;
  return { ...o, data: shareFrom(o.data, 0) };
}

export interface Running {
  /** the number of chunks the worker computed */
  done: Promise<number>;
  stop(): void;
}

function startWorker(source: string, data: PoolTask | RingTask): Running {
  const worker = new Worker(source, { eval: true, workerData: data });
  let finished = false;
  const done = new Promise<number>((resolve, reject) => {
    worker.once('message', (computed: PoolReply) => {
      finished = true;
      resolve(typeof computed === 'number' ? computed : 0);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!finished) reject(new Error(`kernel worker exited with code ${code} before finishing`));
    });
  });
  return {
    done,
    stop: () => {
      finished = true;
      void worker.terminate();
    },
  };
}

/** A worker kept for several computations: started ahead of the first (startWorkers), idle between them. */
interface Pooled {
  source: string;
  worker: Worker;
  /** 1 while it has no task (set by the worker itself as it finishes one, so it needs no turn of this thread's event loop) */
  idle: Int32Array;
  /** tasks posted and replies received: replies come in order, the last task's is the one awaited */
  sent: number;
  received: number;
  reply?: (computed: number) => void;
  fail?: (e: Error) => void;
}

const pool: Pooled[] = [];

/**
 * Starts a pooled worker. It does not keep the process alive while idle; a failure takes it out of the pool
 * and rejects the task it was running, if any.
 */
function spawnPooled(source: string): Pooled {
  const idle = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  idle[0] = 1;
  const worker = new Worker(source, { eval: true, workerData: { idle } });
  const p: Pooled = { source, worker, idle, sent: 0, received: 0 };
  const drop = (e: Error) => {
    const i = pool.indexOf(p);
    if (i >= 0) pool.splice(i, 1);
    const fail = p.fail;
    p.reply = p.fail = undefined;
    fail?.(e);
  };
  worker.on('message', (computed: PoolReply) => {
    if (++p.received < p.sent) return;
    const reply = p.reply;
    p.reply = p.fail = undefined;
    worker.unref();
    reply?.(typeof computed === 'number' ? computed : 0);
  });
  worker.on('error', drop);
  worker.on('exit', (code) => drop(new Error(`kernel worker exited with code ${code} before finishing`)));
  // after the listeners: adding a 'message' listener refs the worker again
  worker.unref();
  pool.push(p);
  return p;
}

/**
 * Starts the workers of a computation on `threads` threads (the main one included) ahead of it, so that
 * their start-up overlaps the reading of the inputs; bceWithLogitsParallel then uses them, and keeps them
 * for the next computation. Idle workers do not keep the process alive.
 */
export function startWorkers(threads: number = availableParallelism(), source = builtWorkerSource): void {
  if (source === undefined) return;
  let have = pool.filter((p) => p.source === source).length;
  for (; have < threads - 1 && roomForWorker(); have++) spawnPooled(source);
}

/**
 * The address space a worker may take: its V8 isolate reserves ~0.85 GB, and its WebAssembly kernel's memory
 * ~10 GiB more (guard regions). Under a tighter ceiling (ulimit -v, prlimit --as) the engine cannot reserve it
 * and ends the whole process, so no worker is started there.
 */
const WORKER_ADDRESS_SPACE = 12 * 2 ** 30;

/** Whether the process's address-space limit (Linux; none elsewhere) leaves room for one more worker. */
function roomForWorker(): boolean {
  let limits: string;
  let status: string;
  try {
    limits = readFileSync('/proc/self/limits', 'latin1');
    status = readFileSync('/proc/self/status', 'latin1');
  } catch {
    return true;
  }
  const limit = /^Max address space\s+(\d+)/m.exec(limits)?.[1];
  const size = /^VmSize:\s+(\d+) kB/m.exec(status)?.[1];
  return limit === undefined || size === undefined || Number(limit) - 1024 * Number(size) >= WORKER_ADDRESS_SPACE;
}

/**
 * Whether the machine has time to spare for a second thread: the load average of the last minute is below
 * the number of cores. A worker takes ~45 ms of CPU time to start; on a machine busier than that, a worker
 * made the streamed mean slower (README, Performance: Threads).
 */
function coreToSpare(): boolean {
  return loadavg()[0] < availableParallelism();
}

/**
 * A worker computing the chunks of a streamed reduction's ring (core/chunk-ring.ts) beside this thread;
 * undefined when there is no second thread to use or none can start. Without a number of threads (BCE_THREADS
 * unset), only when a core is idle.
 */
export function startRingWorker(ring: Ring, parallel: ParallelOptions = {}): Running | undefined {
  const source = parallel.workerSource ?? builtWorkerSource;
  if (source === undefined || Math.floor(parallel.threads ?? availableParallelism()) < 2) return undefined;
  if (parallel.threads === undefined && !coreToSpare()) return undefined;
  // a worker of its own, which needs no warming up: the loops it runs are the WebAssembly ones, or the
  // general JS one on per-element weights, which V8 optimises within the first chunk
  return roomForWorker() ? startWorker(source, { ring, wasm: wasmKernel() !== null }) : undefined;
}

/**
 * Inputs of up to this many elements start their workers while they are read (startWorkersEarly). Bigger
 * ones start them after: a worker's ~25 ms of start-up is small against their computation, and the
 * ~0.8 GB of address space a worker reserves is then taken only once the inputs are in memory, so that
 * under a memory ceiling the inputs are read, and the computation fails first, with its own message.
 */
export const EARLY_START_MAX_ELEMENTS = 8_000_000;

/** startWorkers, for a tensor of n elements about to be read, when n is big enough for threads and not too big. */
export function startWorkersEarly(n: number, threads?: number): void {
  if (n >= PARALLEL_MIN_ELEMENTS && n <= EARLY_START_MAX_ELEMENTS && threads !== 1) startWorkers(threads);
}

/**
 * Gives a task to an idle pooled worker of `source`, started now if none is idle and fewer than `most`
 * exist; undefined when they are all busy still (the main thread then does their share).
 */
function runPooled(source: string, task: PoolTask | CsvRangeTask, most: number): Running | undefined {
  const mine = pool.filter((q) => q.source === source);
  const p = mine.find((q) => Atomics.load(q.idle, 0) === 1) ?? (mine.length < most && roomForWorker() ? spawnPooled(source) : undefined);
  if (p === undefined) return undefined;
  Atomics.store(p.idle, 0, 0);
  p.worker.ref();
  const done = new Promise<number>((resolve, reject) => {
    p.reply = resolve;
    p.fail = reject;
  });
  p.sent++;
  p.worker.postMessage(task);
  return {
    done,
    // it finds nothing left to claim and answers soon; it stays in the pool
    stop: () => {
      p.reply = p.fail = undefined;
      p.worker.unref();
    },
  };
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
  const threads = threadsFor(n, availableParallelism(), parallel);
  if (threads < 2) return bceWithLogits(logits, targets, options);
  const plan = planBce(logits, targets, options, sharedArray);
  const chunks = Math.ceil(n / SUM_CHUNK);
  // workers may claim the back half; that is the part of the inputs they need in shared memory
  const firstChunk = Math.floor(chunks / 2);
  const from = firstChunk * SUM_CHUNK;
  const ctrl = controlBlock(chunks);
  const shared: BcePlan = { ...plan };
  const xShared = plan.x.buffer instanceof SharedArrayBuffer ? plan.x : sharedArray(n);
  const yShared = plan.y.buffer instanceof SharedArrayBuffer ? plan.y : sharedArray(n);
  shared.x = xShared;
  shared.y = yShared;
  shared.weight = shareOperand(plan.weight);
  shared.posWeight = shareOperand(plan.posWeight);
  if (parallel.stats) Object.assign(parallel.stats, { threads, chunks, workerChunks: 0 });
  // start the workers first: they boot while this thread copies the inputs, then wait for CTRL_READY
  const workers: Running[] = [];
  const pooled = parallel.pooled ?? source === builtWorkerSource;
  const wasm = wasmKernel() !== null;
  for (let k = 1; k < threads; k++) {
    const task: PoolTask = { plan: shared, ctrl, firstChunk, wasm };
    const w = pooled ? runPooled(source, task, threads - 1) : startWorker(source, task);
    if (w) workers.push(w);
  }
  try {
    if (xShared !== plan.x) xShared.set(plan.x.subarray(from), from);
    if (yShared !== plan.y) yShared.set(plan.y.subarray(from), from);
    signalReady(ctrl);
    if (runFrontShare(plan, ctrl)) {
      for (const w of workers) w.stop();
    } else {
      const computed = await Promise.all(workers.map((w) => w.done));
      if (parallel.stats) parallel.stats.workerChunks = computed.reduce((a, b) => a + b, 0);
    }
  } catch (e) {
    for (const w of workers) w.stop();
    throw e;
  }
  return finishBce(plan);
}

/**
 * CSV files of at least this many bytes are scanned on two threads (io/csv-range.ts): below it a worker's
 * start-up costs about what it saves (README, CSV input).
 */
export const CSV_PARALLEL_MIN_BYTES = 32 << 20;

/**
 * The pooled workers as helpers of the CSV scanner (io/csv-range.ts useRangeWorkers), on `threads` threads
 * (the main one included); undefined when there is one thread or no worker source.
 */
export function csvRangeWorkers(
  threads: number = availableParallelism(),
  source = builtWorkerSource,
  minBytes = CSV_PARALLEL_MIN_BYTES,
  minPiece = 1 << 18,
): RangeWorkers | undefined {
  if (source === undefined || threads < 2) return undefined;
  return {
    minBytes,
    minPiece,
    start: () => {
      startWorkers(threads, source);
      return pool.some((p) => p.source === source);
    },
    run: (task) => runPooled(source, task, threads - 1),
  };
}
