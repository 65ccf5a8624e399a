/**
 * A worker thread's share of a loss computation (see parallel.ts): once the inputs are in shared memory
 * (CTRL_READY), it claims chunks from the back, down to `firstChunk`, and stops at the first chunk that
 * the main thread claimed first. bin/build.mjs bundles this file into a string that parallel.ts starts
 * with `new Worker(source, { eval: true })`, so the CLI stays one file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PARTIAL, runBcePlan, SUM_CHUNK } from './core/kernel.js';
import type { BcePlan } from './core/kernel.js';
import { claimChunk, CTRL_NEXT, CTRL_READY } from './parallel.js';

const { plan, ctrl, firstChunk } = workerData as { plan: BcePlan; ctrl: Int32Array; firstChunk: number };

/**
 * Warms the loop up on made-up data with the plan's outputs, while the main thread copies the inputs: a
 * cold loop runs in V8's interpreter, many times slower, and the main thread would wait for that chunk.
 */
function warmUp(): void {
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
warmUp();
Atomics.wait(ctrl, CTRL_READY, 0);
let computed = 0;
for (;;) {
  const k = Atomics.sub(ctrl, CTRL_NEXT, 1) - 1;
  if (k < firstChunk || !claimChunk(ctrl, k)) break;
  runBcePlan(plan, k * SUM_CHUNK, Math.min(plan.n, (k + 1) * SUM_CHUNK));
  computed++;
}
// done: how many chunks this worker computed
parentPort?.postMessage(computed);
