/**
 * Sums of finite losses that overflow: the mean (or a sum brought back by negative terms) is still
 * finite and exact, in memory, on threads and streamed, whether the overflow happens inside a chunk of
 * the reduction or only when the chunks are merged. Expected values are identities: the mean of equal
 * losses is that loss.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgv } from '../src/cli/program.js';
import type { Io } from '../src/io/source.js';
import { filesOnlyIo } from './helpers/run.js';
import { computeStreamed } from '../src/io/stream.js';
import { bceElement, bceWithLogits, SUM_CHUNK } from '../src/core/kernel.js';
import { bceWithLogitsParallel } from '../src/parallel.js';

const T = (data: Float64Array, shape: number[]) => ({ data, shape });

describe('a sum that overflows does not hide a finite mean', () => {
  // x = 2e303, y = 0: each loss is 2e303; a chunk of 65536 sums to 1.3e308, two chunks overflow
  const n = 2 * SUM_CHUNK + 7;
  const x = new Float64Array(n).fill(2e303);
  const y = new Float64Array(n);

  it('across chunks: in memory and on two threads', async () => {
    const one = bceElement(2e303, 0);
    expect(one).toBe(2e303);
    const r = bceWithLogits(T(x, [n]), T(y, [n]), { reduction: 'mean' });
    expect(r.loss).toBe(one);
    expect(bceWithLogits(T(x, [n]), T(y, [n]), { reduction: 'sum' }).loss).toBe(Infinity);
    const par = await bceWithLogitsParallel(T(x, [n]), T(y, [n]), { reduction: 'mean' }, { threads: 2, minElements: 0 });
    expect(par.loss).toBe(r.loss);
  });

  it('inside one chunk, and a sum that comes back below the largest double', () => {
    const M = Number.MAX_VALUE;
    const x3 = Float64Array.from([M, M, M]);
    expect(bceWithLogits(T(x3, [3]), T(new Float64Array(3), [3]), { reduction: 'mean' }).loss).toBe(M);
    // targets outside [0, 1]: (1 - y) x is M, then -M (y = 2), then M: the sum M overflows on the way
    const r = bceWithLogits(T(Float64Array.from([M, M, M]), [3]), T(Float64Array.from([0, 0, 2]), [3]), { reduction: 'sum' });
    expect(r.loss).toBe(M);
  });

  it('streamed from CSV files of several chunks, as in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-overflow-'));
    const lp = join(dir, 'l.csv');
    const tp = join(dir, 't.csv');
    writeFileSync(lp, `${Array.from(x, String).join('\n')}\n`);
    writeFileSync(tp, `${Array.from(y, String).join('\n')}\n`);
    const io: Io = filesOnlyIo;
    const inv = parseArgv(['-l', lp, '-t', tp]);
    if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
    const r = await computeStreamed(inv.options, io, 1 << 30);
    expect(r?.result.loss).toBe(2e303);
  });
});
