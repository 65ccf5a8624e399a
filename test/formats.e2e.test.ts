/**
 * Every input format gives the same loss and gradients as the JSON route, bit for bit, when it holds the
 * same values: the NPY/NPZ/safetensors fixtures made by real numpy and torch (fixtures/npy/generate.py)
 * against JSON bundles written here from fixtures/npy/expected.json, through run(argv, io); the built bin is
 * spawned once, with an .npy piped to its stdin.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bce, bin, root } from './helpers/run.js';

interface Values {
  shape: number[];
  values: unknown[];
}
interface Expected {
  /** a bundle's tensors by name, or a single .npy's shape and values */
  [file: string]: { tensors?: Record<string, Values> } & Partial<Values>;
}
const expected = JSON.parse(readFileSync(join(root, 'fixtures/npy/expected.json'), 'utf8')) as Expected;

/** nested arrays of `shape` from flat values, as a JSON bundle holds them */
function nest(values: unknown[], shape: number[]): unknown {
  if (shape.length === 0) return values[0];
  const step = values.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(values.slice(i * step, (i + 1) * step), shape.slice(1)));
}
const jsonValue = (v: unknown) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? v : v === -0 && Object.is(v, -0) ? '-0.0' : v);

function jsonBundleFor(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bce-fmt-'));
  const tensors = expected[file].tensors ?? {};
  const body = Object.entries(tensors)
    .map(([k, t]) => `${JSON.stringify(k)}: ${JSON.stringify(nest(t.values.map(jsonValue), t.shape)).replace(/"(NaN|Infinity|-Infinity|-0\.0)"/g, '$1')}`)
    .join(', ');
  const path = join(dir, 'bundle.json');
  writeFileSync(path, `{${body}}`);
  return path;
}

const ALL = ['--json', '-r', 'none', '-g', '--grad-targets'];

describe('binary formats match the JSON route bit for bit', () => {
  for (const file of ['bundle.npz', 'bundle-compressed.npz', 'bundle.safetensors']) {
    it(file, async () => {
      const viaBinary = await bce([`fixtures/npy/${file}`, ...ALL]);
      const viaJson = await bce([jsonBundleFor(file), ...ALL]);
      expect(viaBinary.stderr).toBe('');
      expect(viaBinary.code).toBe(0);
      expect(viaBinary.stdout).toBe(viaJson.stdout);
      for (const reduction of ['mean', 'sum']) {
        expect((await bce([`fixtures/npy/${file}`, '--json', '-r', reduction, '-g'])).stdout).toBe(
          (await bce([jsonBundleFor(file), '--json', '-r', reduction, '-g'])).stdout,
        );
      }
    });
  }

  it('members picked by name, by role, and .npy files as flags', async () => {
    const byBundle = (await bce(['fixtures/npy/bundle.npz', ...ALL])).stdout;
    const byMember = (await bce(['-l', 'fixtures/npy/bundle.npz:logits', '-t', 'fixtures/npy/bundle.npz:targets', '-w', 'fixtures/npy/bundle.npz:weight', '-p', 'fixtures/npy/bundle.npz:pos_weight', ...ALL])).stdout;
    const byRole = (await bce(['-l', 'fixtures/npy/bundle.npz', '-t', 'fixtures/npy/bundle.npz', '-w', 'fixtures/npy/bundle.npz', '-p', 'fixtures/npy/bundle.npz', ...ALL])).stdout;
    expect(byMember).toBe(byBundle);
    expect(byRole).toBe(byBundle);
  });

  it('an .npy logits file against a CSV of the same values', async () => {
    const values = expected['logits-3x4.npy'] as Values;
    expect(values.shape).toEqual([3, 4]);
    const dir = mkdtempSync(join(tmpdir(), 'bce-fmt-'));
    const rows = nest(values.values, values.shape) as unknown[][];
    writeFileSync(join(dir, 'x.csv'), rows.map((r) => r.map(String).join(',')).join('\n'));
    writeFileSync(join(dir, 'y.csv'), rows.map((r) => r.map(() => '1').join(',')).join('\n'));
    const a = await bce(['-l', 'fixtures/npy/logits-3x4.npy', '-t', join(dir, 'y.csv'), ...ALL]);
    const b = await bce(['-l', join(dir, 'x.csv'), '-t', join(dir, 'y.csv'), ...ALL]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('stdin is sniffed: an .npy on stdin', () => {
    const r = spawnSync('sh', ['-c', `${process.execPath} ${bin} -l - -t fixtures/npy/bundle.npz:targets --json < fixtures/npy/bundle.npz`], { cwd: root, encoding: 'utf8' });
    // stdin holds the whole npz: the logits member is picked by role
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).shape).toEqual([2, 3]);
  });

  it('errors name the member and the file', async () => {
    const r = await bce(['-l', 'fixtures/npy/bundle.npz:nope', '-t', 'fixtures/npy/bundle.npz']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatchInlineSnapshot(`
      "bce: fixtures/npy/bundle.npz: no tensor named 'nope' (it has: logits, targets, weight, pos_weight)
      "
    `);
    const many = await bce(['-l', 'fixtures/npy/bundle.npz', '-t', 'fixtures/npy/bundle.npz', '--input-format', 'csv']);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatchInlineSnapshot(`
      "bce: fixtures/npy/bundle.npz: not UTF-8 text (is it a binary file? --input-format names the format)
      "
    `);
  });
});
