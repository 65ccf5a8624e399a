/**
 * The CLI on CSV files past the size from which they are scanned on two threads (CSV_PARALLEL_MIN_BYTES, a
 * size the CLI does not lower): BCE_THREADS=1 and 2 give the same loss, bit for bit, and the in-memory one, and
 * the same first error. The runs of a case go side by side. The pieces and spans themselves, in every case, are
 * tested in this process with small ones (csv-range.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_PARALLEL_MIN_BYTES } from '../src/parallel.js';
import { filesOnlyIo, spawnBceAsync } from './helpers/run.js';
import { npyHeader } from './helpers/npz-build.js';
import { rng, table } from './helpers/numeric-csv.js';
import { parseArgv } from '../src/cli/program.js';
import { loadProblem, BUNDLE_KEYS } from '../src/io/inputs.js';
import { bceWithLogits } from '../src/core/kernel.js';

describe('the CLI: BCE_THREADS=1 and 2 give the same loss, bit for bit, and the in-memory one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bce-csv-range-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const rows = 1_000_000;
  const cols = 3;
  let x: string[];
  let ty: string;
  beforeAll(() => {
    const r = rng(5);
    x = table(rows, cols, 9);
    const y = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r() < 0.3 ? r().toFixed(3) : r() < 0.5 ? '0' : '1')).join(','));
    // the targets file as big as the logits' (past the size from which files are scanned on two threads)
    ty = write('y.csv', `${y.map((l) => `${l}${' '.repeat(30)}`).join('\n')}\n`);
  });

  /** The two runs, side by side. */
  const both = (argv: string[]) => Promise.all(['1', '2'].map((t) => spawnBceAsync(argv, { BCE_THREADS: t })));

  it('a pair of 35 MB files, a row weight and a class pos_weight', async () => {
    const r = rng(6);
    const lx = write('x.csv', `${x.join('\n')}\n`);
    for (const f of [lx, ty]) expect(statSync(f).size).toBeGreaterThan(CSV_PARALLEL_MIN_BYTES);
    const w = write('w.csv', Array.from({ length: rows }, () => (r() * 3).toFixed(4)).join('\n'));
    const classPos = Float64Array.from({ length: cols }, () => 0.5 + r() * 4);
    const pw = write('pw.npy', Buffer.concat([npyHeader('<f8', [cols]), new Uint8Array(classPos.buffer)]));
    const argv = ['-l', lx, '-t', ty, '-w', w, '-p', pw, '-r', 'sum', '--json', '-q'];
    const runs = both(argv);
    // the in-memory loss, in this process while the runs go on
    const inv = parseArgv(argv);
    if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
    const p = await loadProblem(inv.options, filesOnlyIo, BUNDLE_KEYS);
    const loss = bceWithLogits(p.logits.tensor, p.targets.tensor, { weight: p.weight?.tensor, posWeight: p.posWeight?.tensor, reduction: 'sum' }).loss;
    const [one, two] = await runs;
    expect(one.stderr).toBe('');
    expect([two.code, two.stderr, two.stdout]).toEqual([0, '', one.stdout]);
    expect(Object.is(JSON.parse(one.stdout).loss, loss)).toBe(true);
  }, 120_000);

  it('an error in a big file: the same line on stderr, exit 2, nothing on stdout', async () => {
    const bad = [...x];
    bad[950_123] = bad[950_123].replace(/,[^,]*$/, ',1.5x');
    const lx = write('bad.csv', `${bad.join('\n')}\n`);
    expect(statSync(lx).size).toBeGreaterThan(CSV_PARALLEL_MIN_BYTES);
    const [one, two] = await both(['-l', lx, '-t', ty]);
    expect(one.stderr).toMatch(/bad\.csv:950124:\d+: '1\.5x' is not a number/);
    expect([two.code, two.stdout, two.stderr]).toEqual([2, '', one.stderr]);
  }, 120_000);
});
