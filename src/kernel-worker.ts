/**
 * A worker thread's entry point: it runs its share of a loss computation (runBackShare, core/pool.ts) and
 * posts back how many chunks it computed. bin/build.mjs bundles this file into a string that parallel.ts
 * starts with `new Worker(source, { eval: true })`, so the CLI stays one file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBackShare } from './core/pool.js';
import type { PoolTask } from './core/pool.js';

parentPort?.postMessage(runBackShare(workerData as PoolTask));
