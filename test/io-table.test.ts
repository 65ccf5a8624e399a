/**
 * Tables (FILE:COLUMNS): selectors resolved as xsv select resolves them, the CSV/TSV and JSON Lines readers,
 * losses against PyTorch's (fixtures/tables/generate.py), the streamed mean equal bit for bit to the
 * in-memory one, and each table file read once.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBce } from './helpers/run.js';
import { startVmSize } from './helpers/memory.js';
import { spawnAsync } from './helpers/spawn.js';
import { parseSelector, resolveSelector } from '../src/io/select.js';
import { splitMember } from '../src/io/read-tensor.js';
import { InputError } from '../src/errors.js';
import { num, ulpDiff } from './helpers/numbers.js';
import { filesOnlyIo } from './helpers/run.js';
import type { Io, OpenFile } from '../src/io/source.js';
import { readTableFlags } from '../src/io/table-open.js';

const F = 'fixtures/tables';
const dir = mkdtempSync(join(tmpdir(), 'bce-table-'));
let fileNo = 0;
const file = (name: string, content: string) => {
  const p = join(dir, `${fileNo++}-${name}`);
  writeFileSync(p, content);
  return p;
};

const table = (names: string[], header = true) => ({ where: 't.csv', names, header });
const cols = ['id', 'label_0', 'label_1', 'label_2', 'logit_0', 'logit_1', 'logit_2', 'a,b', 'x:y', 'p-q', '7'];
const pick = (sel: string, names = cols, header = true) => resolveSelector(sel, table(names, header));
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('no error');
};

describe('selectors (the syntax of xsv select)', () => {
  it('names, 1-based indices, ranges of names and indices, globs, lists, quoted names', () => {
    expect(pick('id')).toEqual([0]);
    expect(pick('2')).toEqual([1]);
    expect(pick('2-4')).toEqual([1, 2, 3]);
    expect(pick('logit_0-logit_2')).toEqual([4, 5, 6]);
    expect(pick('logit_*')).toEqual([4, 5, 6]);
    expect(pick('label_?,id')).toEqual([1, 2, 3, 0]);
    expect(pick('logit_2,logit_0')).toEqual([6, 4]);
    expect(pick('"a,b"')).toEqual([7]);
    expect(pick('"x:y",id')).toEqual([8, 0]);
    expect(pick('-2')).toEqual([0, 1]);
    expect(pick('10-')).toEqual([9, 10]);
    expect(pick('4-2')).toEqual([3, 2, 1]);
  });

  it('a whole name wins over a range or an index: p-q is the column, 7 is the column named 7', () => {
    expect(pick('p-q')).toEqual([9]);
    expect(pick('7')).toEqual([10]);
    expect(pick('"7"')).toEqual([10]);
  });

  it('a doubled quote inside a quoted name is one quote', () => {
    expect(parseSelector('"say ""hi""",b', 't')).toEqual([
      { kind: 'name', name: 'say "hi"', quoted: true },
      { kind: 'name', name: 'b', quoted: false },
    ]);
  });

  it('errors name the file and the selector: unknown column with a suggestion, no match, out of range', () => {
    expect(refusal(() => pick('logti_0'))).toBe('t.csv:logti_0: no column "logti_0" (did you mean "logit_0"?)');
    expect(refusal(() => pick('zzz'))).toMatch(/^t\.csv:zzz: no column "zzz" \(the columns: "id", "label_0", .*"p-q", "7"\)$/);
    const many = Array.from({ length: 30 }, (_, k) => `column_${k}`);
    expect(refusal(() => pick('zzz', many))).toMatch(/"column_11", \.\.\. \(30 in all\)\)$/);
    expect(refusal(() => pick('score_*'))).toMatch(/^t\.csv:score_\*: "score_\*" matches no column/);
    expect(refusal(() => pick('12'))).toBe('t.csv:12: no column 12: the columns are numbered 1 to 11');
    expect(refusal(() => pick('0'))).toBe('t.csv:0: no column 0: the columns are numbered 1 to 11');
    expect(refusal(() => pick('id,'))).toBe('t.csv:id,: an empty item in the column list');
    expect(refusal(() => pick('"id'))).toMatch(/unterminated quoted name/);
    expect(refusal(() => pick('"id"x'))).toMatch(/expected ',' after the quoted name/);
  });

  it('a headerless table: indices only', () => {
    const names = ['1', '2', '3'];
    expect(pick('2', names, false)).toEqual([1]);
    expect(pick('1-3', names, false)).toEqual([0, 1, 2]);
    expect(refusal(() => pick('logit', names, false))).toBe('t.csv:logit: the file has no header: select its 3 columns by 1-based index (1, 2-5)');
    expect(refusal(() => pick('x*', names, false))).toMatch(/no header/);
  });

  it('property: a list of names and indices picks those columns in the order listed', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (ks, byIndex) => {
        const names = ['a', 'b_1', 'c d', 'e.f', 'g', 'h', 'i'];
        const sel = ks.map((k, j) => (byIndex[j] ? String(k + 1) : names[k])).join(',');
        expect(resolveSelector(sel, table(names))).toEqual(ks);
      }),
    );
  });

  it('property: a glob keeps the file order and matches what a regular expression matches', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[ab_]{1,4}$/), { minLength: 1, maxLength: 8 }), fc.stringMatching(/^[ab_]{0,2}$/), (names, pre) => {
        const want = names.flatMap((n, k) => (n.startsWith(pre) ? [k] : []));
        const f = () => resolveSelector(`${pre}*`, table(names));
        // a name equal to the glob's text is not special here: globs have '*', names from the property do not
        if (want.length === 0) expect(refusal(f)).toMatch(/matches no column/);
        else expect(f()).toEqual(want);
      }),
    );
  });
});

describe('FILE:SEL splitting', () => {
  it('splits after table and archive extensions and after a directory slash, leaves other colons alone', () => {
    expect(splitMember('preds.csv:logit')).toEqual({ path: 'preds.csv', member: 'logit' });
    expect(splitMember('a.TSV:logit_*')).toEqual({ path: 'a.TSV', member: 'logit_*' });
    expect(splitMember('s.jsonl:meta.label')).toEqual({ path: 's.jsonl', member: 'meta.label' });
    expect(splitMember('s.ndjson:x')).toEqual({ path: 's.ndjson', member: 'x' });
    expect(splitMember('p.parquet:"a:b"')).toEqual({ path: 'p.parquet', member: '"a:b"' });
    expect(splitMember('eval/:logit')).toEqual({ path: 'eval/', member: 'logit' });
    expect(splitMember('step.pt:logits')).toEqual({ path: 'step.pt', member: 'logits' });
    expect(splitMember('w.pth:targets')).toEqual({ path: 'w.pth', member: 'targets' });
    expect(splitMember('d.npz:logits')).toEqual({ path: 'd.npz', member: 'logits' });
    expect(splitMember('run:3/logits.csv')).toEqual({ path: 'run:3/logits.csv' });
    expect(splitMember('C:\\data\\x.npy')).toEqual({ path: 'C:\\data\\x.npy' });
    expect(splitMember('d.npz:a/b')).toEqual({ path: 'd.npz:a/b' });
  });
});

interface Case {
  argv: string[];
  torch: { loss: number | number[] | number[][]; grad: number | number[] | number[][]; shape: number[] };
}
const expected = JSON.parse(readFileSync(`${F}/expected.json`, 'utf8')) as { cases: Case[] };

/**
 * Relative 1e-10: PyTorch's float64 element loss, (1 - y) x + log(1 + exp(-x)) in its stable form, loses
 * digits to cancellation where the loss is small (about 1e-4 here, up to 4e-12 relative), which bce does not
 * (its accuracy against an exact reference is tested in kernel.fixtures.test.ts).
 */
