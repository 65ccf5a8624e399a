/**
 * `bce verify` as a user meets it: argv -> options, then whole runs through run(argv, io) on the genuine
 * PyTorch dumps of fixtures/verify/dumps (made by fixtures/verify/generate.py) and on copies of them with one
 * value broken; one run spawns the built bin (`npm test` builds it) for the exit code of the real process.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../src/cli/program.js';
import { pyRepr } from '../src/format/verify-report.js';
import { bce, root, spawnBce } from './helpers/run.js';

const dumpsDir = join(root, 'fixtures/verify');

// ------------------------------------------------------------------------------------------------
// argv -> options
// ------------------------------------------------------------------------------------------------

const opts = (...argv: string[]) => {
  const inv = parseArgv(['verify', ...argv]);
  if (inv.kind !== 'verify') throw new Error(`expected verify, got ${JSON.stringify(inv)}`);
  return inv.options;
};
const exit = (...argv: string[]) => {
  const inv = parseArgv(argv);
  if (inv.kind !== 'exit') throw new Error(`expected exit, got ${JSON.stringify(inv)}`);
  return inv;
};

describe('bce verify: argv -> options', () => {
  it('defaults: dtype and tolerances are left open (the bundle may say the dtype)', () => {
    expect(opts('step.json')).toMatchObject({
      bundle: 'step.json',
      dtype: undefined,
      rtol: undefined,
      atol: undefined,
      equalNan: false,
      quiet: false,
      format: 'table',
      color: 'auto',
    });
  });

  it('every flag, short and long', () => {
    expect(
      opts(
        '-l', 'x.csv', '-t', 'y.csv', '-w', '0.7,0.2', '-p', '3', '-r', 'none', '--size-average', 'false', '--reduce', 'true',
        '--expected-loss', '0.69', '--expected-grad', 'g.json', '--expected-grad-targets', 'gt.json',
        '--dtype', 'bfloat16', '--rtol', '1e-3', '--atol', '0', '--equal-nan', '-q', '-f', 'json', '--color', 'never',
      ),
    ).toMatchObject({
      logits: 'x.csv',
      targets: 'y.csv',
      weight: '0.7,0.2',
      posWeight: '3',
      reduction: 'none',
      sizeAverage: false,
      reduce: true,
      expectedLoss: '0.69',
      expectedGrad: 'g.json',
      expectedGradTargets: 'gt.json',
      dtype: 'bfloat16',
      rtol: 1e-3,
      atol: 0,
      equalNan: true,
      quiet: true,
      format: 'json',
      color: 'never',
    });
  });

  it('--json is --format json; --quiet is -q; a negative loss is a value', () => {
    expect(opts('--json').format).toBe('json');
    expect(opts('--quiet').quiet).toBe(true);
    expect(opts('--expected-loss', '-0.5').expectedLoss).toBe('-0.5');
  });

  it('bce without the word verify is still the compute command', () => {
    expect(parseArgv(['step.json']).kind).toBe('compute');
    expect(parseArgv(['verify']).kind).toBe('verify');
  });

  it.each([
    [['--rtol', '1e-3'], 'bce: --rtol needs --atol too: give both tolerances or neither, as torch.testing.assert_close requires\n'],
    [['--atol', '1e-3'], 'bce: --atol needs --rtol too: give both tolerances or neither, as torch.testing.assert_close requires\n'],
    [['--rtol', '-1', '--atol', '0'], 'bce: --rtol: expected a finite number >= 0, got "-1"\n'],
    [['--rtol', '0x10', '--atol', '0'], 'bce: --rtol: expected a finite number >= 0, got "0x10"\n'],
    [['--rtol', 'nan', '--atol', '0'], 'bce: --rtol: expected a finite number >= 0, got "nan"\n'],
    [['--json', '-f', 'table'], 'bce: --json conflicts with --format table\n'],
  ])('usage error, exit 2: verify %j', (argv, message) => {
    const e = exit('verify', ...argv);
    expect(e.code).toBe(2);
    expect(e.stdout).toBe('');
    expect(e.stderr).toBe(message);
  });

  it.each([
    [['verify', '--dtype', 'float8']],
    [['verify', '-f', 'csv']],
    [['verify', '-g']],
    [['verify', 'a.json', 'b.json']],
  ])('commander refuses %j: exit 2, bce: prefix, help hint', (argv) => {
    const e = exit(...argv);
    expect(e.code).toBe(2);
    expect(e.stdout).toBe('');
    expect(e.stderr).toMatch(/^bce: .*\n\(run bce verify --help for usage\)\n$/);
  });

  it("bce's options before the word verify are refused, not dropped", () => {
    expect(exit('--json', 'verify', 'step.json')).toEqual({
      kind: 'exit',
      code: 2,
      stdout: '',
      stderr: 'bce: --json goes after verify: bce verify [bundle] [options]\n',
    });
  });

  it('verify --help lists every option and ends with examples; bce --help names the command', () => {
    const h = exit('verify', '--help');
    expect(h.code).toBe(0);
    for (const flag of ['--logits', '--targets', '--weight', '--pos-weight', '--reduction', '--expected-loss', '--expected-grad', '--expected-grad-targets', '--dtype', '--rtol', '--atol', '--equal-nan', '--quiet', '--format', '--json', '--color']) {
      expect(h.stdout).toContain(flag);
    }
    expect(h.stdout).toMatch(/Examples:[\s\S]*Exit codes: 0 all within tolerance, 1 a mismatch/);
    expect(exit('--help').stdout).toMatch(/Commands:[\s\S]*\n  verify /);
  });
});

// ------------------------------------------------------------------------------------------------
// End to end
// ------------------------------------------------------------------------------------------------

interface DumpEntry {
  file: string;
  dtype: string;
  reduction: string;
  assert_close_default_tolerances_vs_torch_float64: Record<'loss' | 'grad' | 'grad_targets', boolean>;
}
const dumps = JSON.parse(readFileSync(join(dumpsDir, 'dumps.json'), 'utf8')) as { dumps: DumpEntry[] };

type Dump = Record<string, unknown> & { loss: number | number[][]; grad: number[][]; grad_targets: number[][] };
const readDump = (file: string): Dump => JSON.parse(readFileSync(join(dumpsDir, file), 'utf8')) as Dump;

/** Writes a bundle (or any text) into a fresh temp dir and returns its path. */
function temp(name: string, content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bce-verify-')), name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('bce verify end to end: genuine PyTorch dumps', () => {
  it('the fixtures cover float32, float64 and bfloat16, each reduction, and one expected failure', () => {
    expect(new Set(dumps.dumps.map((d) => d.dtype))).toEqual(new Set(['float32', 'float64', 'bfloat16']));
    expect(new Set(dumps.dumps.map((d) => d.reduction))).toEqual(new Set(['none', 'mean', 'sum']));
    expect(dumps.dumps.filter((d) => !Object.values(d.assert_close_default_tolerances_vs_torch_float64).every(Boolean)).map((d) => d.file)).toEqual([
      'dumps/bf16-pos-weight-none.json',
    ]);
  });

  it.each(dumps.dumps.map((d) => [d.file, d] as const))('%s passes or fails as dumps.json says', async (file, d) => {
    const verdicts = d.assert_close_default_tolerances_vs_torch_float64;
    const r = await bce(['verify', join('fixtures/verify', file), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(Object.values(verdicts).every(Boolean) ? 0 : 1);
    const report = JSON.parse(r.stdout);
    expect(report.dtype).toBe(d.dtype); // taken from the bundle's "dtype"
    expect(Object.fromEntries(report.results.map((x: { name: string; pass: boolean }) => [x.name, x.pass]))).toEqual(verdicts);
  });

  it('the bfloat16 dump that PyTorch gets wrong names the element (1, 0), as assert_close against float64 does; the real process exits 1', () => {
    const r = spawnBce(['verify', 'fixtures/verify/dumps/bf16-pos-weight-none.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Mismatched elements: 2 / 20 (10.0%)');
    expect(r.stdout).toMatch(/Greatest relative difference: 0\.10\d* at index \(1, 0\) \(up to 0\.016 allowed\)/);
  });

  it('a bundle on stdin', async () => {
    const text = readFileSync(join(dumpsDir, 'dumps/f32-example-mean.json'), 'utf8');
    expect((await bce(['verify'], text)).code).toBe(0);
    expect((await bce(['verify', '-'], text)).code).toBe(0);
  });
});

describe('bce verify end to end: broken values exit 1 and name the place', () => {
  it('the loss nudged by 1e-4 relative: the scalar report, pinned', async () => {
    const d = readDump('dumps/f32-example-mean.json');
    const path = temp('nudged-loss.json', { ...d, loss: (d.loss as number) * (1 + 1e-4) });
    const r = await bce(['verify', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatchInlineSnapshot(`
      "bce verify: dtype float32 (inputs rounded to float32), rtol 1.3e-06, atol 1e-05 (defaults)
        loss          FAIL  scalar
            Scalars are not close!

            Expected 0.5147275108766856 but got 0.5147790056169033.
            Absolute difference: 5.1494740217705726e-05 (up to 1e-05 allowed)
            Relative difference: 0.00010004271994321757 (up to 1.3e-06 allowed)
        grad          pass  [2, 3]
        grad_targets  pass  [2, 3]
      1 of 3 is not within tolerance
      "
    `);
  });

  it('one gradient element of a 256 x 100 tensor nudged: exit 1, index (17, 42), in the table and in JSON', async () => {
    const d = readDump('dumps/f32-large-256x100-pos-weight-mean.json');
    d.grad[17][42] += 1e-4; // the gradients of a mean over 25600 elements are ~1e-5: far beyond atol 1e-5
    const path = temp('nudged-grad.json', d);
    const table = await bce(['verify', path]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/ {2}loss {10}pass {2}scalar\n {2}grad {10}FAIL {2}\[256, 100\]\n/);
    expect(table.stdout).toContain('Mismatched elements: 1 / 25600 (0.0%)');
    expect(table.stdout).toMatch(/Greatest absolute difference: \S+ at index \(17, 42\) \(up to 1e-05 allowed\)/);
    expect(table.stdout).toMatch(/Greatest relative difference: \S+ at index \(17, 42\) \(up to 1.3e-06 allowed\)/);
    expect(table.stdout).toContain('grad_targets  pass');

    // The JSON report states the same facts.
    const json = await bce(['verify', path, '--format', 'json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ pass: false, dtype: 'float32', rtol: 1.3e-6, atol: 1e-5, equal_nan: false, custom_tolerances: false, skipped: [] });
    const grad = report.results.find((x: { name: string }) => x.name === 'grad');
    expect(grad).toMatchObject({ pass: false, kind: 'tensor', shape: [256, 100], mismatched: 1, total: 25600 });
    expect(grad.greatest_absolute_difference.index).toEqual([17, 42]);
    expect(grad.greatest_relative_difference.index).toEqual([17, 42]);
    expect(grad.greatest_absolute_difference.value).toBeCloseTo(1e-4, 6);
    for (const k of ['greatest_absolute_difference', 'greatest_relative_difference']) {
      expect(table.stdout).toContain(`${pyRepr(grad[k].value)} at index (17, 42)`);
    }
    expect(table.stdout).toContain(grad.message.split('\n').map((l: string) => (l ? `      ${l}` : '')).join('\n'));
    expect(report.results.map((x: { name: string; pass: boolean }) => [x.name, x.pass])).toEqual([
      ['loss', true],
      ['grad', false],
      ['grad_targets', true],
    ]);
  });

  it('an expected tensor of the wrong shape: exit 1 with the shape message', async () => {
    const d = readDump('dumps/f32-example-none.json');
    const transposed = [0, 1, 2].map((j) => d.grad.map((row) => row[j]));
    const gradFile = temp('grad.json', transposed);
    const r = await bce(['verify', 'fixtures/verify/dumps/f32-example-none.json', '--expected-grad', gradFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "  grad          FAIL  shape mismatch\n      The values for attribute 'shape' do not match: torch.Size([3, 2]) != torch.Size([2, 3]).\n",
    );
  });

  it('a loss dumped with reduction none checked as a mean: exit 1, shape message, and a hint on stderr', async () => {
    const d = readDump('dumps/f32-example-none.json');
    const path = temp('no-reduction.json', { ...d, reduction: undefined });
    const r = await bce(['verify', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("torch.Size([2, 3]) != torch.Size([]).");
    expect(r.stderr).toBe(
      `bce: note: the dumped loss has the logits' shape [2, 3]: was it computed with reduction='none'? This check used reduction='mean'; put "reduction": "none" in the bundle or pass -r none\n`,
    );
    expect((await bce(['verify', path, '-r', 'none'])).code).toBe(0);
  });

  it('--quiet prints nothing, on a pass and on a failure', async () => {
    const d = readDump('dumps/f32-example-none.json');
    const path = temp('no-reduction.json', { ...d, reduction: undefined });
    expect(await bce(['verify', 'fixtures/verify/dumps/f32-example-mean.json', '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await bce(['verify', path, '--quiet'])).toEqual({ code: 1, stdout: '', stderr: '' });
  });

  it('colour only when wanted', async () => {
    const failing = 'fixtures/verify/dumps/bf16-pos-weight-none.json';
    expect((await bce(['verify', failing])).stdout).not.toMatch(/\x1b\[/);
    expect((await bce(['verify', failing, '--color', 'always'])).stdout).toMatch(/\x1b\[31mFAIL\x1b\[39m/);
    expect((await bce(['verify', failing], '', { FORCE_COLOR: '1' })).stdout).toMatch(/\x1b\[/);
    expect((await bce(['verify', failing, '--json', '--color', 'always'])).stdout).not.toMatch(/\x1b\[/);
  });
});

describe('bce verify end to end: decisions', () => {
  it('a reduced loss dumped as a one-element tensor is compared as the number it holds', async () => {
    const d = readDump('dumps/f64-example-sum.json');
    expect((await bce(['verify', temp('one.json', { ...d, loss: [d.loss] })])).code).toBe(0);
    const wrong = await bce(['verify', temp('one.json', { ...d, loss: [[(d.loss as number) + 1]] })]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('Scalars are not close!');
  });

  it('inputs and dumped values from separate files; --expected-loss takes a number; what is not given is listed', async () => {
    const d = readDump('dumps/f64-example-mean.json');
    const logits = temp('logits.json', d.logits);
    const targets = temp('targets.json', d.targets);
    const grad = temp('grad.json', d.grad);
    const args = ['verify', '-l', logits, '-t', targets, '--dtype', 'float64', '--expected-grad', grad];
    const ok = await bce([...args, '--expected-loss', String(d.loss)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('  grad_targets  -     not given\n');
    expect((await bce([...args, '--expected-loss', temp('loss.json', String(d.loss))])).code).toBe(0);
    expect((await bce([...args, '--expected-loss', '0.5'])).code).toBe(1);
  });

  it('--dtype overrides the bundle; custom tolerances are reported as such', async () => {
    const bf16 = 'fixtures/verify/dumps/bf16-pos-weight-none.json';
    const loose = await bce(['verify', bf16, '--rtol', '0.2', '--atol', '1e-5']);
    expect(loose.code).toBe(0);
    expect(loose.stdout.split('\n')[0]).toBe('bce verify: dtype bfloat16 (inputs rounded to bfloat16), rtol 0.2, atol 1e-05');
    const f64 = await bce(['verify', 'fixtures/verify/dumps/f64-example-mean.json', '--dtype', 'float32']);
    expect(f64.stdout.split('\n')[0]).toBe('bce verify: dtype float32 (inputs rounded to float32), rtol 1.3e-06, atol 1e-05 (defaults)');
  });

  it('NaN matches NaN only with --equal-nan', async () => {
    const d = readDump('dumps/f64-example-none.json');
    const path = temp('nan.json', { ...d, logits: [['NaN', -1.2, 3.0], [1.5, 2.0, -0.5]], loss: [['NaN', ...(d.loss as number[][])[0].slice(1)], (d.loss as number[][])[1]], grad: undefined, grad_targets: undefined });
    const strict = await bce(['verify', path]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('Mismatched elements: 1 / 6 (16.7%)');
    expect((await bce(['verify', path, '--equal-nan'])).code).toBe(0);
  });
});

describe('bce verify end to end: bad input exits 2, one line on stderr, nothing on stdout', () => {
  it('a truncated bundle', async () => {
    const text = readFileSync(join(dumpsDir, 'dumps/f32-example-none.json'), 'utf8');
    const path = temp('truncated.json', text.slice(0, 300));
    const r = await bce(['verify', path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`bce: ${path}:1:301: grad[0][0]: unexpected end of the input inside an array\n`);
  });

  it.each([
    ['a bundle with nothing to verify', ['verify', 'fixtures/examples/seed.json'], 'bce: nothing to verify: fixtures/examples/seed.json has no "loss", "grad" or "grad_targets"; give --expected-loss, --expected-grad or --expected-grad-targets\n'],
    ['--rtol without --atol', ['verify', 'fixtures/verify/dumps/f32-example-mean.json', '--rtol', '1e-3'], 'bce: --rtol needs --atol too: give both tolerances or neither, as torch.testing.assert_close requires\n'],
    ['a missing expected file', ['verify', 'fixtures/verify/dumps/f32-example-mean.json', '--expected-grad', 'missing.json'], 'bce: missing.json: no such file\n'],
    ['a bundle where a tensor is expected', ['verify', 'fixtures/verify/dumps/f32-example-mean.json', '--expected-grad', 'fixtures/examples/seed.json'], 'bce: fixtures/examples/seed.json: expected a tensor (a number or nested arrays), found an object; pass a bundle as the first argument instead\n'],
    ['an empty --expected-loss', ['verify', 'fixtures/verify/dumps/f32-example-mean.json', '--expected-loss', ''], "bce: --expected-loss: expected a file or a number, got ''\n"],
    ['a list as --expected-loss', ['verify', 'fixtures/verify/dumps/f32-example-mean.json', '--expected-loss', '1,2'], 'bce: --expected-loss: expected one number or a file, got the list 1,2; put a tensor in a file\n'],
    ['stdin asked for twice', ['verify', '-', '--expected-grad', '-'], 'bce: stdin is asked for twice: by the bundle and by --expected-grad\n'],
  ])('%s', async (_what, args, message) => {
    const r = await bce(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(message);
  });

  it('a bad dtype or a bad dumped value inside the bundle names the key', async () => {
    const d = readDump('dumps/f32-example-mean.json');
    const r1 = await bce(['verify', temp('b.json', { ...d, dtype: 'float8' })]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/^bce: \S+b\.json: dtype: expected one of float16, bfloat16, float32, float64, got "float8"\n$/);
    const r2 = await bce(['verify', temp('b.json', { ...d, loss: 'abc' })]);
    expect(r2.code).toBe(2);
    expect(r2.stdout).toBe('');
    expect(r2.stderr.split('\n')).toHaveLength(2);
    expect(r2.stderr).toMatch(/b\.json: loss/);
  });
});
