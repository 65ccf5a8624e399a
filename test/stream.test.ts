/**
 * Streaming (src/io/stream.ts): the same loss as the in-memory path, bit for bit, on CSV and NPY files of
 * several chunks with every kind of weight and pos_weight broadcast; the same error messages; and the
 * choice of when to stream.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesOnlyIo } from './helpers/run.js';
import { parseArgv } from '../src/cli/program.js';
import type { ComputeOptions } from '../src/cli/compute.js';
import type { Io } from '../src/io/source.js';
import { computeStreamed } from '../src/io/stream.js';
import { streamable } from '../src/cli/stream-check.js';
import { loadProblem, BUNDLE_KEYS } from '../src/io/inputs.js';
import { bceWithLogits, SUM_CHUNK } from '../src/core/kernel.js';
import { InputError } from '../src/errors.js';

const STREAM_RUNS = Number(process.env.BCE_STREAM_RUNS ?? 25);

const dir = mkdtempSync(join(tmpdir(), 'bce-stream-'));
let fileNo = 0;
const file = (ext: string, content: string | Uint8Array) => {
  const p = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(p, content);
  return p;
};

const io: Io = filesOnlyIo;

const options = (...argv: string[]): ComputeOptions => {
  const inv = parseArgv(argv);
  if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
  return inv.options;
};

/** The in-memory path's loss (or error message). */
async function inMemory(o: ComputeOptions): Promise<number | string> {
  try {
    const p = await loadProblem(o, io, BUNDLE_KEYS);
    const r = bceWithLogits(p.logits.tensor, p.targets.tensor, { weight: p.weight?.tensor, posWeight: p.posWeight?.tensor, reduction: p.reduction });
    return r.loss as number;
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
}

/** The streaming path's loss (or error message); 'not streamed' when it handed over. */
async function streamed(o: ComputeOptions, inMemoryErrorBytes = 1 << 30): Promise<number | string> {
  expect(streamable(o)).toBe(true);
  try {
    const r = await computeStreamed(o, io, inMemoryErrorBytes);
    return r === undefined ? 'not streamed' : (r.result.loss as number);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
}

const csvText = (data: number[], cols: number, header = false) => {
  const rows: string[] = header ? [Array.from({ length: cols }, (_, c) => `c${c}`).join(',')] : [];
  for (let i = 0; i < data.length; i += cols) rows.push(data.slice(i, i + cols).map((v) => String(v)).join(','));
  return `${rows.join('\n')}\n`;
};

function npyBytes(data: number[], shape: number[]): Uint8Array {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = new Uint8Array(10);
  pre.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  pre[8] = header.length & 0xff;
  pre[9] = header.length >> 8;
  const body = new Uint8Array(new Float64Array(data).buffer);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), body]);
}

const same = (a: number | string, b: number | string) => (typeof a === 'number' && typeof b === 'number' ? Object.is(a, b) || (a !== a && b !== b) : a === b);

describe('streaming = in memory, bit for bit', () => {
  it('CSV and NPY files of several chunks, with weight and pos_weight broadcasts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 40000 }),
          cols: fc.integer({ min: 1, max: 7 }),
          seed: fc.integer(),
          formats: fc.constantFrom(['csv', 'csv'], ['npy', 'npy'], ['csv', 'npy'], ['npy', 'csv']),
          weight: fc.constantFrom('none', 'scalar', 'class', 'row', 'full', 'list'),
          posWeight: fc.constantFrom('none', 'scalar', 'class', 'list'),
          reduction: fc.constantFrom('mean', 'sum'),
          header: fc.boolean(),
        }),
        async (c) => {
          let s = c.seed >>> 0;
          const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
          const n = c.rows * c.cols;
          const x = Array.from({ length: n }, () => Math.round((rand() * 40 - 20) * 1e6) / 1e6);
          const y = Array.from({ length: n }, () => (rand() < 0.3 ? Math.round(rand() * 1000) / 1000 : rand() < 0.5 ? 0 : 1));
          const write = (fmt: string, d: number[]) => (fmt === 'csv' ? file('csv', csvText(d, c.cols, c.header)) : file('npy', npyBytes(d, [c.rows, c.cols])));
          const argv = ['-l', write(c.formats[0], x), '-t', write(c.formats[1], y), '-r', c.reduction];
          const vec = (k: number) => Array.from({ length: k }, () => Math.round(rand() * 300) / 100);
          const operand = (kind: string) => {
            if (kind === 'scalar') return file('json', '0.75');
            if (kind === 'class') return file('npy', npyBytes(vec(c.cols), [c.cols]));
            if (kind === 'row') return file('csv', csvText(vec(c.rows), 1));
            if (kind === 'full') return file('npy', npyBytes(vec(n), [c.rows, c.cols]));
            return vec(c.cols).join(',');
          };
          if (c.weight !== 'none') argv.push('-w', operand(c.weight));
          if (c.posWeight !== 'none') argv.push('-p', operand(c.posWeight));
          const o = options(...argv);
          const a = await streamed(o, 0);
          const b = await inMemory(o);
          expect(typeof a).toBe('number');
          expect(same(a, b)).toBe(true);
        },
      ),
      { numRuns: STREAM_RUNS },
    );
  }, Math.max(60000, STREAM_RUNS * 300));

  it('crosses the kernel chunk and the read buffer many times', async () => {
    const rows = 3 * SUM_CHUNK + 17;
    const x = Array.from({ length: rows }, (_, i) => ((i * 7919) % 2001) / 100 - 10);
    const y = Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const o = options('-l', file('csv', csvText(x, 1)), '-t', file('npy', npyBytes(y, [rows, 1])), '-p', '2.5');
    const a = await streamed(o, 0);
    expect(typeof a).toBe('number');
    expect(same(a, await inMemory(o))).toBe(true);
  });

  it('a line longer than the read buffer', async () => {
    const cols = 300000;
    const x = Array.from({ length: 2 * cols }, (_, i) => ((i * 7919) % 2001) / 100 - 10);
    const y = Array.from({ length: 2 * cols }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const o = options('-l', file('csv', csvText(x, cols)), '-t', file('csv', csvText(y, cols)), '-r', 'sum');
    const a = await streamed(o, 0);
    expect(typeof a).toBe('number');
    expect(same(a, await inMemory(o))).toBe(true);
  });
});

