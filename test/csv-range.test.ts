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
import { CsvSource, readCsvBytes } from '../src/io/csv-source.js';
import { bytesFile, drain } from '../src/io/chunked-file.js';
import { scanRange, useRangeWorkers } from '../src/io/csv-range.js';
import type { RangeWorkers } from '../src/io/csv-range.js';
import { csvRangeWorkers } from '../src/parallel.js';
import { InputError } from '../src/errors.js';
import { rng, table } from './helpers/numeric-csv.js';

afterEach(() => useRangeWorkers(undefined));

/** A helper that scans each back part at once, on this thread, with the worker's code; spans of about `span` bytes. */
function inline(span?: number): RangeWorkers & { scanned: number } {
  const w = {
    scanned: 0,
    minBytes: 0,
    minPiece: 0,
    span,
    start: () => true,
    run: (task: Parameters<RangeWorkers['run']>[0]) => {
      w.scanned += scanRange(task);
      return { done: Promise.resolve(1), stop: () => undefined };
    },
  };
  return w;
}

/** A helper that scans the first half of the spans of each back part, at once: this thread the others. */
const half = (span?: number): RangeWorkers => ({
  minBytes: 0,
  minPiece: 0,
  span,
  start: () => true,
  run: (task) => {
    scanRange({ ...task, bounds: task.bounds.subarray(0, Math.ceil(task.bounds.length / 2)) });
    return { done: Promise.resolve(1), stop: () => undefined };
  },
});

/** A helper that never takes its task: this thread claims and scans every back part. */
const absent = (span?: number): RangeWorkers => ({
  minBytes: 0,
  minPiece: 0,
  span,
  start: () => true,
  run: () => ({ done: new Promise(() => undefined), stop: () => undefined }),
});

/**
 * Small pieces and spans, so that small files have many: the file read at most `step` bytes at a time (a
 * piece is the complete lines read so far, about that size), its back parts cut into spans of about `span`.
 * Without it, the product's sizes: reads of READ_BYTES, spans of 64 KiB.
 */
interface Small {
  step: number;
  span: number;
}

/** The bytes as a file that gives at most `step` bytes a read. */
function shortReads(bytes: Uint8Array, step: number) {
  const f = bytesFile(bytes);
  return { ...f, read: (buf: Uint8Array, offset: number, length: number, position: number) => f.read(buf, offset, Math.min(length, step), position) };
}

/** The shape and a digest of the values' bytes (NaN payloads included), or the error. */
type Outcome = { shape: number[]; values: string } | { error: string };

/** The bytes read as readCsvBytes reads them, in reads of at most `step` bytes when given. */
async function read(bytes: Uint8Array, step?: number): Promise<{ data: Float64Array; shape: number[] }> {
  if (step === undefined) return readCsvBytes(bytes, 'f.csv');
  const s = new CsvSource(shortReads(bytes, step), 'f.csv', bytes.length, {}, () => undefined);
  await s.start();
  const data = await drain(s, Math.ceil(bytes.length / 6));
  return { data, shape: s.shape() };
}

async function outcome(bytes: Uint8Array, workers: RangeWorkers | undefined, step?: number): Promise<Outcome> {
  useRangeWorkers(workers);
  try {
    const r = await read(bytes, step);
    return { shape: r.shape, values: createHash('sha256').update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)).digest('hex') };
  } catch (e) {
    if (e instanceof InputError) return { error: `InputError ${e.message}` };
    if (e instanceof Error && e.name === 'CsvFallback') return { error: `CsvFallback ${e.message}` };
    throw e;
  } finally {
    useRangeWorkers(undefined);
  }
}

