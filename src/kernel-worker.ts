/**
 * A worker thread's entry point: it runs its share of a loss computation (runBackShare, core/pool.ts) and
 * posts back how many chunks it computed. bin/build.mjs bundles this file into a string that parallel.ts
 * starts with `new Worker(source, { eval: true })`, so the CLI stays one file.
 *
 * Started with a task (workerData), it runs that one. Started without (a pooled worker, started ahead of
 * the computation), it warms its loops up, then runs each task posted to it, replying to each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBackShare, warmUpCommon } from './core/pool.js';
import type { PoolTask } from './core/pool.js';

if (workerData) parentPort?.postMessage(runBackShare(workerData as PoolTask));
else {
  const warmed = warmUpCommon();
  parentPort?.on('message', (task: PoolTask) => parentPort?.postMessage(runBackShare(task, warmed)));
}