const close = (got: number, want: number) => ulpDiff(got, want) <= 8 || Math.abs(got - want) <= 1e-10 * Math.abs(want);

describe('tables against PyTorch (fixtures/tables/expected.json)', () => {
  it.each(expected.cases.map((c) => [c.argv.join(' '), c] as const))('bce %s', async (_name, c) => {
    const argv = c.argv.map((a, k) => (k > 0 && c.argv[k - 1].startsWith('-') && /^[a-z]+\.(csv|tsv|jsonl)/.test(a) ? `${F}/${a}` : a));
    const r = await runBce([...argv, '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { shape: number[]; loss: unknown; grad?: unknown };
    expect(out.shape).toEqual(c.torch.shape);
    const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v === null ? NaN : num(v)]);
    const pairs = (a: unknown, b: unknown) => flat(a).map((x, i) => [x, flat(b)[i]] as const);
    for (const [g, w] of pairs(out.loss, c.torch.loss)) expect(close(g, w), `loss ${g} vs ${w}`).toBe(true);
    if (out.grad !== undefined) for (const [g, w] of pairs(out.grad, c.torch.grad)) expect(close(g, w), `grad ${g} vs ${w}`).toBe(true);
  });
});

/** An Io that counts the files opened, to check that one table is read once. */
function countingIo(): { io: Io; opened: string[] } {
  const opened: string[] = [];
  const io: Io = {
    ...filesOnlyIo,
    openFile: async (path): Promise<OpenFile | undefined> => {
      opened.push(path);
      return filesOnlyIo.openFile(path);
    },
  };
  return { io, opened };
}

