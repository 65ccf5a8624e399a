/**
 * Streamed errors are the in-memory ones (src/io/stream.ts): every bad input of the corpus (fixtures/bad/),
 * and generated logits, targets, weight and pos_weight with defects anywhere, run through run(argv, io) twice:
 * as the CLI runs them (streamed where the options allow it) and with streaming off (an Io that opens no file
 * for streaming, so every input is read whole). Both runs give the same exit code, stdout and stderr.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBig } from './helpers/big-file.js';
import { fuzzRuns } from './helpers/fuzz.js';
import { startVmSize } from './helpers/memory.js';
import { spawnAsync } from './helpers/spawn.js';
import { root, runBce } from './helpers/run.js';
import { npyF8, stored, zip } from './helpers/npz-build.js';

const RUNS = Number(process.env.BCE_STREAM_ERROR_RUNS ?? fuzzRuns(40));

const T = 'fixtures/bad/text';
const B = 'fixtures/bad/binary';
const OK_LOGITS = 'fixtures/examples/logits.csv';
const OK_TARGETS = 'fixtures/examples/targets.csv';

const dir = mkdtempSync(join(tmpdir(), 'bce-stream-errors-'));
let fileNo = 0;
const file = (ext: string, content: string | Uint8Array) => {
  const p = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(p, content);
  return p;
};

/** Both runs of argv; whether the first streamed its logits to the end (read none of them whole). */
async function bothWays(argv: string[]): Promise<boolean> {
  const s = await runBce(argv);
  const m = await runBce(argv, { inMemory: true });
  expect({ argv, code: s.code, stdout: s.stdout, stderr: s.stderr }).toEqual({ argv, code: m.code, stdout: m.stdout, stderr: m.stderr });
  const logits = argv[argv.indexOf('-l') + 1];
  return !s.readWhole.includes(logits);
}

const corpus = (d: string, ext: string) =>
  readdirSync(d)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => `${d}/${f}`);

describe('the bad-input corpus, streamed and in memory', () => {
  const bad = [...corpus(T, '.csv'), ...corpus(T, '.json'), ...corpus(B, '.npy')];

  it('each bad file as logits, as targets, and against another bad file', async () => {
    let streamed = 0;
    for (const [k, f] of bad.entries()) {
      if (await bothWays(['-l', f, '-t', OK_TARGETS])) streamed++;
      await bothWays(['-l', OK_LOGITS, '-t', f]);
      await bothWays(['-l', f, '-t', bad[(k * 7 + 3) % bad.length], '-r', 'sum']);
    }
    // the logits of a bad pair are read to their end when the targets fail first
    expect(streamed).toBeGreaterThan(bad.length / 4);
  }, 120_000);

  it('bad weight and pos_weight after good and bad logits and targets', async () => {
    const weights = [
      ['-w', `${T}/not-a-number.csv`],
      ['-w', '1,2,3,4'],
      ['-p', `${B}/truncated-data.npy`],
      ['-w', join(dir, 'missing.csv')],
      ['-w', `${B}/bad-crc.npz`],
      ['-p', '1,2,3', '-w', `${T}/empty.csv`],
    ];
    for (const w of weights) {
      for (const [l, t] of [[OK_LOGITS, OK_TARGETS], [OK_LOGITS, `${T}/ragged.csv`], [`${T}/hex.csv`, OK_TARGETS], [`${B}/truncated-data.npy`, OK_TARGETS]]) {
        await bothWays(['-l', l, '-t', t, ...w]);
      }
    }
  }, 60_000);
});

/** What to write: a tensor in a format, perhaps with one defect at a place given as a fraction. */
interface Spec {
  format: 'csv' | 'json' | 'npy';
  defect: string;
  at: number;
}

const DEFECTS = ['none', 'none', 'cell', 'ragged', 'quote', 'utf8', 'trailing', 'truncate', 'empty', 'extra', 'nested', 'blanks'];

