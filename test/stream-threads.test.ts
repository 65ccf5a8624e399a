/**
 * The streamed mean and sum on one thread and on two (BCE_THREADS): the same loss, bit for bit, and the
 * in-memory one, on CSV and NPY pairs of many chunks with weight and pos_weight broadcasts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { BroadcastChannel } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesOnlyIo, spawnBceAsync } from './helpers/run.js';
import { npyHeader } from './helpers/npz-build.js';
import { parseArgv } from '../src/cli/program.js';
import { loadProblem, BUNDLE_KEYS } from '../src/io/inputs.js';
import { bceWithLogits, SUM_CHUNK } from '../src/core/kernel.js';
import { computeStreamed } from '../src/io/stream.js';
import type { Io } from '../src/io/source.js';
import { spawnAsync } from './helpers/spawn.js';
import { workerSource } from './helpers/worker-source.js';
import { startVmSize } from './helpers/memory.js';

const dir = mkdtempSync(join(tmpdir(), 'bce-stream-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A .npy file of the float64 values, without copying them to an array of numbers. */
const npyBytes = (data: Float64Array, shape: number[]) => Buffer.concat([npyHeader('<f8', shape), new Uint8Array(data.buffer)]);

function csvText(data: Float64Array, cols: number): string {
  const rows: string[] = [];
  for (let i = 0; i < data.length; i += cols) rows.push(Array.from(data.subarray(i, i + cols), String).join(','));
  return `${rows.join('\n')}\n`;
}

/** v to three decimals: CSV files of short numbers, quick to read (the losses and their sums round as any do). */
const short = (v: number) => Math.round(v * 1000) / 1000;

/** The in-memory path's result for the same arguments. */
async function inMemoryResult(argv: string[]) {
  const inv = parseArgv(argv);
  if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
  const p = await loadProblem(inv.options, filesOnlyIo, BUNDLE_KEYS);
  return bceWithLogits(p.logits.tensor, p.targets.tensor, { weight: p.weight?.tensor, posWeight: p.posWeight?.tensor, reduction: p.reduction });
}

/** The in-memory path's loss for the same arguments. */
async function inMemory(argv: string[]): Promise<number> {
  return (await inMemoryResult(argv)).loss as number;
}