describe('read once', () => {
  it('-l, -t and -w of one table: one reader', async () => {
    const { io, opened } = countingIo();
    const p = `${F}/classes.tsv`;
    const got = await readTableFlags(io, [
      { flag: '--logits', value: `${p}:logit_*` },
      { flag: '--targets', value: `${p}:label_*` },
      { flag: '--weight', value: `${p}:sample_weight` },
    ], {});
    expect(opened).toEqual([p]);
    expect(got.get('--logits')?.tensor.shape).toEqual([24, 3]);
    expect(got.get('--weight')?.tensor.shape).toEqual([24]);
    expect(got.get('--targets')?.where).toBe(`${p}:label_*`);
  });

  it('the streamed mean opens the table once and equals the in-memory mean bit for bit', async () => {
    const rows = ['id,label,x,logit'];
    // several batches of rows, and values whose sum is sensitive to the order of additions
    for (let i = 0; i < 150_000; i++) rows.push(`id${i},${i % 3 === 0 ? 1 : 0},zz,${((i * 7919) % 2003) / 97 - 10}`);
    const p = file('big.csv', `${rows.join('\n')}\n`);
    const streamed = await runBce(['-l', `${p}:logit`, '-t', `${p}:label`, '-f', 'json']);
    // --grad computes in memory
    const whole = await runBce(['-l', `${p}:logit`, '-t', `${p}:label`, '-f', 'json', '--grad']);
    expect(streamed.code).toBe(0);
    expect(JSON.parse(streamed.stdout).loss).toBe(JSON.parse(whole.stdout).loss);
    const { io, opened } = countingIo();
    const { computeStreamed } = await import('../src/io/stream.js');
    const { parseArgv } = await import('../src/cli/program.js');
    const inv = parseArgv(['-l', `${p}:logit`, '-t', `${p}:label`]);
    if (inv.kind !== 'compute') throw new Error('not compute');
    const r = await computeStreamed(inv.options, io);
    expect(r?.result.loss).toBe(JSON.parse(whole.stdout).loss);
    expect(opened).toEqual([p]);
  });

  it('JSON Lines streamed: list columns of several batches, bit for bit', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(JSON.stringify({ id: `r${i}`, x: { l: [i % 5, -(i % 7) / 3] }, y: [i % 2, 1 - (i % 2)] }));
    const p = file('big.jsonl', `${lines.join('\n')}\n`);
    const a = await runBce(['-l', `${p}:x.l`, '-t', `${p}:y`, '-f', 'json', '-r', 'sum']);
    const b = await runBce(['-l', `${p}:x.l`, '-t', `${p}:y`, '-f', 'json', '-r', 'sum', '--grad']);
    expect(a.stderr).toBe('');
    expect(JSON.parse(a.stdout).shape).toEqual([40_000, 2]);
    expect(JSON.parse(a.stdout).loss).toBe(JSON.parse(b.stdout).loss);
  });
});