/** The file for `spec`, holding rows x cols values (flat for JSON, [n] for NPY when the other input is JSON). */
function write(spec: Spec, values: number[], rows: number, cols: number, flat: boolean): string {
  const n = values.length;
  const row = Math.min(rows - 1, Math.floor(spec.at * rows));
  const cell = Math.min(n - 1, Math.floor(spec.at * n));
  if (spec.format === 'npy') {
    const bytes = npyF8(flat ? [n] : [rows, cols], spec.defect === 'extra' ? [...values, 1] : values);
    if (spec.defect === 'truncate') return file('npy', bytes.subarray(0, bytes.length - 1 - Math.floor(spec.at * 8 * n)));
    if (spec.defect === 'trailing') return file('npy', Buffer.concat([bytes, Buffer.from('x')]));
    if (spec.defect === 'cell') bytes[Math.floor(spec.at * 6)] = 0x21; // in the magic or the version
    return file('npy', bytes);
  }
  const text = values.map(String);
  if (spec.defect === 'cell') text[cell] = spec.format === 'json' ? '"x1"' : 'x1';
  if (spec.defect === 'quote') text[cell] = `"${text[cell]}"`;
  if (spec.defect === 'utf8') text[cell] = `${text[cell]}\u0000`;
  if (spec.defect === 'nested' && spec.format === 'json') text[cell] = `[${text[cell]}]`;
  if (spec.format === 'json') {
    if (spec.defect === 'extra') text.push('1');
    let body = `[${text.join(spec.defect === 'blanks' ? ',\n   ' : ', ')}]\n`;
    if (spec.defect === 'trailing') body += `${' '.repeat(spec.at * 2_000_000)}x`;
    if (spec.defect === 'truncate') body = body.slice(0, Math.floor(spec.at * body.length));
    if (spec.defect === 'empty') body = '';
    return file('json', utf8Defect(body, spec));
  }
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(text.slice(r * cols, (r + 1) * cols).join(','));
  if (spec.defect === 'ragged') lines[row] = lines[row].replace(/,[^,]*$/, '');
  if (spec.defect === 'extra') lines.push(lines[0]);
  if (spec.defect === 'blanks') lines.splice(row, 0, '', '# a comment');
  let body = `${lines.join('\n')}\n`;
  if (spec.defect === 'trailing') body += '1,2,3,4,5,6,7,8\n';
  if (spec.defect === 'truncate') body = body.slice(0, Math.floor(spec.at * body.length));
  if (spec.defect === 'empty') body = '';
  return file('csv', utf8Defect(body, spec));
}

/** The NUL put in for a 'utf8' defect becomes a byte that is not UTF-8. */
function utf8Defect(body: string, spec: Spec): Uint8Array {
  const bytes = Buffer.from(body, 'utf8');
  if (spec.defect === 'utf8') bytes[bytes.indexOf(0)] = 0xff;
  return bytes;
}

