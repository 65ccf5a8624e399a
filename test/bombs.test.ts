/**
 * Decompression bombs and declared sizes: .npz archives built here (never committed) whose members declare,
 * or inflate to, far more than they should. Each is refused with one line naming file:member before its data
 * is inflated (or, for a stream longer than declared, as soon as it passes the declared size); shapes are
 * checked on the declared headers before any member is inflated; a tensor too large for memory is its own
 * error. The memory cases spawn the CLI under a hard address-space ceiling (prlimit --as).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBce } from './helpers/run.js';
import { writeBig } from './helpers/big-file.js';
import {
  FINAL_BLOCK,
  crcOfZerosAfter,
  deflated,
  deflatePart,
  npyF8,
  npyHeader,
  storedBlocks,
  stored,
  zerosAfter,
  zip,
} from './helpers/npz-build.js';
import type { Member } from './helpers/npz-build.js';
import { allocateTensor, formatBytes, notEnoughMemory } from '../src/io/declared.js';
import { InputError } from '../src/errors.js';
import { isOutOfMemory } from '../src/run.js';

const dir = mkdtempSync(join(tmpdir(), 'bce-bombs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/bce.cjs');

/** Writes an archive into the temporary folder; returns its path. */
function npz(name: string, members: Member[]): string {
  const path = join(dir, name);
  writeFileSync(path, zip(members));
  return path;
}

/** The stderr of an in-process run that must fail with exit 2, one line and nothing on stdout. */
async function refusal(argv: string[]): Promise<string> {
  const r = await runBce(argv);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')).toHaveLength(2);
  expect(r.code).toBe(2);
  return r.stderr.replace(dir, '<tmp>').trimEnd();
}

const N = 2 ** 28; // float64 elements in 2 GiB
const BIG_HEADER = npyHeader('<f8', [N]); // 128 bytes
const SIX = npyF8([2, 3], [0.5, -1, 2, 3, -0, 4.5]);
const TARGETS = npyF8([2, 3], [1, 0, 1, 0, 1, 0]);

/** A ~2 MB deflated member of 2 GiB of zeros after `header`, its zip entry declaring `size` bytes. */
function zeroBomb(name: string, header: Buffer, size: number, crc = 0): Member {
  return { name, data: zerosAfter(header, 8 * N), method: 8, size, crc };
}

describe('declared sizes are checked before anything is inflated', () => {
  it('a zip entry that declares more than deflate can give from its compressed bytes', async () => {
    const header = npyHeader('<f8', [1_000_000]);
    const data = Buffer.concat([storedBlocks(header), FINAL_BLOCK]);
    const size = header.length + 8_000_000;
    const path = npz('ratio.npz', [{ name: 'logits.npy', data, method: 8, size, crc: 0 }, stored('targets.npy', TARGETS)]);
    expect(data.length).toBe(5 + 128 + 2);
    expect(await refusal([path])).toBe(
      `bce: <tmp>/ratio.npz:logits.npy: its zip entry declares ${size} bytes inflated from 135, ` +
        'more than deflate can give (at most 1032 bytes per compressed byte)',
    );
  });

  it('a zip entry whose size disagrees with its .npy header (a 2 GiB header, a small entry)', async () => {
    const data = Buffer.concat([storedBlocks(BIG_HEADER), FINAL_BLOCK]);
    const path = npz('small-entry.npz', [{ name: 'logits.npy', data, method: 8, size: 176, crc: 0 }]);
    expect(await refusal(['-l', path, '-t', path])).toBe(
      `bce: <tmp>/small-entry.npz:logits.npy: its zip entry declares 176 bytes, its .npy header ${128 + 8 * N} ` +
        `(a 128-byte header and shape (${N},) of '<f8')`,
    );
  });

  it('a 2 MB bomb whose zip entry lies: 2 GiB declared, a header of six elements', async () => {
    const small = npyHeader('<f8', [6]);
    const path = npz('lying-entry.npz', [zeroBomb('logits.npy', small, small.length + 8 * N)]);
    const before = process.memoryUsage().arrayBuffers;
    expect(await refusal(['-l', path, '-t', path])).toBe(
      `bce: <tmp>/lying-entry.npz:logits.npy: its zip entry declares ${small.length + 8 * N} bytes, ` +
        `its .npy header 176 (a 128-byte header and shape (6,) of '<f8')`,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a .npy header over numpy\'s limit inside a member is refused from its declared length', async () => {
    const preamble = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x61, 0xea]); // 60001 bytes of header
    const data = Buffer.concat([storedBlocks(Buffer.concat([preamble, Buffer.alloc(60001, 0x20)])), FINAL_BLOCK]);
    const path = npz('long-header.npz', [{ name: 'logits.npy', data, method: 8, size: 10 + 60001, crc: 0 }]);
    expect(await refusal(['-l', path, '-t', path])).toBe(
      'bce: <tmp>/long-header.npz:logits.npy: header is 60001 bytes long; numpy refuses headers over 10000 characters as unsafe to load',
    );
  });
});

