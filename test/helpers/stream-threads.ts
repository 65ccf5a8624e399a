/**
 * The streamed mean and sum on one thread and on two, in this process: the inputs, the worker's source with a
 * handshake, and the cases of the ring (io/chunk-pipeline.ts), for test/stream-threads*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { filesOnlyIo } from './run.js';
import { rng } from './numeric-csv.js';
import { npyHeader } from './npz-build.js';
import { workerSource } from './worker-source.js';
import { parseArgv } from '../../src/cli/program.js';
import { loadProblem, BUNDLE_KEYS } from '../../src/io/inputs.js';
import { bceWithLogits, SUM_CHUNK } from '../../src/core/kernel.js';
import { computeStreamed } from '../../src/io/stream.js';
import type { Io } from '../../src/io/source.js';

/** A .npy file of the float64 values, without copying them to an array of numbers. */
export const npyBytes = (data: Float64Array, shape: number[]) => Buffer.concat([npyHeader('<f8', shape), new Uint8Array(data.buffer)]);

export function csvText(data: Float64Array, cols: number): string {
  const rows: string[] = [];
  for (let i = 0; i < data.length; i += cols) rows.push(Array.from(data.subarray(i, i + cols), String).join(','));
  return `${rows.join('\n')}\n`;
}

/** v to three decimals: CSV files of short numbers, quick to read (the losses and their sums round as any do). */
export const short = (v: number) => Math.round(v * 1000) / 1000;

/** The in-memory path's result for the same arguments. */
export async function inMemoryResult(argv: string[]) {
  const inv = parseArgv(argv);
  if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
  const p = await loadProblem(inv.options, filesOnlyIo, BUNDLE_KEYS);
  return bceWithLogits(p.logits.tensor, p.targets.tensor, { weight: p.weight?.tensor, posWeight: p.posWeight?.tensor, reduction: p.reduction });
}

/** The in-memory path's loss for the same arguments. */
export async function inMemory(argv: string[]): Promise<number> {
  return (await inMemoryResult(argv)).loss as number;
}

/**
 * The worker's source, which says on the channel `name` when it first waits for a published chunk (its ring
 * is then open and empty).
 */
function announcing(source: string, name: string): string {
  const hook = `{const w=Atomics.wait;Atomics.wait=function(...a){Atomics.wait=w;const c=new (require('node:worker_threads').BroadcastChannel)(${JSON.stringify(name)});c.postMessage(1);c.close();return w.apply(Atomics,a);};}\n`;
  return source.replace(/^("use strict";\n)?/, (strict) => strict + hook);
}

let calls = 0;

/**
 * The streamed loss in this process, its chunks computed on `threads` threads (a worker from the first chunk on).
 * With the kernel's worker, no file is read between the worker's start and the moment it waits for a chunk:
 * it is there for the first chunk published, whatever the machine's load (a handshake, not a delay).
 */
export async function streamedHere(argv: string[], threads: number, source?: string) {
  const inv = parseArgv(argv);
  if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
  const stats = { threads: 1, chunks: 0, workerChunks: 0 };
  const name = `bce-stream-threads-${process.pid}-${++calls}`;
  const channel = new BroadcastChannel(name);
  let started = false;
  const waiting = new Promise<void>((resolve) => {
    channel.onmessage = () => resolve();
    // a worker that never gets there fails the test on its count of chunks, not by a hang
    setTimeout(resolve, 10_000).unref();
  });
  const onWorker = () => (started = source === undefined);
  const io: Io = {
    ...filesOnlyIo,
    openFile: async (path) => {
      const f = await filesOnlyIo.openFile(path);
      return f && { ...f, read: async (...a) => (started && (await waiting), f.read(...a)) };
    },
  };
  process.on('worker', onWorker);
  try {
    const r = await computeStreamed(inv.options, io, 1 << 30, { threads, minElements: 0, workerSource: source ?? announcing(workerSource, name), stats });
    if (r === undefined) throw new Error('not streamed');
    return { loss: r.result.loss as number, sums: r.result.sums, stats };
  } finally {
    process.off('worker', onWorker);
    channel.close();
  }
}

/** The same bits (NaN and -0 included) in every element. */
export const sameBits = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