describe('readers', () => {
  it('CSV: an id column of text is never parsed; quoted header names; TSV; comments and blank lines before the header', async () => {
    const p = file('q.csv', '# made by a test\n\n"name, full","label:1",logit\n"x,y",1,0.5\n\'q\',0,-1\n');
    const r = await runBce(['-l', `${p}:logit`, '-t', `${p}:"label:1"`, '-r', 'none', '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).shape).toEqual([2]);
    const t = file('t.tsv', 'a\tb\n1\t0.5\n0\t2\n');
    const s = await runBce(['-l', `${t}:b`, '-t', `${t}:a`, '-r', 'none', '-f', 'json']);
    expect(JSON.parse(s.stdout).shape).toEqual([2]);
  });

  it('CSV: a header of numbers is data unless --header says otherwise', async () => {
    const p = file('n.csv', '1,0.5\n0,2\n');
    const a = await runBce(['-l', `${p}:2`, '-t', `${p}:1`, '-f', 'json', '-r', 'none']);
    expect(JSON.parse(a.stdout).shape).toEqual([2]);
    const b = await runBce(['-l', `${p}:2`, '-t', `${p}:1`, '-f', 'json', '-r', 'none', '--header']);
    expect(JSON.parse(b.stdout).shape).toEqual([1]);
  });

  it('JSON Lines: bare NaN/Infinity, numeric strings, nested fields, key order free, blank lines, CRLF', async () => {
    const p = file('s.jsonl', '{"a": {"b": NaN}, "y": 1}\r\n\r\n{"y": "0", "a": {"b": -Infinity}}\r\n');
    const r = await runBce(['-l', `${p}:a.b`, '-t', `${p}:y`, '-r', 'none', '-f', 'json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.shape).toEqual([2]);
  });

  it('JSON Lines named without a field: the field named like the role, as an archive member is picked', async () => {
    const p = file('r.jsonl', '{"logits": [1, 2], "targets": [1, 0]}\n{"logits": [0, -2], "targets": [0, 1]}\n');
    const a = await runBce(['-l', p, '-t', p, '-f', 'json']);
    const b = await runBce(['-l', `${p}:logits`, '-t', `${p}:targets`, '-f', 'json', '--grad']);
    expect(a.stderr).toBe('');
    expect(JSON.parse(a.stdout).loss).toBe(JSON.parse(b.stdout).loss);
    const c = await runBce(['-l', `${F}/samples.jsonl`, '-t', `${F}/samples.jsonl`]);
    expect(c.stderr).toMatch(/^bce: fixtures\/tables\/samples\.jsonl:targets: no column "targets" \(the columns: "id", "logits", "labels"/);
  });

  it('an empty table gives an empty tensor', async () => {
    const p = file('e.csv', 'label,logit\n');
    const r = await runBce(['-l', `${p}:logit`, '-t', `${p}:label`, '-r', 'sum', '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ shape: [0], loss: 0 });
  });
});

describe('progress', () => {
  const recorder = () => {
    const calls: string[] = [];
    let added = 0;
    const progress = (total: number) => {
      calls.push(`start ${total}`);
      return { add: (n: number) => void (added += n), finish: () => void calls.push('finish') };
    };
    return { calls, progress, added: () => added };
  };

  it.each(['csv', 'jsonl'])('a %s table reports every byte of the file, then the end, also when the read fails', async (ext) => {
    const rows = ext === 'csv' ? ['a,b', ...Array.from({ length: 50_000 }, (_, i) => `${i % 2},${i}`)] : Array.from({ length: 50_000 }, (_, i) => `{"a": ${i % 2}, "b": ${i}}`);
    const text = `${rows.join('\n')}\n`;
    const p = file(`p.${ext}`, text);
    const r = recorder();
    const got = await readTableFlags(filesOnlyIo, [{ flag: '--logits', value: `${p}:b` }, { flag: '--targets', value: `${p}:a` }], { progress: r.progress });
    expect(got.get('--logits')?.tensor.shape).toEqual([50_000]);
    expect(r.calls).toEqual([`start ${text.length}`, 'finish']);
    expect(r.added()).toBe(text.length);
    const badText = text.replace(ext === 'csv' ? '1,49999' : '"b": 49999', ext === 'csv' ? '1,x' : '"b": "x"');
    const bad = file(`bad.${ext}`, badText);
    const f = recorder();
    await expect(readTableFlags(filesOnlyIo, [{ flag: '--logits', value: `${bad}:b` }], { progress: f.progress })).rejects.toThrow(InputError);
    expect(f.calls).toEqual([`start ${badText.length}`, 'finish']);
  });
});

describe('memory: a table streams in bounded memory', () => {
  const prlimit = spawnSync('prlimit', ['--version']).status === 0;
  const time = existsSync('/usr/bin/time');
  const vmSize = startVmSize;

  // Under the ceiling the engine cannot reserve a WebAssembly memory, so the JS loops run; the failed
  // reservation itself leaves about 50 MiB more resident, hence the two bounds.
  it.skipIf(!prlimit || !time)('a 140 MB id,label,logit CSV: mean with peak RSS < 100 MiB, and under an address-space ceiling of start + 512 MiB < 150 MiB', async () => {
    const p = join(dir, 'huge.csv');
    const fd = openSync(p, 'w');
    writeSync(fd, 'id,label,logit\n');
    const logit = Array.from({ length: 1999 }, (_, k) => `,${k / 99 - 10}\n`);
    let s = '';
    for (let i = 0; i < 4_000_000; i++) {
      s += `sample-${i},${i % 3 === 0 ? 1 : 0}${logit[i % 1999]}`;
      if (s.length > 1 << 20) {
        writeSync(fd, s);
        s = '';
      }
    }
    writeSync(fd, s);
    closeSync(fd);
    const ceiling = vmSize() + 512 * 2 ** 20;
    const bce = [process.execPath, 'bin/bce.cjs', '-l', `${p}:logit`, '-t', `${p}:label`, '--json'];
    // the two runs are independent processes, each measured on its own
    const runs = await Promise.all(
      ([[[], 100], [['prlimit', `--as=${ceiling}`], 150]] as const).map(async ([limit, bound], k) => {
        const report = join(dir, `time-${k}.txt`);
        const r = await spawnAsync('/usr/bin/time', ['-o', report, '-f', '%M', ...limit, ...bce], { timeout: 80_000 });
        return { r, bound, kib: Number(readFileSync(report, 'utf8').trim().split('\n').pop()) };
      }),
    );
    const losses: number[] = [];
    for (const { r, bound, kib } of runs) {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).shape).toEqual([4_000_000]);
      losses.push(JSON.parse(r.stdout).loss);
      expect(kib * 1024).toBeLessThan(bound * 2 ** 20);
    }
    // the WebAssembly and the JS loops agree within the kernel's bounds
    expect(Math.abs(losses[0] - losses[1])).toBeLessThanOrEqual(4 * Number.EPSILON * losses[0]);
  }, 180_000);
});
