/**
 * CSV pieces scanned on two threads (src/io/csv-range.ts) against one thread: the same values, bit for bit,
 * the same shape, and the same first error (message, line, column), wherever the error falls: in the front
 * part, in the back part a worker scans, or at the cut between them. Three kinds of helper: one that scans
 * every back part at once on this thread (deterministic: every back part goes through the worker's code),
 * one that never comes (this thread scans every back part from the shared copy), and real worker threads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { workerSource } from './helpers/worker-source.js';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvBytes } from '../src/io/csv-source.js';
import { scanRange, useRangeWorkers } from '../src/io/csv-range.js';
import type { RangeWorkers } from '../src/io/csv-range.js';
import { CSV_PARALLEL_MIN_BYTES, csvRangeWorkers } from '../src/parallel.js';
import { InputError } from '../src/errors.js';
import { filesOnlyIo, spawnBce } from './helpers/run.js';
import { npyHeader } from './helpers/npz-build.js';
import { parseArgv } from '../src/cli/program.js';
import { loadProblem, BUNDLE_KEYS } from '../src/io/inputs.js';
import { bceWithLogits } from '../src/core/kernel.js';

afterEach(() => useRangeWorkers(undefined));

/** A helper that scans each back part at once, on this thread, with the worker's code. */
function inline(): RangeWorkers & { scanned: number } {
  const w = {
    scanned: 0,
    minBytes: 0,
    minPiece: 0,
    start: () => true,
    run: (task: Parameters<RangeWorkers['run']>[0]) => {
      w.scanned += scanRange(task);
      return { done: Promise.resolve(1), stop: () => undefined };
    },
  };
  return w;
}

/** A helper that scans the first half of the spans of each back part, at once: this thread the others. */
const half: RangeWorkers = {
  minBytes: 0,
  minPiece: 0,
  start: () => true,
  run: (task) => {
    scanRange({ ...task, bounds: task.bounds.subarray(0, Math.ceil(task.bounds.length / 2)) });
    return { done: Promise.resolve(1), stop: () => undefined };
  },
};

/** A helper that never takes its task: this thread claims and scans every back part. */
const absent: RangeWorkers = {
  minBytes: 0,
  minPiece: 0,
  start: () => true,
  run: () => ({ done: new Promise(() => undefined), stop: () => undefined }),
};

/** The shape and a digest of the values' bytes (NaN payloads included), or the error. */
type Outcome = { shape: number[]; values: string } | { error: string };

