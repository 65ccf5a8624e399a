/**
 * The worker-pool protocol of a loss computation on several threads, pure: what the threads share, how
 * they claim chunks, and what each computes. parallel.ts creates the workers (it owns node:worker_threads);
 * kernel-worker.ts is a worker's entry point. Only SharedArrayBuffer and Atomics are used here.
 *
 * The work is a plan's chunks (kernel.ts, SUM_CHUNK). The main thread claims them from the front, the
 * workers from the back, each chunk taken by whoever claims it first (an atomic flag per chunk), until the
 * two ends meet. A worker that starts late, or a busy core, only means the main thread computes more.
 * Chunks are merged in order by finishBce, so the result does not depend on who computed what.
 */
import { PARTIAL, planBce, runBcePlan, SUM_CHUNK } from './kernel.js';
import { allowWasm } from './kernel-wasm.js';
import type { BcePlan } from './kernel.js';

/**
 * Below this many elements one thread is as fast or faster: a worker must start (a new V8 isolate and
 * Node's bootstrap) and the inputs' back half is copied into shared memory (unless it
 * was read there: io/declared.ts). The scaling table of `npm run bench` (README, Performance) shows where
 * threads start to pay.
 */
export const PARALLEL_MIN_ELEMENTS = 4_000_000;

/** The shared control block: [next chunk from the back, inputs ready, one claim flag per chunk]. */
const CTRL_NEXT = 0;
const CTRL_READY = 1;
const CTRL_FLAGS = 2;

/** What a worker receives (as its workerData): the plan, with its big arrays in shared memory. */
export interface PoolTask {
  plan: BcePlan;
  /** the control block (controlBlock) */
  ctrl: Int32Array;
  /** workers claim chunks from the last one down to this one */
  firstChunk: number;
  /** whether the WebAssembly loops run on the main thread (allowWasm): every thread makes the same choice */
  wasm: boolean;
}

/** What a worker posts back when it stops: how many chunks it computed. */
export type PoolReply = number;

/** A control block for `chunks` chunks, in shared memory, none claimed, inputs not ready. */
export function controlBlock(chunks: number): Int32Array {
  const ctrl = new Int32Array(new SharedArrayBuffer((CTRL_FLAGS + chunks) * Int32Array.BYTES_PER_ELEMENT));
  ctrl[CTRL_NEXT] = chunks;
  return ctrl;
}

/** Claims chunk k for the calling thread: true when no thread had claimed it. */
export function claimChunk(ctrl: Int32Array, k: number): boolean {
  return Atomics.compareExchange(ctrl, CTRL_FLAGS + k, 0, 1) === 0;
}

/** Tells the workers that the inputs are in shared memory. */
export function signalReady(ctrl: Int32Array): void {
  Atomics.store(ctrl, CTRL_READY, 1);
  Atomics.notify(ctrl, CTRL_READY);
}

/** Computes chunk k of a plan. */
function runChunk(plan: BcePlan, k: number): void {
  runBcePlan(plan, k * SUM_CHUNK, Math.min(plan.n, (k + 1) * SUM_CHUNK));
}

/**
 * The main thread's share: chunks from the front, until one was claimed by a worker. Returns true when it
 * computed every chunk (the workers then have nothing left to do).
 */
export function runFrontShare(plan: BcePlan, ctrl: Int32Array): boolean {
  const chunks = Math.ceil(plan.n / SUM_CHUNK);
  let k = 0;
  for (; k < chunks && claimChunk(ctrl, k); k++) runChunk(plan, k);
  return k === chunks;
}

/** Which loop a plan runs: plans of the same kind share their warmed-up code. */
function planKind(plan: BcePlan, wasm: boolean): string {
  const has = (v: unknown) => (v === undefined ? '-' : '+');
  return [plan.loss, plan.grad, plan.gradTargets, plan.partials, plan.weight, plan.posWeight].map(has).join('') + (wasm ? 'w' : 'j');
}

/**
 * Warms the loop up on made-up data with the plan's outputs, while the main thread copies the inputs: a
 * cold loop runs in V8's interpreter, many times slower, and the main thread would wait for that chunk.
 */
export function warmUp(plan: BcePlan): void {
  const m = 4096;
  const x = new Float64Array(m).map((_, i) => (i % 13) - 6);
  const y = new Float64Array(m).map((_, i) => i % 2);
  const warm: BcePlan = { ...plan, n: m, x, y };
  if (plan.loss) warm.loss = new Float64Array(m);
  if (plan.grad) warm.grad = new Float64Array(m);
  if (plan.gradTargets) warm.gradTargets = new Float64Array(m);
  if (plan.partials) warm.partials = new Float64Array(PARTIAL);
  for (let k = 0; k < 30; k++) runBcePlan(warm, 0, m);
}

/**
 * A worker's share: once the inputs are ready, chunks from the back, down to `firstChunk`, stopping at
 * the first chunk that the main thread claimed first. Returns the reply to post. A worker that serves
 * several tasks passes the kinds of plan it has warmed up already (`warmed`), and warms up only new ones.
 */
export function runBackShare({ plan, ctrl, firstChunk, wasm }: PoolTask, warmed?: Set<string>): PoolReply {
  allowWasm(wasm);
  const kind = planKind(plan, wasm);
  if (!warmed?.has(kind)) {
    warmUp(plan);
    warmed?.add(kind);
  }
  Atomics.wait(ctrl, CTRL_READY, 0);
  let computed = 0;
  for (;;) {
    const k = Atomics.sub(ctrl, CTRL_NEXT, 1) - 1;
    if (k < firstChunk || !claimChunk(ctrl, k)) break;
    runChunk(plan, k);
    computed++;
  }
  return computed;
}

/**
 * Warms up the loops of the common computations (mean or sum with or without d/dx, none with d/dx), for a
 * worker started ahead of its first task; returns their kinds, for runBackShare.
 */
export function warmUpCommon(): Set<string> {
  const t = { data: new Float64Array(1), shape: [1] };
  const kinds = new Set<string>();
  allowWasm(true);
  for (const options of [{}, { grad: true }, { reduction: 'none' as const, grad: true }]) {
    const plan = planBce(t, t, options);
    warmUp(plan);
    kinds.add(planKind(plan, true));
  }
  return kinds;
}