describe('shapes are checked on the declared headers, before any member is inflated', () => {
  /** Targets whose header declares `shape` and whose data after the header is corrupt deflate data. */
  const corruptTargets = (shape: number[]): Member => {
    const header = npyHeader('<f8', shape);
    // 0x07: a final block of the reserved type 3, which no inflater accepts
    const data = Buffer.concat([deflatePart(header), Buffer.from([0x07, 0xff, 0xff, 0xff])]);
    return { name: 'targets.npy', data, method: 8, size: header.length + 48, crc: 0 };
  };

  it('a shape mismatch is reported, not the corrupt data behind it', async () => {
    const path = npz('corrupt-mismatch.npz', [stored('logits.npy', SIX), corruptTargets([3, 2])]);
    expect(await refusal([path])).toMatch(
      /^bce: <tmp>\/corrupt-mismatch\.npz: targets: Target size \(torch\.Size\(\[3, 2\]\)\) must be the same as input size \(torch\.Size\(\[2, 3\]\)\)/,
    );
  });

  it('with the shapes agreeing, the same data is reported as corrupt', async () => {
    const path = npz('corrupt-match.npz', [stored('logits.npy', SIX), corruptTargets([2, 3])]);
    expect(await refusal([path])).toMatch(/^bce: <tmp>\/corrupt-match\.npz:targets\.npy: byte \d+: corrupt deflate data \(invalid block type\)$/);
  });

  it('a 2 GiB bomb against targets of another shape: the shape error, nothing inflated', async () => {
    const path = npz('bomb-vs-csv.npz', [zeroBomb('logits.npy', BIG_HEADER, 128 + 8 * N)]);
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    expect(await refusal(['-l', path, '-t', 'fixtures/examples/targets.csv'])).toBe(
      `bce: fixtures/examples/targets.csv: Target size (torch.Size([2, 3])) must be the same as input size (torch.Size([${N}]))`,
    );
    // inflating 2 GiB would take seconds and gigabytes; the archive itself is about 2 MB
    expect(performance.now() - start).toBeLessThan(5000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a weight member is checked against the logits before either is inflated', async () => {
    const weight = { ...zeroBomb('weight.npy', BIG_HEADER, 128 + 8 * N), name: 'weight.npy' };
    const path = npz('weight-bomb.npz', [stored('logits.npy', SIX), stored('targets.npy', TARGETS), weight]);
    expect(await refusal([path])).toMatch(
      new RegExp(`^bce: <tmp>/weight-bomb\\.npz: weight: shape \\[${N}\\] does not broadcast to the logits' shape \\[2, 3\\]`),
    );
  });

  it('a weight member against streamed CSV files: the shape error at the end of the stream, the weight never inflated', async () => {
    const path = npz('weight-bomb-alone.npz', [zeroBomb('weight.npy', BIG_HEADER, 128 + 8 * N)]);
    const before = process.memoryUsage().arrayBuffers;
    // CSV logits and targets with the default mean: the streaming path
    expect(await refusal(['-l', 'fixtures/examples/logits.csv', '-t', 'fixtures/examples/targets.csv', '-w', path])).toMatch(
      new RegExp(`^bce: <tmp>/weight-bomb-alone\\.npz: weight of shape \\[${N}\\] does not broadcast to the logits' shape \\[2, 3\\]`),
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('only the members used are inflated: a corrupt member that bce ignores does not stop it', async () => {
    const grad = corruptTargets([2, 3]);
    const path = npz('unused.npz', [stored('logits.npy', SIX), stored('targets.npy', TARGETS), { ...grad, name: 'grad.npy' }]);
    const r = await runBce([path, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // bce verify uses the dumped grad, and finds it corrupt
    const v = await runBce(['verify', path]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/unused\.npz:grad\.npy: byte \d+: corrupt deflate data \(invalid block type\)/);
  });
});

describe('only the members used are opened', () => {
  it('65,000 members with 10,000-character headers (12 MB that inflate to 650 MB of headers): one is read', async () => {
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }";
    const text = `${dict.padEnd(9973)}\n`; // 10 + 9974 bytes: the data starts at 9984, a multiple of 64
    const npy = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0xf6, 0x26]), Buffer.from(text, 'latin1')]);
    const one = deflated('x.npy', npy);
    const members = Array.from({ length: 65000 }, (_, i) => ({ ...one, name: `m${i}.npy` }));
    const path = npz('many.npz', [...members, { ...one, name: 'logits.npy' }]);
    const start = performance.now();
    expect(await refusal(['-l', `${path}:logits`, '-t', 'fixtures/examples/targets.csv'])).toBe(
      'bce: fixtures/examples/targets.csv: Target size (torch.Size([2, 3])) must be the same as input size (torch.Size([0]))',
    );
    // reading every header took 49 s here
    expect(performance.now() - start).toBeLessThan(5000);
  });
});

describe('a member that inflates past its declared size', () => {
  it('is cut off at its declared size and refused', async () => {
    const small = npyHeader('<f8', [2, 3]);
    const path = npz('overlong.npz', [zeroBomb('logits.npy', small, small.length + 48)]);
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    expect(await refusal(['-l', path, '-t', path])).toMatch(
      /^bce: <tmp>\/overlong\.npz:logits\.npy: byte \d+: inflates to more than the 176 bytes its zip entry and \.npy header declare$/,
    );
    expect(performance.now() - start).toBeLessThan(5000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });
});

describe('not enough memory', () => {
  it('a declared tensor larger than can be allocated is its own error, not a crash', () => {
    expect(() => allocateTensor([2 ** 40], 'x.npy')).toThrow(
      new InputError('x.npy', 'not enough memory for a [1099511627776] tensor (8 TiB)'),
    );
    expect(() => allocateTensor([2 ** 20, 2 ** 20, 2 ** 20], 'x.npy')).toThrow('(8 EiB)');
    expect(notEnoughMemory([N], 'x.npz:logits.npy').message).toBe(
      'x.npz:logits.npy: not enough memory for a [268435456] tensor (2 GiB)',
    );
    expect([0, 1023, 1024, 1536, 2 ** 30 * 1.25].map(formatBytes)).toEqual(['0 bytes', '1023 bytes', '1 KiB', '1.5 KiB', '1.3 GiB']);
  });

  it('a member past the largest buffer (4 GiB, ZIP64) is refused before anything is allocated', async () => {
    const n = 2 ** 29;
    const header = npyHeader('<f8', [n]);
    const member: Member = { name: 'logits.npy', data: zerosAfter(header, 8 * n), method: 8, size: 128 + 8 * n, crc: 0 };
    const path = npz('4gib.npz', [member]);
    expect(await refusal(['-l', path, '-t', path])).toBe(
      `bce: <tmp>/4gib.npz:logits.npy: not enough memory for a [${n}] tensor (4 GiB)`,
    );
  });

  const prlimit = spawnSync('prlimit', ['--version']).status === 0;
  const time = existsSync('/usr/bin/time');
  const CEILING = 1.5 * 2 ** 30;
  // The ceilings are set for Node 20, which reserves NODE20_START bytes of address space before it runs any
  // code; a Node that reserves more at start gets the difference on top, so the room left to bce is the same.
  const NODE20_START = 711 * 2 ** 20;
  let start: number | undefined;
  const startOfThisNode = () => {
    if (start !== undefined) return start;
    const status = spawnSync(process.execPath, ['-p', "require('fs').readFileSync('/proc/self/status', 'utf8')"], { encoding: 'utf8' }).stdout;
    start = 1024 * Number(/^VmSize:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    return start;
  };

  /** The CLI under an address-space ceiling; its peak RSS in bytes when /usr/bin/time is there to measure it. */
  function bceUnder(ceiling: number, args: string[]) {
    const report = join(dir, 'time.txt');
    const cmd = ['prlimit', `--as=${ceiling + Math.max(0, startOfThisNode() - NODE20_START)}`, process.execPath, bin, ...args];
    const argv = time ? ['/usr/bin/time', '-o', report, '-f', '%M', ...cmd] : cmd;
    const r = spawnSync(argv[0], argv.slice(1), { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const kib = time ? Number(readFileSync(report, 'utf8').trim().split('\n').pop()) : NaN;
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, maxRss: Number.isFinite(kib) ? kib * 1024 : undefined };
  }

  it.skipIf(!prlimit)('a 2 MB archive of 2 GiB of zeros, under a 1.5 GiB ceiling: one line, exit 2, memory held', () => {
    const member = zeroBomb('logits.npy', BIG_HEADER, 128 + 8 * N, crcOfZerosAfter(BIG_HEADER, 8 * N));
    const path = npz('honest-bomb.npz', [member, { ...member, name: 'targets.npy' }]);
    const r = bceUnder(CEILING, [path]);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr.replace(dir, '<tmp>')).toBe(`bce: <tmp>/honest-bomb.npz:logits.npy: not enough memory for a [${N}] tensor (2 GiB)\n`);
    expect(r.code).toBe(2);
    // the ceiling bounds the address space; what was touched stays far below it (the archive is 4 MB)
    if (r.maxRss !== undefined) expect(r.maxRss).toBeLessThan(400 * 2 ** 20);
  });

  it.skipIf(!prlimit)('a 256 MiB .npy of bytes (a 2 GiB float64 tensor), under a 2 GiB ceiling', () => {
    const path = join(dir, 'bytes.npy');
    writeBig(path, [npyHeader('|u1', [2 ** 28]), { byte: 1, length: 2 ** 28 }]);
    // Node's own ~0.8 GB and the 256 MiB file leave V8 room to work, but not for 2 GiB more
    const r = bceUnder(2 * 2 ** 30, ['-l', path, '-t', path, '-r', 'none']);
    rmSync(path);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr.replace(dir, '<tmp>')).toBe(`bce: <tmp>/bytes.npy: not enough memory for a [${N}] tensor (2 GiB)\n`);
    expect(r.code).toBe(2);
  });

  it.skipIf(!prlimit)('memory that runs out in the computation, past the readers: one line, exit 2, not an internal error', () => {
    // 40M one-byte elements read fine (320 MB each as float64); losses, gradients and the threads' shared
    // copies do not fit under the ceiling
    const path = join(dir, 'ones.npy');
    writeBig(path, [npyHeader('|u1', [40_000_000]), { byte: 1, length: 40_000_000 }]);
    const r = bceUnder(2 * 2 ** 30, ['-l', path, '-t', path, '-r', 'none', '--grad', '-f', 'json', '-o', join(dir, 'out.json')]);
    rmSync(path);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bce: not enough memory for this computation \([^\n]*\)\n$/);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  });

  it('only an allocation failure counts as running out of memory', () => {
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isOutOfMemory(new RangeError('Invalid typed array length: 4294967296'))).toBe(true);
    expect(isOutOfMemory(new RangeError('Failed to allocate memory'))).toBe(true);
    expect(isOutOfMemory(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(isOutOfMemory(new RangeError('Invalid array length'))).toBe(false);
    expect(isOutOfMemory(new RangeError('Invalid typed array length: -1'))).toBe(false);
    expect(isOutOfMemory(new RangeError('Invalid typed array length: NaN'))).toBe(false);
    expect(isOutOfMemory(new Error('Array buffer allocation failed'))).toBe(false);
  });

  it.skipIf(!prlimit)('a member that inflates past its declaration, under a 1.5 GiB ceiling', () => {
    const small = npyHeader('<f8', [2, 3]);
    const path = npz('overlong-cli.npz', [zeroBomb('logits.npy', small, small.length + 48)]);
    const r = bceUnder(CEILING, ['-l', path, '-t', path]);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/inflates to more than the 176 bytes its zip entry and \.npy header declare\n$/);
    expect(r.code).toBe(2);
    if (r.maxRss !== undefined) expect(r.maxRss).toBeLessThan(400 * 2 ** 20);
  });
});
