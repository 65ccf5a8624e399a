/**
 * Binary outputs: the writers' bytes against files numpy and Python's zipfile wrote (fixtures/outputs/,
 * generate.py there), bce's own readers on what the writers wrote (ZIP64 records included), numpy.load on
 * the CLI's files where /usr/bin/python3 has numpy, and the rules and guarantees of -o and -f.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBinary, writeNpy, writeNpz, writeSafetensors } from '../src/format/binary.js';
import type { NamedTensor } from '../src/format/binary.js';
import { readNpz } from '../src/io/npz.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { bin, root, runBce } from './helpers/run.js';

const fixture = (name: string) => new Uint8Array(readFileSync(join(root, 'fixtures/outputs', name)));
const joined = (chunks: Iterable<Uint8Array>) => new Uint8Array(Buffer.concat([...chunks]));

// the tensors of fixtures/outputs/generate.py
const GRAD: NamedTensor = { name: 'grad', shape: [2, 3], data: Float64Array.of(0.5, -0, 5e-324, NaN, Infinity, 1 / 3) };
const LOSS: NamedTensor = { name: 'loss', shape: [], data: Float64Array.of(0.25) };
const VECTOR = Float64Array.of(1.5, -2.25, 1e300, -Infinity, 7);

const python = '/usr/bin/python3';
const hasNumpy = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('the writers, byte for byte against numpy and the safetensors format', () => {
  it('.npy as np.save writes it: 0-d, 1-d, 2-d and empty arrays', () => {
    expect(joined(writeNpy(GRAD))).toEqual(fixture('grad-2x3.npy'));
    expect(joined(writeNpy(LOSS))).toEqual(fixture('loss-0d.npy'));
    expect(joined(writeNpy({ name: 'v', shape: [5], data: VECTOR }))).toEqual(fixture('vector-5.npy'));
    expect(joined(writeNpy({ name: 'e', shape: [0, 3], data: new Float64Array(0) }))).toEqual(fixture('empty-0x3.npy'));
  });

  it('.npz as zipfile writes np.savez\'s members (stored, dates pinned)', () => {
    expect(joined(writeNpz([LOSS, GRAD]))).toEqual(fixture('loss-grad.npz'));
  });

  it('.safetensors as the format lays it out: sorted header, space padding to 8 bytes, data in header order', () => {
    const file = joined(writeSafetensors([LOSS, GRAD, { name: 'grad_targets', shape: [5], data: VECTOR }]));
    expect(file).toEqual(fixture('loss-grad.safetensors'));
  });

  it('the tensors\' bytes are views of their memory, not copies nor text', () => {
    const big: NamedTensor = { name: 'grad', shape: [3_000_000], data: new Float64Array(3_000_000) };
    for (const format of ['npy', 'npz', 'safetensors'] as const) {
      const chunks = [...formatBinary(format, format === 'npy' ? [big] : [LOSS, big])];
      const views = chunks.filter((c) => c.buffer === big.data.buffer);
      expect(views.reduce((n, c) => n + c.length, 0)).toBe(big.data.byteLength);
      expect(chunks.every((c) => c instanceof Uint8Array)).toBe(true);
    }
  });
});

describe('bce\'s own readers read what the writers wrote', () => {
  it('an .npz with ZIP64 records everywhere (the threshold lowered to 0) and a plain one', () => {
    for (const limit of [0, 0xffffffff]) {
      const members = readNpz(joined(writeNpz([LOSS, GRAD], limit)), 'out.npz');
      expect([...members.keys()]).toEqual(['loss', 'grad']);
      expect(members.get('loss')).toEqual({ shape: [], data: LOSS.data });
      expect(members.get('grad')).toEqual({ shape: [2, 3], data: GRAD.data });
    }
  });

  it('a .safetensors file', () => {
    const members = readSafetensors(joined(writeSafetensors([GRAD, LOSS])), 'out.safetensors');
    expect(members.get('grad')).toEqual({ shape: [2, 3], data: GRAD.data });
    expect(members.get('loss')).toEqual({ shape: [], data: LOSS.data });
  });
});

/** Runs a Python snippet; its stdout, parsed as JSON. */
function py(code: string): unknown {
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** The CLI's JSON output of the same run, for the values numpy must read back. */
async function jsonOf(args: string[]) {
  const r = await runBce([...args, '--json']);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe.skipIf(!hasNumpy)(`numpy.load reads the CLI's files (skipped: ${python} without numpy)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bce-outputs-'));
  const seed = join(root, 'fixtures/examples/seed.json');
  const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  // tolist() and json.dumps give shortest round-trip text; non-finite values as the strings bce's JSON uses
  const dump = (expr: string) =>
    `import json, numpy as np, math\nfix = lambda v: v if not isinstance(v, float) or math.isfinite(v) else ('NaN' if v != v else ('Infinity' if v > 0 else '-Infinity'))\n` +
    `walk = lambda v: [walk(x) for x in v] if isinstance(v, list) else fix(v)\nd = ${expr}\nprint(json.dumps({k: walk(np.asarray(d[k]).tolist()) for k in d}))`;

  it('-r none --grad --grad-targets -o out.npz: the same numbers as -f json, bit for bit', async () => {
    const out = join(dir, 'out.npz');
    expect(cli([seed, '-r', 'none', '--grad', '--grad-targets', '-o', out]).status).toBe(0);
    const loaded = py(dump(`np.load(${JSON.stringify(out)})`)) as Record<string, unknown>;
    const expected = await jsonOf([seed, '-r', 'none', '--grad', '--grad-targets']);
    expect(loaded).toEqual({ loss: expected.loss, grad: expected.grad, grad_targets: expected.grad_targets });
  });

  it('mean --grad to stdout (-f npz in a pipe): the loss is a 0-d array', async () => {
    const out = join(dir, 'piped.npz');
    const r = spawnSync(process.execPath, [bin, seed, '--grad', '-f', 'npz'], { stdio: ['ignore', openSync(out, 'w'), 'pipe'] });
    expect(r.status).toBe(0);
    const shapes = py(`import json, numpy as np\nd = np.load(${JSON.stringify(out)})\nprint(json.dumps({k: list(d[k].shape) for k in d}))`);
    expect(shapes).toEqual({ loss: [], grad: [2, 3] });
    const loaded = py(dump(`np.load(${JSON.stringify(out)})`)) as Record<string, unknown>;
    const expected = await jsonOf([seed, '--grad']);
    expect(loaded).toEqual({ loss: expected.loss, grad: expected.grad });
  });

  it('-o loss.npy with reduction none', async () => {
    const out = join(dir, 'loss.npy');
    expect(cli([seed, '-r', 'none', '-o', out]).status).toBe(0);
    const loaded = py(dump(`{'loss': np.load(${JSON.stringify(out)})}`));
    expect(loaded).toEqual({ loss: (await jsonOf([seed, '-r', 'none'])).loss });
  });

  it('ZIP64 records: zipfile tests the archive and numpy loads it', () => {
    const out = join(dir, 'zip64.npz');
    writeFileSync(out, joined(writeNpz([LOSS, GRAD], 0)));
    const r = py(
      `import json, zipfile, numpy as np\nz = zipfile.ZipFile(${JSON.stringify(out)})\nassert z.testzip() is None\n` +
        `d = np.load(${JSON.stringify(out)})\nprint(json.dumps([z.namelist(), float(d['loss']), d['grad'].shape]))`,
    );
    expect(r).toEqual([['loss.npy', 'grad.npy'], 0.25, [2, 3]]);
  });

  it('.safetensors: an independent reader (struct and json, from the format\'s rules) gets the same numbers', async () => {
    const out = join(dir, 'out.safetensors');
    expect(cli([seed, '-r', 'sum', '--grad', '-o', out]).status).toBe(0);
    const code =
      `import json, struct, numpy as np\nb = open(${JSON.stringify(out)}, 'rb').read()\nn = struct.unpack('<Q', b[:8])[0]\n` +
      `h = json.loads(b[8:8 + n])\nassert (8 + n) % 8 == 0 and list(h) == sorted(h)\n` +
      `d = {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], '<f8').reshape(v['shape']) for k, v in h.items()}\n` +
      `assert max(v['data_offsets'][1] for v in h.values()) == len(b) - 8 - n\n` +
      dump('d');
    const expected = await jsonOf([seed, '-r', 'sum', '--grad']);
    expect(py(code)).toEqual({ loss: expected.loss, grad: expected.grad });
  });
});

describe('the rules of the binary formats', () => {
  const seed = 'fixtures/examples/seed.json';
  it('.npy takes one tensor: loss and grad name .npz or .safetensors', async () => {
    const r = await runBce([seed, '--grad', '-o', 'x.npy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('bce: .npy holds one tensor, and loss, grad are asked for: write .npz or .safetensors\n');
    expect(r.files.size).toBe(0);
  });

  it('a binary format is refused on a terminal, before anything is read', async () => {
    const r = await runBce(['missing.json', '-f', 'npz'], { stdoutIsTTY: true });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: 'bce: -f npz writes binary data: give -o FILE, or redirect stdout to a file or a pipe\n' });
  });

  it('-o\'s extension picks the format, and a different --format is refused', async () => {
    const ok = await runBce([seed, '-o', 'l.NPY']);
    expect(ok.bytes.get('l.NPY')).toEqual(joined(writeNpy({ name: 'loss', shape: [], data: Float64Array.of(0.5147275127162853) })));
    const r = await runBce([seed, '-o', 'out.npz', '--json']);
    expect(r.stderr).toBe('bce: -o out.npz: a .npz file, but the format is json (drop --format, or name another file)\n');
    expect(r.code).toBe(2);
  });

  it('the views are refused with a binary format', async () => {
    const r = await runBce([seed, '--per-class', '-o', 'out.npz']);
    expect(r.stderr).toBe('bce: --per-class shows in the table or json format, not npz\n');
  });

  it('a reader that closes the pipe early (head -c): quiet exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-outputs-'));
    const x = join(dir, 'x.npy');
    writeFileSync(x, joined(writeNpy({ name: 'x', shape: [1_000_000], data: new Float64Array(1_000_000).fill(0.5) })));
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" -l "${x}" -t "${x}" -r none --grad -f npz | head -c 100 | wc -c`], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('100');
    expect(r.status).toBe(0);
  });

  it('-o writes bytes atomically and keeps the replaced file\'s mode; a full disk exits 74', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-outputs-'));
    const out = join(dir, 'out.npz');
    writeFileSync(out, 'old');
    chmodSync(out, 0o640);
    const r = spawnSync(process.execPath, [bin, seed, '-r', 'none', '--grad', '-o', out], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readFileSync(out).subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    const full = openSync('/dev/full', 'w');
    const f = spawnSync(process.execPath, [bin, seed, '-f', 'safetensors'], { cwd: root, encoding: 'utf8', stdio: ['ignore', full, 'pipe'] });
    closeSync(full);
    expect(f.status).toBe(74);
    expect(f.stderr).toBe('bce: stdout: no space left on device\n');
  });
});