export function ringSuite(dir: string, formats: readonly ('npy' | 'csv' | 'table')[]): void {
  describe(`streamed on two threads in this process: a worker computes chunks, the bits are the one-thread and in-memory ones (${formats.join(', ')})`, () => {
    // 11 chunks: more than the ring's 8 slots, so slots are taken back and reused
    const rows = 5 * SUM_CHUNK + 999;
    const cols = 2;
    const n = rows * cols;
    const rand = rng(777);
    const x = Float64Array.from({ length: n }, () => short((rand() - 0.5) * 80));
    const y = Float64Array.from({ length: n }, () => (rand() < 0.3 ? short(rand()) : rand() < 0.5 ? 0 : 1));
    // the edges, in chunks the worker may take: an infinite logit (its loss 0 against 0), subnormal exp(-|x|)
    x[SUM_CHUNK + 7] = -Infinity;
    y[SUM_CHUNK + 7] = 0;
    x[3 * SUM_CHUNK + 1] = 800;
    x[5 * SUM_CHUNK + 2] = -745.5;
    const rowWeight = Float64Array.from({ length: rows }, () => short(rand() * 3));
    const classPos = Float64Array.from({ length: cols }, () => 0.5 + rand() * 4);
    // losses near 1e307 each: a chunk's plain sum overflows, and is summed again at 2^-64 (ChunkSums)
    const huge = Float64Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? 1e306 : 1));
    const write = (name: string, content: string | Uint8Array) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    };
    // the pairs of the formats asked for (and the NPY pair, for the worker that fails)
    const lx = { npy: write('x2.npy', npyBytes(x, [rows, cols])), csv: formats.includes('csv') ? write('x2.csv', csvText(x, cols)) : '' };
    const ty = { npy: write('y2.npy', npyBytes(y, [rows, cols])), csv: formats.includes('csv') ? write('y2.csv', csvText(y, cols)) : '' };
    const table = formats.includes('table')
      ? write('t2.csv', `logit_a,logit_b,label_a,label_b\n${Array.from({ length: rows }, (_, r) => `${x[2 * r]},${x[2 * r + 1]},${y[2 * r]},${y[2 * r + 1]}`).join('\n')}\n`)
      : '';
    const weights: Record<string, string[]> = {
      none: [],
      'uniform weight and pos_weight': ['-w', write('w1.json', '[0.75]'), '-p', write('p1.json', '[2.5]')],
      'row weight, class pos_weight': ['-w', write('w2.csv', csvText(rowWeight, 1)), '-p', write('p2.npy', npyBytes(classPos, [cols]))],
      'huge row weight (a chunk sum overflows)': ['-w', write('w3.npy', npyBytes(huge, [rows, 1]))],
    };

    // Every weight with both reductions on the NPY pair. The reduction only changes the finish after the ring
    // (the mean's division), the same for every reader: the CSV pair and the table take each weight once, with
    // the reductions in turn, and the huge weight (a sum that overflows, a mean that does not) with both.
    const reductions = (format: string, w: string, k: number) =>
      format === 'npy' || w.startsWith('huge') ? (['mean', 'sum'] as const) : ([k % 2 === 0 ? 'mean' : 'sum'] as const);
    it.each(
      formats.flatMap((format) =>
        Object.keys(weights).flatMap((w, k) => reductions(format, w, k).map((reduction) => [format, w, reduction] as const)),
      ),
    )('%s pair, %s, reduction %s', async (format, w, reduction) => {
      const pair = format === 'table' ? ['-l', `${table}:logit_*`, '-t', `${table}:label_*`] : ['-l', lx[format], '-t', ty[format]];
      const argv = [...pair, ...weights[w], '-r', reduction, '--json', '-q'];
      const one = await streamedHere(argv, 1);
      expect(one.stats.workerChunks).toBe(0);
      let two = await streamedHere(argv, 2);
      // on a busy machine the reading thread may do everything; over five tries the worker gets some
      for (let k = 0; k < 4 && two.stats.workerChunks === 0; k++) two = await streamedHere(argv, 2);
      expect(two.stats.chunks).toBe(Math.ceil(n / SUM_CHUNK));
      expect(two.stats.workerChunks).toBeGreaterThan(0);
      // the merged partial sums too (sum, compensation, scaled), not only their rounded value
      const mem = await inMemoryResult(argv);
      expect(Object.is(two.loss, one.loss)).toBe(true);
      expect(Object.is(one.loss, mem.loss)).toBe(true);
      expect(sameBits(two.sums, one.sums)).toBe(true);
      expect(sameBits(one.sums, mem.sums)).toBe(true);
      expect(Number.isFinite(one.loss)).toBe(!w.startsWith('huge') || reduction === 'mean');
      if (w.startsWith('huge')) expect(one.sums?.[2]).toBe(1);
    }, 60000);

    if (formats.includes('npy')) {
      it('a worker that fails, or never takes a chunk, leaves the chunks to this thread: the same bits', async () => {
        const argv = ['-l', lx.npy, '-t', ty.npy, '-w', weights['row weight, class pos_weight'][1], '--json'];
        const want = await inMemory(argv);
        for (const source of ["throw new Error('no worker here')", "require('node:worker_threads').parentPort.postMessage(0)", 'setTimeout(() => {}, 200)']) {
          const r = await streamedHere(argv, 2, source);
          expect(r.stats.workerChunks).toBe(0);
          expect(Object.is(r.loss, want)).toBe(true);
        }
      }, 60000);
    }
  });
}
