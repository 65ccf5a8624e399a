/**
 * The streamed mean and sum on one thread and on two (BCE_THREADS): the same loss, bit for bit, and the
 * in-memory one, on CSV and NPY pairs of many chunks with weight and pos_weight broadcasts.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesOnlyIo, spawnBce } from './helpers/run.js';
import { npyHeader } from './helpers/npz-build.js';
import { parseArgv } from '../src/cli/program.js';
import { loadProblem, BUNDLE_KEYS } from '../src/io/inputs.js';
import { bceWithLogits, SUM_CHUNK } from '../src/core/kernel.js';

const dir = mkdtempSync(join(tmpdir(), 'bce-stream-threads-'));

/** A .npy file of the float64 values, without copying them to an array of numbers. */
const npyBytes = (data: Float64Array, shape: number[]) => Buffer.concat([npyHeader('<f8', shape), new Uint8Array(data.buffer)]);

function csvText(data: Float64Array, cols: number): string {
  const rows: string[] = [];
  for (let i = 0; i < data.length; i += cols) rows.push(Array.from(data.subarray(i, i + cols), String).join(','));
  return `${rows.join('\n')}\n`;
}

/** The in-memory path's loss for the same arguments. */
async function inMemory(argv: string[]): Promise<number> {
  const inv = parseArgv(argv);
  if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
  const p = await loadProblem(inv.options, filesOnlyIo, BUNDLE_KEYS);
  const r = bceWithLogits(p.logits.tensor, p.targets.tensor, { weight: p.weight?.tensor, posWeight: p.posWeight?.tensor, reduction: p.reduction });
  return r.loss as number;
}

describe('streamed on one thread = on two = in memory, bit for bit', () => {
  const rows = 9 * SUM_CHUNK + 4321;
  const cols = 3;
  const n = rows * cols;
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = Float64Array.from({ length: n }, () => (rand() - 0.5) * 60);
  const y = Float64Array.from({ length: n }, () => (rand() < 0.2 ? rand() : rand() < 0.5 ? 0 : 1));
  const rowWeight = Float64Array.from({ length: rows }, () => rand() * 3);
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
    const one = spawnBce(argv, '', { BCE_THREADS: '1' });
    const two = spawnBce(argv, '', { BCE_THREADS: '2' });
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const loss = JSON.parse(one.stdout).loss as number;
    expect(Object.is(loss, await inMemory(argv))).toBe(true);
  }, 60000);
});
