/**
 * The streamed mean and sum on one thread and on two (BCE_THREADS): the same loss, bit for bit, and the
 * in-memory one, on CSV and NPY pairs of many chunks with weight and pos_weight broadcasts. The ring's cases
 * on the CSV pair and the table are in stream-threads.tables.test.ts (run beside this file).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBceAsync } from './helpers/run.js';
import { SUM_CHUNK } from '../src/core/kernel.js';
import { spawnAsync } from './helpers/spawn.js';
import { startVmSize } from './helpers/memory.js';
import { rng } from './helpers/numeric-csv.js';
import { csvText, inMemory, npyBytes, ringSuite, short } from './helpers/stream-threads.js';

const dir = mkdtempSync(join(tmpdir(), 'bce-stream-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('streamed on one thread = on two = in memory, bit for bit', () => {
  // 10 chunks (below the size for a worker: both runs stream on one thread)
  const rows = 3 * SUM_CHUNK + 4321;
  const cols = 3;
  const n = rows * cols;
  const rand = rng(12345);
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

ringSuite(dir, ['npy']);

describe('the CLI on a streamed pair big enough for two threads', () => {
  const rows = 62 * SUM_CHUNK + 5;
  const rand = rng(4242);
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
