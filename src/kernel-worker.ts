/**
 * A worker thread's entry point: it runs its share of a loss computation (runBackShare, core/pool.ts) and
 * posts back how many chunks it computed. bin/build.mjs bundles this file into a string that parallel.ts
 * starts with `new Worker(source, { eval: true })`, so the CLI stays one file.
 *
 * Started with a task (workerData), it runs that one. Started with an idle flag only (a pooled worker,
 * started ahead of the computation), it warms its loops up, then runs each task posted to it, raising
 * the flag before each reply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBackShare, warmUpCommon } from './core/pool.js';
import type { PoolTask } from './core/pool.js';
import { scanRange } from './io/csv-range.js';
import type { CsvRangeTask } from './io/csv-range.js';

const data = workerData as PoolTask | { idle: Int32Array };
if ('plan' in data) parentPort?.postMessage(runBackShare(data));
else {
  const warmed = warmUpCommon();
  parentPort?.on('message', (task: PoolTask | CsvRangeTask) => {
    // a task of the CSV scanner (io/csv-range.ts) or of the kernel
    const computed = 'csvRange' in task ? scanRange(task) : runBackShare(task, warmed);
    Atomics.store(data.idle, 0, 1);
    parentPort?.postMessage(computed);
  });
}