describe('streamed on one thread = on two = in memory, bit for bit', () => {
  // 10 chunks (below the size for a worker: both runs stream on one thread)
  const rows = 3 * SUM_CHUNK + 4321;
  const cols = 3;
  const n = rows * cols;
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = Float64Array.from({ length: n }, () => short((rand() - 0.5) * 60));
  const y = Float64Array.from({ length: n }, () => (rand() < 0.2 ? short(rand()) : rand() < 0.5 ? 0 : 1));
  const rowWeight = Float64Array.from({ length: rows }, () => short(rand() * 3));
  const classPos = Float64Array.from({ length: cols }, () => 0.5 + rand() * 4);
  const write = (name: string, content: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const pairs = {
    npy: [write('x.npy', npyBytes(x, [rows, cols])), write('y.npy', npyBytes(y, [rows, cols]))],
    csv: [write('x.csv', csvText(x, cols)), write('y.csv', csvText(y, cols))],
  };
  const w = write('w.csv', csvText(rowWeight, 1));
  const pw = write('pw.npy', npyBytes(classPos, [cols]));

  it.each([
    ['npy', 'mean'],
    ['csv', 'sum'],
  ] as const)('%s pair, reduction %s, row weight and class pos_weight', async (format, reduction) => {
    const [lx, ty] = pairs[format];
    const argv = ['-l', lx, '-t', ty, '-w', w, '-p', pw, '-r', reduction, '--json', '-q'];
    const [one, two] = await Promise.all(['1', '2'].map((t) => spawnBceAsync(argv, { BCE_THREADS: t })));
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const loss = JSON.parse(one.stdout).loss as number;
    expect(Object.is(loss, await inMemory(argv))).toBe(true);
  }, 60000);
});

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
async function streamedHere(argv: string[], threads: number, source?: string) {
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
const sameBits = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('streamed on two threads in this process: a worker computes chunks, the bits are the one-thread and in-memory ones', () => {
  // 11 chunks: more than the ring's 8 slots, so slots are taken back and reused
  const rows = 5 * SUM_CHUNK + 999;
  const cols = 2;
  const n = rows * cols;
  let s = 777;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
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
  const lx = { npy: write('x2.npy', npyBytes(x, [rows, cols])), csv: write('x2.csv', csvText(x, cols)) };
  const ty = { npy: write('y2.npy', npyBytes(y, [rows, cols])), csv: write('y2.csv', csvText(y, cols)) };
  const table = write('t2.csv', `logit_a,logit_b,label_a,label_b\n${Array.from({ length: rows }, (_, r) => `${x[2 * r]},${x[2 * r + 1]},${y[2 * r]},${y[2 * r + 1]}`).join('\n')}\n`);
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
    (['npy', 'csv', 'table'] as const).flatMap((format) =>
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

  it('a worker that fails, or never takes a chunk, leaves the chunks to this thread: the same bits', async () => {
    const argv = ['-l', lx.npy, '-t', ty.npy, '-w', weights['row weight, class pos_weight'][1], '--json'];
    const want = await inMemory(argv);
    for (const source of ["throw new Error('no worker here')", "require('node:worker_threads').parentPort.postMessage(0)", 'setTimeout(() => {}, 200)']) {
      const r = await streamedHere(argv, 2, source);
      expect(r.stats.workerChunks).toBe(0);
      expect(Object.is(r.loss, want)).toBe(true);
    }
  }, 60000);
});

describe('the CLI on a streamed pair big enough for two threads', () => {
  const rows = 62 * SUM_CHUNK + 5;
  let s = 4242;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = Float64Array.from({ length: rows }, () => (rand() - 0.5) * 30);
  const y = Float64Array.from({ length: rows }, () => (rand() < 0.5 ? 0 : 1));
  const lx = join(dir, 'big-x.npy');
  const ty = join(dir, 'big-y.npy');
  const bin = new URL('../bin/bce.cjs', import.meta.url).pathname;
  const prlimit = spawnSync('prlimit', ['--version']).status === 0;
  beforeAll(() => {
    writeFileSync(lx, npyBytes(x, [rows]));
    writeFileSync(ty, npyBytes(y, [rows]));
  });
  afterAll(() => {
    rmSync(lx);
    rmSync(ty);
  });

  it('BCE_THREADS=2 gives the bits of BCE_THREADS=1 and of the in-memory path', async () => {
    const argv = ['-l', lx, '-t', ty, '--json'];
    const [one, two] = await Promise.all(['1', '2'].map((t) => spawnAsync(process.execPath, [bin, ...argv], { env: { ...process.env, BCE_THREADS: t }, timeout: 60_000 })));
    expect([one.status, one.stderr]).toEqual([0, '']);
    expect([two.status, two.stdout]).toEqual([0, one.stdout]);
    expect(Object.is(JSON.parse(one.stdout).loss, await inMemory(argv))).toBe(true);
  }, 120_000);

  // A worker needs ~0.85 GB of address space; under a tighter ceiling the engine would end the process as it
  // starts one, so none is started and the chunks are computed on the main thread.
  it.skipIf(!prlimit)('under an address-space ceiling of start + 500 MiB, BCE_THREADS=2 computes on one thread: the same bits', async () => {
    const ceiling = startVmSize() + 500 * 2 ** 20;
    const argv = ['-l', lx, '-t', ty, '--json'];
    const [one, two] = await Promise.all(
      ['1', '2'].map((t) => spawnAsync('prlimit', [`--as=${ceiling}`, process.execPath, bin, ...argv], { env: { ...process.env, BCE_THREADS: t }, timeout: 60_000 })),
    );
    expect([one.status, one.stderr]).toEqual([0, '']);
    expect([two.status, two.stderr, two.stdout]).toEqual([0, '', one.stdout]);
  }, 120_000);
});
