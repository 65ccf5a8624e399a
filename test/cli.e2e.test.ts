/**
 * End to end: stdin, each format and each exit code, through run(argv, io) as main.ts calls it; then the
 * built bin, spawned as a user runs it, for what only the real process does (help and version, a pipe
 * closed early, files written with -o, the environment's colour settings).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedReference } from './helpers/numbers.js';
import { bce, bin, root, spawnBce } from './helpers/run.js';

const SEED = seedReference();

describe('bce end to end, in process', () => {
  it('the README quick start: the seed example in the table format', async () => {
    const r = await bce(['fixtures/examples/seed.json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`loss ${SEED.mean}`);
    expect(r.stdout).not.toMatch(/\x1b\[/); // not a terminal: no colour
  });

  it('JSON output has the true mean and sum of the seed example', async () => {
    const mean = JSON.parse((await bce(['fixtures/examples/seed.json', '--json'])).stdout);
    expect(mean).toMatchObject({ reduction: 'mean', shape: [2, 3], loss: SEED.mean });
    const sum = JSON.parse((await bce(['fixtures/examples/seed.json', '--json', '-r', 'sum'])).stdout);
    expect(sum.loss).toBe(SEED.sum);
  });

  it('a bundle on stdin (piped, and as -), and a tensor on stdin with -l -', async () => {
    const bundle = readFileSync(join(root, 'fixtures/examples/seed.json'), 'utf8');
    expect(JSON.parse((await bce(['--json'], bundle)).stdout).loss).toBe(SEED.mean);
    expect(JSON.parse((await bce(['-', '--json'], bundle)).stdout).loss).toBe(SEED.mean);
    const logits = readFileSync(join(root, 'fixtures/examples/logits.csv'), 'utf8');
    const r = await bce(['-l', '-', '-t', 'fixtures/examples/targets.csv', '--json'], logits);
    expect(JSON.parse(r.stdout).loss).toBe(SEED.mean);
  });

  it('CSV files with weight as a list give the weighted mean', async () => {
    const r = await bce(['-l', 'fixtures/examples/logits.csv', '-t', 'fixtures/examples/targets.csv', '-w', '0.7,0.2,0.1', '--json']);
    expect(r.code).toBe(0);
    // the identity mean = sum / n ties the two reductions together
    const sum = JSON.parse((await bce(['-l', 'fixtures/examples/logits.csv', '-t', 'fixtures/examples/targets.csv', '-w', '0.7,0.2,0.1', '--json', '-r', 'sum'])).stdout).loss;
    expect(JSON.parse(r.stdout).loss).toBe(sum / 6);
  });

  it('CSV output: the element matrix for none, a tidy table with gradients', async () => {
    const none = await bce(['fixtures/examples/seed.json', '-r', 'none', '-f', 'csv']);
    expect(none.stdout.trim().split('\n').map((l) => l.split(',').length)).toEqual([3, 3]);
    const tidy = await bce(['fixtures/examples/seed.json', '-g', '--grad-targets', '-f', 'csv']);
    const lines = tidy.stdout.trim().split('\n');
    expect(lines[0]).toBe('index0,index1,loss,grad,grad_targets');
    expect(lines).toHaveLength(7);
  });

  it('legacy flags pick the reduction and warn on stderr', async () => {
    const r = await bce(['fixtures/examples/seed.json', '--json', '--size-average', 'false']);
    expect(JSON.parse(r.stdout).reduction).toBe('sum');
    expect(r.stderr).toBe("bce: warning: size_average and reduce args will be deprecated, please use reduction='sum' instead.\n");
  });

  it.each([
    [['missing.json'], 'bce: missing.json: no such file\n'],
    [['-l', 'fixtures/examples/logits.csv', '-t', 'fixtures/examples/logits.csv', '-w', '1,2'], null],
    [['-l', 'fixtures/examples/logits.csv'], 'bce: no targets: give --targets\n'],
    [['-l', '-', '-t', '-'], 'bce: stdin is asked for twice: by --logits and by --targets\n'],
    [['--bogus'], null],
  ])('exit 2: %j', async (args, message) => {
    const r = await bce(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    if (message) expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(/^bce: /);
  });
});

describe('bce end to end, the spawned bin', () => {
  beforeAll(() => {
    // the runs below need the built bin (npm test builds it first)
    expect(existsSync(bin), `${bin} is missing: run npm run build`).toBe(true);
  });

  it('-o writes the file atomically and prints nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-'));
    const out = join(dir, 'r.json');
    const r = spawnBce(['fixtures/examples/seed.json', '--json', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).loss).toBe(SEED.mean);
    expect(readdirSync(dir)).toEqual(['r.json']);
  });

  it('-o onto a FIFO (or a device such as /dev/null) writes into it instead of replacing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-'));
    const fifo = join(dir, 'pipe');
    const r = spawnSync('sh', ['-c', `mkfifo ${fifo} && (cat ${fifo} > ${join(dir, 'got')} &) && ${process.execPath} ${bin} fixtures/examples/seed.json --json -o ${fifo}; status=$?; wait; sleep 0.2; test -p ${fifo} && echo still-a-fifo; exit $status`], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('still-a-fifo');
    expect(JSON.parse(readFileSync(join(dir, 'got'), 'utf8')).loss).toBe(SEED.mean);
  });

  it('bad input: exit 2, one line on stderr naming file and place, nothing on stdout, no output file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '1,2,3\n4,abc,6\n');
    const out = join(dir, 'out.json');
    writeFileSync(out, 'old');
    const r = spawnBce(['-l', bad, '-t', 'fixtures/examples/targets.csv', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`bce: ${bad}:2:3: 'abc' is not a number\n`);
    expect(readFileSync(out, 'utf8')).toBe('old');
  });

  it('--help exits 0 and lists examples; --version exits 0', () => {
    const h = spawnBce(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Examples:');
    expect(spawnBce(['--version']).code).toBe(0);
  });

  it('a closed pipe ends quietly', () => {
    const big = JSON.stringify({
      logits: Array.from({ length: 20000 }, (_, i) => [Math.sin(i), Math.cos(i)]),
      targets: Array.from({ length: 20000 }, (_, i) => [i % 2, (i + 1) % 2]),
    });
    const dir = mkdtempSync(join(tmpdir(), 'bce-'));
    writeFileSync(join(dir, 'big.json'), big);
    const r = spawnSync('sh', ['-c', `${process.execPath} ${bin} ${join(dir, 'big.json')} -r none -f csv | head -n 1`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0].split(',')).toHaveLength(2);
  });

  it('colour only when asked for, and never with NO_COLOR under auto', () => {
    expect(spawnBce(['fixtures/examples/seed.json', '--color', 'always']).stdout).toMatch(/\x1b\[/);
    expect(spawnBce(['fixtures/examples/seed.json', '--color', 'auto'], undefined, { NO_COLOR: '1' }).stdout).not.toMatch(/\x1b\[/);
  });
});
