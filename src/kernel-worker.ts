/**
 * A worker thread's entry point: it runs its share of a loss computation (runBackShare, core/pool.ts) or of a
 * streamed reduction (runRingShare, core/chunk-ring.ts) and posts back how many chunks it computed, or scans
 * spans of a CSV file (scanRange, io/csv-range.ts).
 * bin/build.mjs bundles this file into a string that parallel.ts starts with `new Worker(source, { eval: true })`,
 * so the CLI stays one file.
 *
 * Started with a task (workerData), it runs that one. Started with an idle flag only (a pooled worker,
 * started ahead of the computation), it warms its loops up, then runs each task posted to it, raising
 * the flag before each reply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBackShare, warmUpCommon } from './core/pool.js';
import type { PoolTask } from './core/pool.js';
import { runRingShare } from './core/chunk-ring.js';
import type { RingTask } from './core/chunk-ring.js';
import { scanRange } from './io/csv-range.js';
import type { CsvRangeTask } from './io/csv-range.js';

const data = workerData as PoolTask | RingTask | { idle: Int32Array };
if ('plan' in data) parentPort?.postMessage(runBackShare(data));
else if ('ring' in data) parentPort?.postMessage(runRingShare(data));
else {
  const warmed = warmUpCommon();
  parentPort?.on('message', (task: PoolTask | RingTask | CsvRangeTask) => {
    // a task of the CSV scanner (io/csv-range.ts), of a streamed reduction's ring or of the kernel
    const computed = 'csvRange' in task ? scanRange(task) : 'ring' in task ? runRingShare(task) : runBackShare(task, warmed);
    Atomics.store(data.idle, 0, 1);
    parentPort?.postMessage(computed);
  });
}
