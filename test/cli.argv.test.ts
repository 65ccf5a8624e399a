/** argv -> options, in-process: what commander and zod make of a command line, without spawning. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('-o', () => {
  it('an empty -o is a usage error, before anything is read or written', () => {
    const r = exit('b.json', '-o', '');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('bce: --output: expected a file name, or - for stdout, got ""\n');
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

describe('each flag declared once', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  const src = new URL('../src', import.meta.url).pathname;

  it('every commander option of src/ is made by one `new Option(...)`, and no long flag twice', () => {
    const longs: string[] = [];
    for (const file of sources(src)) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\.option\(\s*'/); // the shorthand would declare a flag outside the groups
      for (const m of text.matchAll(/new Option\(\s*'([^']*)'/g)) longs.push(/--[a-z-]+/.exec(m[1])?.[0] ?? m[1]);
    }
    expect(longs).toContain('--color');
    expect(longs.filter((f, i) => longs.indexOf(f) !== i)).toEqual([]);
  });

  it('a flag shared by commands has one help text in all of them', () => {
    const inv = parseArgv(['completion', 'bash']);
    if (inv.kind !== 'completion') throw new Error(JSON.stringify(inv));
    const help = new Map<string, Set<string>>();
    for (const cmd of [inv.spec.program, ...inv.spec.commands]) {
      for (const o of cmd.options) for (const f of o.flags) help.set(f, (help.get(f) ?? new Set()).add(o.description));
    }
    for (const flag of ['--color', '--label-smoothing', '--logits', '--reduction', '--json', '--delimiter']) {
      expect(help.get(flag)?.size, flag).toBe(1);
    }
    expect([...(help.get('--color') ?? [])]).toEqual(['colour in table and text output; auto = only on a terminal and never when NO_COLOR is set']);
  });
});

describe('the schema is the options: rules across flags, the order of checks', () => {
  it('the legacy flags are resolved with the options, once; none given leaves it to the bundle', () => {
    expect(opts('b.json', '--size-average', 'false').flagReduction).toEqual({
      reduction: 'sum',
      warnings: ["size_average and reduce args will be deprecated, please use reduction='sum' instead."],
    });
    expect(opts('b.json', '-r', 'elementwise_mean').flagReduction?.reduction).toBe('mean');
    expect(opts('b.json').flagReduction).toBeUndefined();
  });
  it('--hist / --hist-log become the histogram scale; -o - is stdout', () => {
    expect(opts('b.json', '--hist').hist).toBe('linear');
    expect(opts('b.json', '--hist-log', '--bins', '7')).toMatchObject({ hist: 'log', bins: 7 });
    expect(opts('b.json', '-o', '-').output).toBeUndefined();
  });
  it.each([
    [['b.json', '--per-class', '--hist', '-f', 'csv'], 'bce: --per-class shows in the table or json format, not csv\n'],
    [['b.json', '--json', '-f', 'csv', '--per-class'], 'bce: --json conflicts with --format csv\n'],
    [['b.json', '--precision', '0', '-f', 'ndjson', '--step', '1'], 'bce: --precision: expected a whole number of significant digits from 1 to 17, got "0"\n'],
    [['b.json', '--bins', '3', '-f', 'csv'], 'bce: --bins needs --hist or --hist-log\n'],
    [['explain', 'b.json', '--label-smoothing', '9', '--rows', '0'], 'bce: --rows: expected a whole number of rows from 1 to 100, got "0"\n'],
    [['explain', 'b.json', '--label-smoothing', '9', '--precision', '99'], 'bce: --precision: expected a whole number of significant digits from 1 to 17, got "99"\n'],
    [['verify', 'b.json', '--rtol', '1', '--json', '-f', 'table'], 'bce: --json conflicts with --format table\n'],
  ])('%j', (argv, stderr) => {
    expect(exit(...argv)).toEqual({ kind: 'exit', code: 2, stdout: '', stderr });
  });
  it('explain and verify: their own fields and defaults', () => {
    const e = parseArgv(['explain', 'b.json', '--reduce', 'false']);
    expect(e).toMatchObject({ kind: 'explain', options: { bundle: 'b.json', rows: 2, color: 'auto', reduce: false, flagReduction: { reduction: 'none' } } });
    const v = parseArgv(['verify', 'b.json', '--json', '--rtol', '0.1', '--atol', '0']);
    expect(v).toMatchObject({ kind: 'verify', options: { format: 'json', rtol: 0.1, atol: 0, equalNan: false, quiet: false, read: {} } });
  });
});