/** The lines (0-based, in the file) where the back parts of a clean file start, with reads and spans of `small`. */
async function cutLines(bytes: Buffer, small: Small): Promise<number[]> {
  const backs: Buffer[] = [];
  const helper = inline(small.span);
  const recording: RangeWorkers = {
    ...helper,
    run: (task) => {
      backs.push(Buffer.from(task.bytes.subarray(0, task.bounds[task.bounds.length - 1])));
      return helper.run(task);
    },
  };
  expect('error' in (await outcome(bytes, recording, small.step))).toBe(false);
  let from = 0;
  return backs.map((back) => {
    const at = bytes.indexOf(back, from);
    expect(at).toBeGreaterThan(0);
    from = at + 1;
    let line = 0;
    for (let i = bytes.indexOf(0x0a); i >= 0 && i < at; i = bytes.indexOf(0x0a, i + 1)) line++;
    return line;
  });
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

async function expectSame(bytes: Buffer, small?: Small): Promise<void> {
  const one = await outcome(bytes, undefined, small?.step);
  for (const helper of [inline(small?.span), half(small?.span), absent(small?.span)]) expect(await outcome(bytes, helper, small?.step)).toEqual(one);
}

describe('two threads = one thread: values, shape, first error', () => {
  // Small reads and spans (Small): a file of a few hundred lines has several pieces, each back part several
  // spans; the product's sizes are those of the next-but-one case and of csv-range.cli.test.ts.
  it('files of one to many pieces of many spans, spoilt anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          lines: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 300, max: 4000 })),
          cols: fc.integer({ min: 1, max: 6 }),
          seed: fc.integer(),
          crlf: fc.boolean(),
          bom: fc.boolean(),
          header: fc.boolean(),
          end: fc.boolean(),
          step: fc.constantFrom(2048, 8192, 32768),
          span: fc.integer({ min: 64, max: 4096 }),
          // where: a fraction of the lines
          spoil: fc.array(fc.tuple(fc.constantFrom(...Object.keys(SPOIL)), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 2 }),
        }),
        async (c) => {
          const spoil = c.spoil.map(([kind, f]): [string, number] => [kind, Math.floor(f * c.lines)]);
          await expectSame(fileOf(table(c.lines, c.cols, c.seed), { ...c, spoil }), c);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('an error in the back part of the second piece, and one at the cut, by kind', async () => {
    const small = { step: 8192, span: 512 };
    const lines = table(1600, 3, 7);
    // the lines where the back parts start, in the file (its first line the header): with ~25 bytes a line,
    // pieces of ~300 lines, the first of ~600
    const cuts = (await cutLines(fileOf(lines, { crlf: true, bom: true, header: true, end: true }), small)).map((l) => l - 1);
    expect(cuts.length).toBeGreaterThanOrEqual(3);
    const [first, second, third] = cuts;
    for (const kind of Object.keys(SPOIL)) {
      // the front part's last line, the back part's first two, the middle of the second piece's back part, the last line
      for (const at of [first - 1, first, first + 1, (second + third) >> 1, lines.length - 1]) {
        const bytes = fileOf(lines, { crlf: kind !== 'a line end of the other kind', bom: true, header: true, end: true, spoil: [[kind, at]] });
        await expectSame(bytes, small);
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
    // pieces of ~128 KiB, back parts of ~20 spans
    const step = 1 << 17;
    const pool = csvRangeWorkers(2, workerSource, 0, 1 << 16);
    if (pool === undefined) throw new Error('no pool');
    let scanned = 0;
    const counting: RangeWorkers = {
      ...pool,
      span: 4096,
      run: (task) => {
        const r = pool.run(task);
        void r?.done.then((v) => (scanned += v as number), () => undefined);
        return r;
      },
    };
    const lines = table(40_000, 3, 11);
    const clean = fileOf(lines, { crlf: false, bom: false, header: false, end: true });
    const one = await outcome(clean, undefined, step);
    // the worker boots during the first reads, and a busy machine may keep it from every piece of a read:
    // read again until it has scanned some
    for (let k = 0; k < 10 && scanned === 0; k++) expect(await outcome(clean, counting, step)).toEqual(one);
    expect(scanned).toBeGreaterThan(0);
    for (const kind of ['a bad cell', 'a short row', 'bad UTF-8']) {
      const bad = fileOf(lines, { crlf: false, bom: false, header: false, end: true, spoil: [[kind, 39_000]] });
      expect(await outcome(bad, counting, step)).toEqual(await outcome(bad, undefined, step));
    }
  }, 120_000);
});

describe('a computation that ends without giving the worker back', () => {
  it('does not keep the next one on one thread', async () => {
    const bytes = fileOf(table(20_000, 3, 5), { crlf: false, bom: false, header: false, end: true });
    // a worker that takes a back part and never answers; the source is then dropped half read, as when the
    // other input's error ends the computation
    const stuck: RangeWorkers = { ...inline(4096), run: () => ({ done: new Promise(() => undefined), stop: () => undefined }) };
    useRangeWorkers(stuck);
    const s = new CsvSource(shortReads(bytes, 1 << 14), 'f.csv', bytes.length, {}, () => undefined);
    await s.start();
    await s.read(new Float64Array(10_000));
    const next = inline(4096);
    expect(await outcome(bytes, next, 1 << 14)).toEqual(await outcome(bytes, undefined, 1 << 14));
    expect(next.scanned).toBeGreaterThan(0);
  });
});