describe('flat JSON arrays stream too', () => {
  it('bit for bit, with NaN, Infinity and numeric strings', async () => {
    const n = 2 * SUM_CHUNK + 5;
    const x = Array.from({ length: n }, (_, i) => ((i * 7919) % 2001) / 100 - 10);
    const y = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const xs = x.map((v, i) => (i === 7 ? 'NaN' : i === 9 ? '"-inf"' : i === 11 ? 'Infinity' : String(v)));
    const body = `[${xs.join(', ')}]\n`;
    for (const targets of [file('json', JSON.stringify(y)), file('npy', npyBytes(y, [n])), file('csv', y.join('\n'))]) {
      const o = options('-l', file('json', body), '-t', targets, '-r', 'sum', '-w', file('json', JSON.stringify([0.5])));
      const a = await streamed(o, 0);
      const b = await inMemory(o);
      if (targets.endsWith('.csv')) {
        expect(a).toBe(b); // [n] against [n, 1]: the same shape error
        continue;
      }
      expect(typeof a).toBe('number');
      expect(same(a, b)).toBe(true);
    }
    for (const text of ['[]', ' [ ] ', '[1]', '[ 1 , 2 ,3]\n\n']) {
      const o = options('-l', file('json', text), '-t', file('json', text));
      expect(same(await streamed(o, 0), await inMemory(o))).toBe(true);
    }
  });
  it('anything else is read in memory, or is the in-memory error', async () => {
    const y = file('json', '[1, 0]');
    for (const text of ['[[1, 2]]', '{"logits": 1}', '3', '[1, {}]', '[1, "x"]', '[1 2]', '[1,', '[1, 2] x', '[1, tru]', '[1, "\\u0031"]']) {
      const o = options('-l', file('json', text), '-t', y);
      const a = await streamed(o, 0);
      const b = await inMemory(o);
      if (a !== 'not streamed') expect(same(a, b)).toBe(true);
      // nested, an object, a number: handed over at once
      expect(a === 'not streamed').toBe(['[[1, 2]]', '{"logits": 1}', '3'].includes(text));
      expect(await streamed(o, 1 << 30)).toBe(a);
    }
  });
});

describe('streamed JSON errors = in-memory JSON errors (one tokenizer)', () => {
  it.each(['[1, {}]', '[1, "x"]', '[1 2]', '[1,', '[1, tru]', '[1,]', '[1, 2x]', '[1, "1,2"]', '[1, null]', '[1', '[1, [2]]'])(
    '%j: the same words at the same line and column',
    async (text) => {
      const o = options('-l', file('json', text), '-t', file('json', '[1, 0]'));
      const s = await streamed(o, 0);
      const m = await inMemory(o);
      expect(m).toMatch(/\.json:1:\d+: \[\d\]: /);
      expect(s).toBe(m);
    },
  );
});

