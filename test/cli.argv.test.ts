/** argv -> options, in-process: what commander and zod make of a command line, without spawning. */
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../src/cli/program.js';
import { COMMAND_NAMES, suggestCommand } from '../src/cli/suggest.js';

const opts = (...argv: string[]) => {
  const inv = parseArgv(argv);
  if (inv.kind !== 'compute') throw new Error(`expected compute, got ${JSON.stringify(inv)}`);
  return inv.options;
};
const exit = (...argv: string[]) => {
  const inv = parseArgv(argv);
  if (inv.kind !== 'exit') throw new Error(`expected exit, got ${JSON.stringify(inv)}`);
  return inv;
};

describe('argv -> options', () => {
  it('defaults', () => {
    expect(opts('b.json')).toEqual({
      bundle: 'b.json',
      grad: false,
      gradTargets: false,
      format: 'table',
      color: 'auto',
      read: {},
    });
  });
  it('every flag, short and long', () => {
    expect(opts('-l', 'x.csv', '-t', 'y.csv', '-w', '0.7,0.2', '-p', '3', '-r', 'sum', '-g', '--grad-targets', '-f', 'csv', '--precision', '4', '--color', 'never', '-o', 'out.csv')).toMatchObject({
      logits: 'x.csv',
      targets: 'y.csv',
      weight: '0.7,0.2',
      posWeight: '3',
      reduction: 'sum',
      grad: true,
      gradTargets: true,
      format: 'csv',
      precision: 4,
      color: 'never',
      output: 'out.csv',
    });
  });
  it('--json is --format json', () => expect(opts('b.json', '--json').format).toBe('json'));
  it('negative numbers are option values', () => expect(opts('b.json', '-w', '-1,2').weight).toBe('-1,2'));
  it('legacy flags are strict booleans', () => {
    expect(opts('b.json', '--size-average', 'false', '--reduce', 'True')).toMatchObject({ sizeAverage: false, reduce: true });
  });
  it('elementwise_mean is accepted (and resolved later with a warning)', () => {
    expect(opts('b.json', '-r', 'elementwise_mean').reduction).toBe('elementwise_mean');
  });
});

describe('usage errors exit 2 with one clear message', () => {
  it.each([
    [['--frobnicate']],
    [['--formt', 'json']],
    [['-r', 'avg']],
    [['-f', 'xml']],
    [['--precision', '40']],
    [['--precision', 'abc']],
    [['--size-average', 'maybe']],
    [['--json', '-f', 'csv']],
    [['a.json', 'b.json']],
    [['--logits']],
  ])('%j', (argv) => {
    const e = exit(...argv);
    expect(e.code).toBe(2);
    expect(e.stdout).toBe('');
    expect(e.stderr).toMatchSnapshot();
  });
});

describe('help and version exit 0 on stdout', () => {
  it('--help lists every option and ends with examples', () => {
    const e = exit('--help');
    expect(e.code).toBe(0);
    for (const flag of ['--logits', '--targets', '--weight', '--pos-weight', '--reduction', '--size-average', '--reduce', '--grad', '--grad-targets', '--format', '--json', '--precision', '--color', '--output', '--version', '--help']) {
      expect(e.stdout).toContain(flag);
    }
    expect(e.stdout).toMatch(/Examples:[\s\S]*\$ bce/);
  });
  it('--version', () => {
    const e = exit('-V');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('conflicting flags', () => {
  it('--hist with --hist-log is a usage error, not last-wins', () => {
    const r = exit('b.json', '--hist', '--hist-log');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bce: option '--hist-log' cannot be used with option '--hist'\n/);
  });
});

describe('mistyped commands', () => {
  it('every name suggest.ts offers is a command of the program', () => {
    for (const name of COMMAND_NAMES) {
      const inv = parseArgv([name, '--help']);
      expect(inv.kind, name).toBe('exit');
      expect((inv as { code: number }).code, name).toBe(0);
      expect((inv as { stdout: string }).stdout, name).toMatch(/^Usage: bce/);
    }
  });
  it.each([
    ['explian', 'explain'],
    ['verfy', 'verify'],
    ['VERIFY', 'verify'],
    ['completoin', 'completion'],
    ['help', undefined],
    ['hello', undefined],
    ['verify.json', undefined],
    ['./explian', undefined],
    ['x', undefined],
  ])('%s -> %s', (word, expected) => {
    expect(suggestCommand(word)).toBe(expected);
  });
});
