/**
 * torch.save files through the CLI: a dict as a bundle (bce and bce verify on dumps PyTorch wrote), a single
 * tensor as a flag, FILE:KEY with dotted keys, and the refusals (exit 2, one line, nothing on stdout, no -o).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bce, bin, root, runBce, spawnBce } from './helpers/run.js';
import { startVmSize } from './helpers/memory.js';

const PT = 'fixtures/torch/pt';

describe('torch.save files as bundles and tensors', () => {
  it('bce verify passes on dumps written by PyTorch and fails on a tampered one', async () => {
    expect((await bce(['verify', `${PT}/dump-mean.pt`])).code).toBe(0);
    expect((await bce(['verify', `${PT}/dump-none-f32.pt`])).code).toBe(0);
    const tampered = await bce(['verify', `${PT}/dump-tampered.pt`]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/loss +FAIL/);
    expect(tampered.stdout).toMatch(/grad +pass/);
  });

  it('bce verify reads a .pt bundle from stdin (by its content)', async () => {
    const r = await runBce(['verify'], { stdin: readFileSync(`${PT}/dump-mean.pt`) });
    expect(r.code).toBe(0);
  });

  it('a dict with logits and targets is a bundle, a .pth too; the reduction comes from the dict', async () => {
    const r = await bce([`${PT}/step.pth`, '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reduction: 'mean', shape: [2, 2] });
    const none = await bce(['-l', `${PT}/dump-none-f32.pt:logits`, '-t', `${PT}/dump-none-f32.pt:targets`, '-f', 'json']);
    expect(JSON.parse(none.stdout)).toMatchObject({ reduction: 'mean', shape: [5, 3] });
  });

  it('a single tensor works as -l and -t; FILE:KEY picks a nested entry by dotted key', async () => {
    expect((await bce(['-l', `${PT}/single.pt`, '-t', `${PT}/targets.pt`, '-r', 'none'])).code).toBe(0);
    const r = await bce(['-l', `${PT}/nested.pt:model.weight`, '-t', `${PT}/nested.pt:model.weight`, '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ shape: [2, 3] });
    expect((await bce(['-l', `${PT}/nested.pt:history.1.0`, '-t', `${PT}/nested.pt:history.1.0`])).code).toBe(0);
  });

  it('the real process exits 0 and 1 on verify', () => {
    expect(spawnBce(['verify', `${PT}/dump-mean.pt`]).code).toBe(0);
    expect(spawnBce(['verify', `${PT}/dump-tampered.pt`]).code).toBe(1);
  });
});

describe('refusals: exit 2, one line naming the file, nothing on stdout, no -o file', () => {
  const cases: [string, string[]][] = [
    ['a forbidden global', [`${PT}/forbidden.pt`]],
    ['os.system', ['-l', `${PT}/bad/os-system.pt`, '-t', `${PT}/targets.pt`]],
    ['the legacy format', ['-l', `${PT}/legacy.pt`, '-t', `${PT}/targets.pt`]],
    ['a stride outside the storage', [`${PT}/bad/stride-outside.pt`]],
    ['a bad reduction in the dict', [`${PT}/bad/bad-reduction.pt`]],
    ['an unknown key in the dict', [`${PT}/bad/extra-key.pt`]],
    ['one tensor as a bundle', [`${PT}/single.pt`]],
    ['a file of several tensors without a key', ['-l', `${PT}/nested.pt`, '-t', `${PT}/targets.pt`]],
    ['an unknown key', ['-l', `${PT}/nested.pt:model.nope`, '-t', `${PT}/targets.pt`]],
  ];
  it.each(cases)('%s', async (_name, args) => {
    const r = await runBce([...args, '-o', 'out.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.files.size).toBe(0);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^bce: fixtures\/torch\/pt\//);
    expect(r.stderr).toMatchSnapshot();
  });
});

describe('memory', () => {
  const prlimit = spawnSync('prlimit', ['--version']).status === 0;
  // Node 20 reserves about 711 MiB of address space at start; a Node that reserves more gets the difference on top
  const start = startVmSize;

  it.skipIf(!prlimit)('a 765-byte file expanding one element to 2^25 (256 MiB as float64): refused under a 1 GiB ceiling', () => {
    const ceiling = 2 ** 30 + Math.max(0, start() - 711 * 2 ** 20);
    const path = `${PT}/bad/expanded-huge.pt`;
    const r = spawnSync('prlimit', [`--as=${ceiling}`, process.execPath, bin, '-l', path, '-t', path], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bce: fixtures\/torch\/pt\/bad\/expanded-huge\.pt:expanded-huge\/data\.pkl: byte \d+: a view of 33554432 elements over a storage of 1: /);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.status).toBe(2);
  });
});