describe('streaming errors = in-memory errors', () => {
  it.each([
    ['ragged row', '1,2\n3,4\n5\n', '0,1\n1,0\n1,1\n'],
    ['bad cell', '1,2\n3,x\n', '0,1\n1,0\n'],
    ['rows differ', '1,2\n3,4\n5,6\n', '0,1\n1,0\n'],
    ['columns differ', '1,2\n3,4\n', '0,1,1\n1,0,1\n'],
    ['targets bad, logits fine', '1,2\n3,4\n', '0,1\n1,q\n'],
    ['logits bad after targets bad', '1,2\n3,4\n5,6\n7,z\n', '0,1\nq,0\n1,1\n0,0\n'],
    ['empty file', '', '0,1\n'],
    ['header only: an empty mean is NaN', 'a,b\n', 'a,b\n'],
  ])('%s', async (_, x, y) => {
    const o = options('-l', file('csv', x), '-t', file('csv', y));
    const want = await inMemory(o);
    expect(same(await streamed(o, 0), want)).toBe(true);
    // the default too: streamed errors are the in-memory ones, with no second reading
    if (typeof want === 'string') expect(await streamed(o, 1 << 30)).toBe(want);
  });

  it('weight and pos_weight that do not broadcast, NPY shapes', async () => {
    const x = file('csv', '1,2\n3,4\n5,6\n');
    const y = file('csv', '0,1\n1,0\n1,1\n');
    for (const extra of [['-w', '1,2,3'], ['-p', '1,2,3'], ['-w', file('csv', '1\n2\n')], ['-w', file('npy', npyBytes([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]))]]) {
      const o = options('-l', x, '-t', y, ...extra);
      const want = await inMemory(o);
      expect(want).toMatch(/does not broadcast/);
      expect(await streamed(o, 0)).toBe(want);
    }
    const o = options('-l', file('npy', npyBytes([1, 2, 3, 4], [4])), '-t', file('csv', '1\n0\n1\n0\n'));
    expect(await streamed(o, 0)).toBe(await inMemory(o));
    const cut = npyBytes([1, 2, 3, 4], [4]).subarray(0, 130);
    const o2 = options('-l', file('npy', cut), '-t', file('csv', '1\n0\n1\n0\n'));
    expect(await streamed(o2, 0)).toBe(await inMemory(o2));
  });

  it('hands over what it does not stream: quotes, Fortran order, JSON, csv-parse', async () => {
    const y = file('csv', '0,1\n1,0\n');
    expect(await streamed(options('-l', file('csv', '"1",2\n3,4\n'), '-t', y))).toBe('not streamed');
    expect(await streamed(options('-l', file('json', '[[1,2],[3,4]]'), '-t', y))).toBe('not streamed');
    expect(await streamed(options('-l', file('safetensors', new Uint8Array(100)), '-t', y))).toBe('not streamed');
    expect(await streamed(options('-l', file('csv', '1,2\n3,4\n'), '-t', y, '--csv-engine', 'csv-parse'))).toBe('not streamed');
    expect(await streamed(options('-l', join(dir, 'missing.csv'), '-t', y))).toBe('not streamed');
  });

  it('streams only mean and sum of files, without gradients or views', () => {
    expect(streamable(options('-l', 'a.csv', '-t', 'b.csv'))).toBe(true);
    expect(streamable(options('-l', 'a.csv', '-t', 'b.csv', '-r', 'sum', '--size-average', 'false'))).toBe(true);
    for (const extra of [['-g'], ['--grad-targets'], ['-r', 'none'], ['--reduce', 'false'], ['--per-class'], ['--hist'], ['--step', '0.1'], ['--label-smoothing', '0.1']]) {
      expect(streamable(options('-l', 'a.csv', '-t', 'b.csv', ...extra))).toBe(false);
    }
    expect(streamable(options('-l', '-', '-t', 'b.csv'))).toBe(false);
    expect(streamable(options('-l', 'a.npz:x', '-t', 'b.csv'))).toBe(false);
    expect(streamable(options('b.json'))).toBe(false);
  });
});

describe('through the CLI', async () => {
  const { runBce } = await import('./helpers/run.js');
  it('streams, warns unless -q, and bad input is one line on stderr with exit 2', async () => {
    const x = file('csv', '# logits\n1 2 3\n4 5 6\n');
    const y = file('csv', '0 1 1\n1 0 1\n');
    const r = await runBce(['-l', x, '-t', y, '--json', '--size-average', 'false']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reduction: 'sum', shape: [2, 3] });
    expect(r.stderr).toMatch(/^bce: warning: size_average and reduce args will be deprecated/);
    const q = await runBce(['-l', x, '-t', y, '--json', '--size-average', 'false', '-q']);
    expect(q.stderr).toBe('');
    expect(q.stdout).toBe(r.stdout);
    const bad = await runBce(['-l', x, '-t', file('csv', '0 1 1\n1 0\n')]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^bce: \S+\.csv:2:4: ragged row: 2 fields where the rows before it have 3\n$/);
  });
});