const spec = fc.record({
  format: fc.constantFrom<Spec['format']>('csv', 'json', 'npy'),
  defect: fc.constantFrom(...DEFECTS),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** A weight or pos_weight: none, fitting, not broadcasting, a bad file, or an .npz member whose data is bad. */
function operand(kind: string, cols: number): string[] {
  if (kind === 'none') return [];
  if (kind === 'list') return [Array.from({ length: cols }, (_, i) => String(0.5 + i)).join(',')];
  if (kind === 'wrong') return [Array.from({ length: cols + 1 }, () => '1').join(',')];
  if (kind === 'bad file') return [file('csv', '1,q\n')];
  if (kind === 'missing') return [join(dir, 'no-such.npy')];
  // a member whose data is one byte short: its shape is read first, its data after the shape checks
  const m = npyF8([cols], Array.from({ length: cols }, () => 2));
  return [file('npz', zip([stored('weight.npy', m.subarray(0, m.length - 1)), stored('pos_weight.npy', m.subarray(0, m.length - 1))]))];
}

describe('generated inputs with defects, streamed and in memory', () => {
  it('the same exit code, stdout and stderr', async () => {
    let streamed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          logits: spec,
          targets: spec,
          big: fc.integer({ min: 0, max: 7 }).map((k) => k === 0),
          rows: fc.integer({ min: 1, max: 30 }),
          cols: fc.integer({ min: 1, max: 4 }),
          weight: fc.constantFrom('none', 'none', 'list', 'wrong', 'bad file', 'missing', 'member'),
          posWeight: fc.constantFrom('none', 'none', 'list', 'wrong', 'bad file', 'member'),
          reduction: fc.constantFrom('mean', 'sum'),
        }),
        async (c) => {
          // big: more than a kernel chunk (65,536 values) and a read window (1 MiB)
          const rows = c.big ? 70_000 + c.rows : c.rows;
          const n = rows * c.cols;
          const x = Array.from({ length: n }, (_, i) => ((i * 7919) % 2001) / 100 - 10);
          const y = Array.from({ length: n }, (_, i) => (i % 3) / 2);
          const flat = c.logits.format === 'json' || c.targets.format === 'json';
          const argv = ['-l', write(c.logits, x, rows, c.cols, flat), '-t', write(c.targets, y, rows, c.cols, flat), '-r', c.reduction];
          const w = operand(c.weight, c.cols);
          const p = operand(c.posWeight, c.cols);
          if (w.length > 0) argv.push('-w', c.weight === 'member' ? `${w[0]}:weight.npy` : w[0]);
          if (p.length > 0) argv.push('-p', c.posWeight === 'member' ? `${p[0]}:pos_weight.npy` : p[0]);
          if (await bothWays(argv)) streamed++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(streamed).toBeGreaterThan(RUNS / 4);
  }, Math.max(120_000, RUNS * 1000));
});

describe('streamed errors in bounded memory, through the CLI under an address-space ceiling of start + 500 MiB', () => {
  // reading these 200 MB files whole to word their errors does not fit in the headroom ("not enough memory")
  const LIMIT_KB = Math.floor((startVmSize() + 500 * 2 ** 20) / 1024);
  const run = (args: string[]) =>
    spawnAsync('sh', ['-c', `ulimit -v ${LIMIT_KB} && exec "$0" "$@"`, process.execPath, join(root, 'bin/bce.cjs'), ...args], {
      cwd: dir,
      timeout: 120_000,
    });

  it('bad targets after 200 MB of logits; 200 MB of blanks; a 200 MB word', async () => {
    const big = 200_000_000;
    writeFileSync(join(dir, 'bad.csv'), '1,0\n1,q\n');
    writeFileSync(join(dir, 'two.json'), '[1, 0]');
    try {
      // independent processes, each under its own ceiling: each starts once its file is written
      writeBig(join(dir, 'big.csv'), [{ pattern: '0.5,-1.25\n', times: big / 10 }]);
      const runs = [run(['-l', 'big.csv', '-t', 'bad.csv'])];
      writeBig(join(dir, 'blanks.json'), [Buffer.from('[0.5, -1.25'), { byte: 0x20, length: big }, Buffer.from(']')]);
      runs.push(run(['-l', 'blanks.json', '-t', 'two.json', '--json']));
      writeBig(join(dir, 'word.json'), [Buffer.from('[0.5,\n '), { byte: 0x7a, length: big }, Buffer.from(']')]);
      runs.push(run(['-l', 'word.json', '-t', 'two.json']));
      const [bad, blanks, word] = await Promise.all(runs);
      expect([bad.status, bad.stdout, bad.stderr]).toEqual([2, '', "bce: bad.csv:2:3: 'q' is not a number\n"]);
      // the loss of [0.5, -1.25] against [1, 0]: (log(1 + e^-0.5) + log(1 + e^-1.25)) / 2, by mpmath 1.2.1
      expect(blanks.stderr).toBe('');
      expect(JSON.parse(blanks.stdout).loss).toBeCloseTo(0.36300303276273978, 14);
      expect([word.status, word.stdout, word.stderr]).toEqual([2, '', `bce: word.json:2:2: [1]: '${'z'.repeat(80)}'... is not a number\n`]);
    } finally {
      for (const f of ['big.csv', 'blanks.json', 'word.json']) rmSync(join(dir, f), { force: true });
    }
  }, 240_000);
});
