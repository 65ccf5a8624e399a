/**
 * A worker thread's share of a loss computation: the chunks [from, to) of a plan whose big arrays live
 * in shared memory (see parallel.ts). bin/build.mjs bundles this file into a string that parallel.ts
 * starts with `new Worker(source, { eval: true })`, so the CLI stays one file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBcePlan } from './kernel.js';
import type { BcePlan } from './kernel.js';

const { plan, from, to } = workerData as { plan: BcePlan; from: number; to: number };
runBcePlan(plan, from, to);
parentPort?.postMessage('done');
