/**
 * The streamed mean and sum on one thread and on two in this process, on the CSV pair and the table (the NPY
 * pair's cases are in stream-threads.test.ts): the same bits, the worker computing chunks; and which of them
 * use the worker when BCE_THREADS is unset.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvText, ringSuite, sameBits, short } from './helpers/stream-threads.js';
import { rng } from './helpers/numeric-csv.js';
import { filesOnlyIo } from './helpers/run.js';
import { workerSource } from './helpers/worker-source.js';
import { parseArgv } from '../src/cli/program.js';
import { SUM_CHUNK } from '../src/core/kernel.js';
import { computeStreamed } from '../src/io/stream.js';

const dir = mkdtempSync(join(tmpdir(), 'bce-stream-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

ringSuite(dir, ['csv', 'table']);

describe('without BCE_THREADS, a streamed reduction that is mostly parsing keeps its kernel on the reading thread', () => {
  const rows = 3 * SUM_CHUNK;
  const rand = rng(31);
  const x = Float64Array.from({ length: rows }, () => short((rand() - 0.5) * 20));
  const y = Float64Array.from({ length: rows }, () => (rand() < 0.5 ? 0 : 1));
  const files = {
    csv: ['-l', join(dir, 'px.csv'), '-t', join(dir, 'py.csv')],
    table: ['-l', `${join(dir, 'pt.csv')}:logit`, '-t', `${join(dir, 'pt.csv')}:label`],
  };
  writeFileSync(files.csv[1], csvText(x, 1));
  writeFileSync(files.csv[3], csvText(y, 1));
  writeFileSync(join(dir, 'pt.csv'), `logit,label\n${Array.from(x, (v, i) => `${v},${y[i]}`).join('\n')}\n`);

  it.each(Object.keys(files) as (keyof typeof files)[])('%s: one thread unless BCE_THREADS asks for two; the same bits', async (format) => {
    const run = async (threads: number | undefined) => {
      const inv = parseArgv(files[format]);
      if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
      const stats = { threads: 1, chunks: 0, workerChunks: 0 };
      const r = await computeStreamed(inv.options, filesOnlyIo, 1 << 30, { threads, minElements: 0, workerSource, stats });
      return { sums: r?.result.sums, threads: stats.threads };
    };
    const byDefault = await run(undefined);
    const two = await run(2);
    expect(byDefault.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(sameBits(byDefault.sums, two.sums)).toBe(true);
  });
});