async function outcome(bytes: Uint8Array, workers: RangeWorkers | undefined): Promise<Outcome> {
  useRangeWorkers(workers);
  try {
    const r = await readCsvBytes(bytes, 'f.csv');
    return { shape: r.shape, values: createHash('sha256').update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)).digest('hex') };
  } catch (e) {
    if (e instanceof InputError) return { error: `InputError ${e.message}` };
    if (e instanceof Error && e.name === 'CsvFallback') return { error: `CsvFallback ${e.message}` };
    throw e;
  } finally {
    useRangeWorkers(undefined);
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A numeric CSV of `lines` lines of `cols` cells (numbers of several spellings), as lines without their ends. */
function table(lines: number, cols: number, seed: number): string[] {
  const r = rng(seed);
  const cell = () => {
    const k = r();
    if (k < 0.4) return String((r() - 0.5) * 30);
    if (k < 0.7) return (r() * 10).toFixed(6);
    if (k < 0.8) return r() < 0.5 ? '0' : '1';
    if (k < 0.9) return `${(r() * 9).toFixed(3)}e-${Math.floor(r() * 300)}`;
    return ` ${Math.floor(r() * 1000)} `;
  };
  return Array.from({ length: lines }, () => Array.from({ length: cols }, cell).join(','));
}

/** The ways a line is spoilt (or a blank or comment put in), the CSV engines' errors among them. */
const SPOIL: Record<string, (line: string, r: () => number) => string> = {
  'a bad cell': (l) => l.replace(/^[^,]*/, 'q'),
  'a short row': (l) => l.slice(0, l.lastIndexOf(',')),
  'a long row': (l) => `${l},1`,
  'bad UTF-8': (l) => `${l}\u0000BAD`,
  'a line end of the other kind': (l) => `${l}\r`,
  'a quote': (l) => `"${l}"`,
  'a header line': (l) => l.split(',').map((_, i) => `col${i}`).join(','),
  'a BOM': (l) => `\ufeff${l}`,
  'a cell too long': (l) => `${'1'.repeat(1200)}${l}`,
  'a comment in UTF-8': (l) => `# é ü ✓ ${l}`,
  'a blank line': () => '   ',
  'NaN and inf': (l) => l.replace(/^[^,]*/, '-Infinity').replace(/,[^,]*$/, ',nan'),
};

/** The bytes of the file: the lines, spoilt at `at`, with their line ends, a BOM and a header as asked. */
function fileOf(lines: string[], o: { crlf: boolean; bom: boolean; header: boolean; end: boolean; spoil?: [string, number][] }): Buffer {
  const ls = [...lines];
  const r = rng(ls.length);
  for (const [kind, at] of o.spoil ?? []) if (ls.length > 0) ls[at % ls.length] = SPOIL[kind](ls[at % ls.length], r);
  if (o.header && ls.length > 0) ls.unshift(ls[0].split(',').map((_, i) => `c${i}`).join(','));
  const eol = o.crlf ? '\r\n' : '\n';
  const text = (o.bom ? '\ufeff' : '') + ls.join(eol) + (o.end ? eol : '');
  // the NUL of 'bad UTF-8' becomes a byte that is never UTF-8
  const bytes = Buffer.from(text, 'utf8');
  for (let i = bytes.indexOf(0); i >= 0; i = bytes.indexOf(0, i + 1)) bytes[i] = 0xff;
  return bytes;
}

async function expectSame(bytes: Buffer): Promise<void> {
  const one = await outcome(bytes, undefined);
  const helper = inline();
  expect(await outcome(bytes, helper)).toEqual(one);
  expect(await outcome(bytes, half)).toEqual(one);
  expect(await outcome(bytes, absent)).toEqual(one);
}

describe('two threads = one thread: values, shape, first error', () => {
  it('files of one to three pieces, spoilt anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          lines: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 20_000, max: 90_000 })),
          cols: fc.integer({ min: 1, max: 6 }),
          seed: fc.integer(),
          crlf: fc.boolean(),
          bom: fc.boolean(),
          header: fc.boolean(),
          end: fc.boolean(),
          // where: a fraction of the lines
          spoil: fc.array(fc.tuple(fc.constantFrom(...Object.keys(SPOIL)), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 2 }),
        }),
        async (c) => {
          const spoil = c.spoil.map(([kind, f]): [string, number] => [kind, Math.floor(f * c.lines)]);
          await expectSame(fileOf(table(c.lines, c.cols, c.seed), { ...c, spoil }));
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it('an error in the back part of the second piece, and one just past the cut, by kind', async () => {
    const lines = table(60_000, 3, 7);
    for (const kind of Object.keys(SPOIL)) {
      // ~25 bytes a line: line 55,000 is in the second piece's back part; 20,300 near the first cut
      for (const at of [55_000, 20_300, 20_301, 59_999]) {
        const bytes = fileOf(lines, { crlf: kind !== 'a line end of the other kind', bom: true, header: true, end: true, spoil: [[kind, at]] });
        await expectSame(bytes);
      }
    }
  }, 120_000);

  it('the back parts are scanned by the helper: every piece of a clean file', async () => {
    const bytes = fileOf(table(100_000, 4, 3), { crlf: true, bom: true, header: true, end: false });
    const helper = inline();
    const two = await outcome(bytes, helper);
    expect(two).toEqual(await outcome(bytes, undefined));
    // every piece but the first, of 2 MiB, which holds the first record; the others are of 1 MiB
    expect(helper.scanned).toBeGreaterThanOrEqual(Math.ceil(bytes.length / 2 ** 20) - 2);
  });
});

describe('on a real worker thread', () => {
  it('the same values and errors, the worker scanning back parts', async () => {
    const pool = csvRangeWorkers(2, workerSource, 0, 1 << 16);
    if (pool === undefined) throw new Error('no pool');
    let scanned = 0;
    const counting: RangeWorkers = {
      ...pool,
      run: (task) => {
        const r = pool.run(task);
        void r?.done.then((v) => (scanned += v as number), () => undefined);
        return r;
      },
    };
    const lines = table(400_000, 3, 11);
    const clean = fileOf(lines, { crlf: false, bom: false, header: false, end: true });
    const one = await outcome(clean, undefined);
    // the worker boots during the first reads, and a busy machine may keep it from every piece of a read:
    // read again until it has scanned some
    for (let k = 0; k < 10 && scanned === 0; k++) expect(await outcome(clean, counting)).toEqual(one);
    expect(scanned).toBeGreaterThan(0);
    for (const kind of ['a bad cell', 'a short row', 'bad UTF-8']) {
      const bad = fileOf(lines, { crlf: false, bom: false, header: false, end: true, spoil: [[kind, 390_000]] });
      expect(await outcome(bad, counting)).toEqual(await outcome(bad, undefined));
    }
  }, 120_000);
});

describe('the CLI: BCE_THREADS=1 and 2 give the same loss, bit for bit, and the in-memory one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bce-csv-range-'));
  const write = (name: string, content: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('a pair of 35 MB files, a row weight and a class pos_weight', async () => {
    const rows = 1_000_000;
    const cols = 3;
    const r = rng(5);
    const x = table(rows, cols, 9);
    const y = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r() < 0.3 ? r().toFixed(3) : r() < 0.5 ? '0' : '1')).join(','));
    const lx = write('x.csv', `${x.join('\n')}\n`);
    // the targets file as big as the logits' (past the size from which files are scanned on two threads)
    const ty = write('y.csv', `${y.map((l) => `${l}${' '.repeat(30)}`).join('\n')}\n`);
    for (const f of [lx, ty]) expect(statSync(f).size).toBeGreaterThan(CSV_PARALLEL_MIN_BYTES);
    const w = write('w.csv', Array.from({ length: rows }, () => (r() * 3).toFixed(4)).join('\n'));
    const classPos = Float64Array.from({ length: cols }, () => 0.5 + r() * 4);
    const pw = write('pw.npy', Buffer.concat([npyHeader('<f8', [cols]), new Uint8Array(classPos.buffer)]));
    const argv = ['-l', lx, '-t', ty, '-w', w, '-p', pw, '-r', 'sum', '--json', '-q'];
    const one = spawnBce(argv, '', { BCE_THREADS: '1' });
    const two = spawnBce(argv, '', { BCE_THREADS: '2' });
    expect(one.stderr).toBe('');
    expect([two.code, two.stderr, two.stdout]).toEqual([0, '', one.stdout]);
    const inv = parseArgv(argv);
    if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
    const p = await loadProblem(inv.options, filesOnlyIo, BUNDLE_KEYS);
    const loss = bceWithLogits(p.logits.tensor, p.targets.tensor, { weight: p.weight?.tensor, posWeight: p.posWeight?.tensor, reduction: 'sum' }).loss;
    expect(Object.is(JSON.parse(one.stdout).loss, loss)).toBe(true);
  }, 120_000);

  it('an error in a big file: the same line on stderr, exit 2, nothing on stdout', () => {
    const x = table(1_000_000, 3, 13);
    x[950_123] = x[950_123].replace(/,[^,]*$/, ',1.5x');
    const lx = write('bad.csv', `${x.join('\n')}\n`);
    expect(statSync(lx).size).toBeGreaterThan(CSV_PARALLEL_MIN_BYTES);
    const ty = write('bad-y.csv', `${x.join('\n')}\n`);
    const argv = ['-l', lx, '-t', ty];
    const one = spawnBce(argv, '', { BCE_THREADS: '1' });
    const two = spawnBce(argv, '', { BCE_THREADS: '2' });
    expect(one.stderr).toMatch(/bad\.csv:950124:\d+: '1\.5x' is not a number/);
    expect([two.code, two.stdout, two.stderr]).toEqual([2, '', one.stderr]);
  }, 120_000);
});
