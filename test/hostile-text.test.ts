/**
 * Text inputs written to hurt: escape sequences and control characters echoed in messages, huge strings,
 * and cells and tokens long enough to make a reader slow or hungry. Every message is one short line with
 * no raw control character; a long cell or token is refused as soon as it is seen, in each CSV engine, in
 * JSON, and when streaming.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECHO_MAX, NAME_MAX, printable, printableName, quote, sanitizeDiagnostic, withSafeWarn } from '../src/errors.js';
import { parseNumber } from '../src/io/number.js';
import { parseJson } from '../src/io/json.js';
import { parseArgv } from '../src/cli/program.js';
import { computeStreamed } from '../src/io/stream.js';
import type { Io } from '../src/io/source.js';
import { InputError } from '../src/errors.js';
import { viaCsvParse, viaFast } from './helpers/csv-fuzz.js';
import { filesOnlyIo, runBce } from './helpers/run.js';
import { writeBig } from './helpers/big-file.js';
import { spawnAsync } from './helpers/spawn.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bce-hostile-'));
let fileNo = 0;
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, `${fileNo++}-${name}`);
  writeFileSync(p, content);
  return p;
};

// what a terminal may act on: C0 (with NUL, BEL, ESC, CR, LF, tab), DEL, C1, line separators, bidi overrides
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** One line on stderr, short, with nothing a terminal would act on. */
function expectSafeLine(stderr: string, maxLength = 300): void {
  expect(stderr.endsWith('\n')).toBe(true);
  const line = stderr.slice(0, -1);
  expect(line).not.toContain('\n');
  expect(line).not.toMatch(UNSAFE);
  expect(line.length).toBeLessThan(maxLength);
}

/** Reads back a quote() or printable() text the way Python reads a repr's escapes (written for the test). */
function unescape(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt\\'"])/g, (_, e: string) => {
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
  });
}

// any UTF-16 code units, lone surrogates included
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 300 });

describe('the escaper', () => {
  it('writes what Python repr writes for control characters, quotes and backslashes', () => {
    // expected values from Python 3: repr('a\x1b[31mb'), repr("\x00\x07\x7f\x9b\\'x"), repr('it\'s "q"'), repr('\u2028\ud800')
    expect(quote('a\x1b[31mb')).toBe("'a\\x1b[31mb'");
    expect(quote("\x00\x07\x7f\x9b\\'x")).toBe('"\\x00\\x07\\x7f\\x9b\\\\\'x"');
    expect(quote('it\'s "q"')).toBe("'it\\'s \"q\"'");
    expect(quote('\u2028\ud800')).toBe("'\\u2028\\ud800'");
    expect(quote('tab\there\r\n')).toBe("'tab\\there\\r\\n'");
    // a surrogate pair is a character, kept whole
    expect(quote('\ud83d\ude00')).toBe("'\ud83d\ude00'");
  });

  it('cuts after ECHO_MAX characters with ... and never splits an escape', () => {
    const long = 'x'.repeat(10_000_000);
    const q = quote(long);
    expect(q).toBe(`'${'x'.repeat(ECHO_MAX)}'...`);
    expect(quote('\x1b'.repeat(100))).toBe(`'${'\\x1b'.repeat(ECHO_MAX / 4)}'...`);
    expect(printable(`ab${'\x07'.repeat(40)}`, 9)).toBe('ab\\x07...');
  });

  it('property: no control character, bounded length, and what is shown reads back as the input', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 8, max: 120 }), (text, max) => {
        for (const shown of [quote(text, max), printable(text, max), printableName(text)]) expect(shown).not.toMatch(UNSAFE);
        const q = quote(text, max);
        const cut = q.endsWith('...') && text.length > 0 && !q.endsWith(`${q[0]}`);
        expect(q.length).toBeLessThanOrEqual(max + 2 + (cut ? 3 : 0));
        const inner = cut ? q.slice(1, -4) : q.slice(1, -1);
        const back = unescape(inner);
        if (cut) expect(text.startsWith(back)).toBe(true);
        else expect(back).toBe(text);
        const p = printable(text, max);
        expect(p.length).toBeLessThanOrEqual(max + 3);
        const name = printableName(text);
        expect(name.length).toBeLessThanOrEqual(NAME_MAX + 3);
      }),
      { numRuns: 2000 },
    );
  });

  it('a long name keeps its start and its end (the file name)', () => {
    const name = `/${'d'.repeat(300)}/logits\x1b.csv`;
    const shown = printableName(name);
    expect(shown.startsWith('/ddd')).toBe(true);
    expect(shown.endsWith('/logits\\x1b.csv')).toBe(true);
    expect(shown).toContain('...');
    expect(shown.length).toBeLessThanOrEqual(NAME_MAX + 3);
  });

  it('the last guard escapes a control character left in a diagnostic, line ends included', () => {
    // one line: a raw line end is escaped too (a multi-line text is warned a line at a time)
    expect(sanitizeDiagnostic('bce: a\x1b]0;x\x07b\nat f (x.ts:1)')).toBe('bce: a\\x1b]0;x\\x07b\\nat f (x.ts:1)');
    const lines: string[] = [];
    const io = withSafeWarn({ warn: (l: string) => lines.push(l), other: 1 });
    io.warn('x\x9by');
    expect(lines).toEqual(['x\\x9by']);
    expect(io.other).toBe(1);
  });

  it.each([
    ['a weight list with a line end', ['fixtures/examples/seed.json', '-w', '1,\n2']],
    ['an -o path with a line end', ['fixtures/examples/seed.json', '-o', 'no/such/dir/x\ny.json']],
    ['a choice with a line end', ['fixtures/examples/seed.json', '--color', 'a\nb']],
  ])('%s: the message stays one line', (_name, argv) => {
    // -o fails only in the real process (runBce's -o writes nowhere)
    const real = spawnSync(process.execPath, ['bin/bce.cjs', ...argv], { encoding: 'utf8' });
    const r = { code: real.status, stderr: real.stderr };
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain('\\n');
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('('))).toHaveLength(2);
  });
});

describe('echoed input in messages', () => {
  it('a file name with ESC and BEL in it, missing and malformed', async () => {
    const bad = file('bad\x1b]0;pwned\x07.csv', '1,abc\n');
    for (const argv of [['-l', bad, '-t', bad], ['-l', join(dir, 'no\x1b[2J.csv'), '-t', bad]]) {
      const r = await runBce(argv);
      expect(r.code).toBe(2);
      expectSafeLine(r.stderr);
      expect(r.stderr).toMatch(/bad\\x1b\]0;pwned\\x07\.csv|no\\x1b\[2J\.csv/);
    }
    const r = await runBce(['-l', bad, '-t', bad]);
    expect(r.stderr.replace(dir, '<tmp>').replace(/\/\d+-/, '/')).toMatchInlineSnapshot(`
      "bce: <tmp>/bad\\x1b]0;pwned\\x07.csv:1:3: 'abc' is not a number
      "
    `);
  });

  it('a 10 MB JSON string as an element, a key and a value: one short line', async () => {
    const big = '\x1b'.repeat(10) + 'y'.repeat(10_000_000);
    const cases = [
      `{"logits": ["${big}"], "targets": [1]}`,
      `{"${big}": 1}`,
      `{"logits": [1], "targets": [1], "reduction": "${big}"}`,
      `[1, ${'z'.repeat(10_000_000)}]`,
    ].map((text, k) => file(`big${k}.json`, text.replaceAll('\x1b', '\\u001b')));
    const messages: string[] = [];
    for (const f of cases) {
      const r = await runBce(f.endsWith('big3.json') ? ['-l', f, '-t', f] : [f]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expectSafeLine(r.stderr);
      messages.push(r.stderr.replace(dir, '<tmp>').replace(/\/\d+-/, '/'));
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "bce: <tmp>/big0.json:1:13: logits[0]: string too long: 1101+ characters, and a string here (a number or a name) has at most 1100
      ",
        "bce: <tmp>/big1.json:1:2: string too long: 1101+ characters, and a string here (a number or a name) has at most 1100
      ",
        "bce: <tmp>/big2.json:1:46: reduction: string too long: 1101+ characters, and a string here (a number or a name) has at most 1100
      ",
        "bce: <tmp>/big3.json:1:5: [1]: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'... is not a number
      ",
      ]
    `);
  });

  it('a string of 1100 characters is still read; 1101 is refused', () => {
    const ok = `"${'1'.repeat(1099)}5"`;
    expect(parseJson(`[${ok}]`, 'x.json')).toMatchObject({ kind: 'tensor' });
    expect(() => parseJson(`["${'1'.repeat(1101)}"]`, 'x.json')).toThrow(/x.json:1:2: \[0\]: string too long/);
    expect(() => parseJson(`[${'1'.repeat(1101)}]`, 'x.json')).toThrow(/x.json:1:2: \[0\]: number too long/);
    // escapes count as written
    expect(() => parseJson(`["${'\\n'.repeat(551)}"]`, 'x.json')).toThrow(/string too long/);
  });
});

describe('long cells and tokens are refused as soon as they are seen', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const long = '9'.repeat(1101);

  it('both CSV engines give the same message at the same place', async () => {
    const cases: [string, string, { delimiter?: string }?][] = [
      [`1,2\n3,${long}\n`, 'x.csv:2:3'],
      [`# comment\n  ${long}  ,1\n`, 'x.csv:2:3'],
      [`\ufeff${long}\n`, 'x.csv:1:1'],
      [`1 2\n3   ${long}\n`, 'x.csv:2:5'],
      [`1\t2\r\n3\t${long}\r\n`, 'x.csv:2:3'],
      // a ragged row before it comes first, in the file's order
      [`1,2\n3\n4,${long}\n`, 'x.csv:2:2'],
      // a cell that is not a number before it does not
      [`1,2\nx,2\n4,${long}\n`, 'x.csv:3:3'],
      // the header too
      [`a,${long}\n1,2\n`, 'x.csv:1:3'],
      // 1100 bytes of UTF-8 in 550 characters
      [`1,${'é'.repeat(551)}\n`, 'x.csv:1:3'],
    ];
    for (const [text, where] of cases) {
      const fast = await viaFast(enc(text), {});
      const slow = viaCsvParse(enc(text), {});
      expect(slow).toEqual(fast.kind === 'fallback' ? slow : fast);
      expect(slow.kind).toBe('error');
      if (slow.kind === 'error') expect(slow.message).toMatch(new RegExp(`^${where}: (cell too long: 1101\\+ bytes|ragged row)`));
    }
    // a quoted cell, for csv-parse alone: its line end belongs to it
    const quoted = viaCsvParse(enc(`1,2\n"3\n${'4'.repeat(1100)}",5\n`), {});
    expect(quoted).toEqual({ kind: 'error', message: 'x.csv:2:1: cell too long: 1101+ bytes, and a number has at most 1100' });
    // 1100 bytes are a cell
    const ok = await viaFast(enc(`1,${'1'.repeat(1100)}\n`), {});
    expect(ok.kind).toBe('ok');
    expect(viaCsvParse(enc(`1,${'1'.repeat(1100)}\n`), {}).kind).toBe('ok');
  });

  it('the number grammar takes linear time on a long run of digits that fails', () => {
    const t0 = performance.now();
    expect(parseNumber(`${'1'.repeat(200_000)}-`)).toBeUndefined();
    // linear: a few ms; the quadratic grammar took 14.5 s at half this length, so this bound tells them apart
    // even on a busy machine
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  const io: Io = filesOnlyIo;
  /** The streaming reader's message (never re-read in memory). */
  async function streamError(logits: string, targets: string): Promise<string> {
    const inv = parseArgv(['-l', logits, '-t', targets]);
    if (inv.kind !== 'compute') throw new Error('not a compute');
    try {
      await computeStreamed(inv.options, io, 0);
    } catch (e) {
      if (e instanceof InputError) return e.message.replace(dir, '<tmp>');
      throw e;
    }
    return 'no error';
  }

  it('when streaming: in the first line, after lines, in a line longer than the read buffer', async () => {
    const t = file('t.csv', '1\n');
    const rows = '1,2\n'.repeat(300_000); // 1.2 MB: the long cell starts past the first read
    const cases = [
      file('first.csv', `${'7'.repeat(5_000_000)}\n`),
      file('later.csv', `${rows}3,  ${'7'.repeat(5_000_000)}\n`),
      file('wide.csv', `${rows}${'1,'.repeat(1_000_000)}${'7'.repeat(5_000_000)}\n`),
      file('first-x.csv', `# a comment\n${'x'.repeat(5_000_000)}\n`),
    ];
    const got: string[] = [];
    for (const c of cases) {
      const t0 = performance.now();
      got.push(await streamError(c, t));
      expect(performance.now() - t0).toBeLessThan(10_000);
    }
    expect(got.map((m) => m.replace(/\/\d+-/, '/'))).toEqual([
      '<tmp>/first.csv:1:1: cell too long: 1101+ bytes, and a number has at most 1100',
      '<tmp>/later.csv:300001:5: cell too long: 1101+ bytes, and a number has at most 1100',
      '<tmp>/wide.csv:300001:2000001: cell too long: 1101+ bytes, and a number has at most 1100',
      '<tmp>/first-x.csv:2:1: cell too long: 1101+ bytes, and a number has at most 1100',
    ]);
  });

  it('when streaming a flat JSON array: long strings, numbers, and a word or blanks longer than the read buffer', async () => {
    const t = file('t.json', '[1]');
    const t2 = file('t2.json', '[1, 0]');
    const got = [
      await streamError(file('s.json', `[1, "${'1'.repeat(5000)}"]`), t),
      await streamError(file('n.json', `[1, ${'1'.repeat(5000)}]`), t),
      await streamError(file('w.json', `[1, ${'z'.repeat(3_000_000)}]`), t),
      await streamError(file('v.json', `[1,\n ${'z'.repeat(3_000_000)}@]`), t),
      await streamError(file('b.json', `[1, 2${' '.repeat(3_000_000)}]`), t2),
      await streamError(file('c.json', `[1, 2${' '.repeat(3_000_000)}]x`), t2),
    ];
    expect(got.map((m) => m.replace(/\/\d+-/, '/'))).toEqual([
      '<tmp>/s.json:1:5: [1]: string too long: 1101+ characters, and a string here (a number or a name) has at most 1100',
      '<tmp>/n.json:1:5: [1]: number too long: 1101+ characters, and a number has at most 1100',
      `<tmp>/w.json:1:5: [1]: '${'z'.repeat(80)}'... is not a number`,
      `<tmp>/v.json:2:2: [1]: '${'z'.repeat(40)}' is not a number or JSON value`,
      'no error',
      "<tmp>/c.json:1:3000007: expected the end of the input after the JSON value, found 'x'",
    ]);
  });
});

describe('100 MB cells and strings, through the CLI under a 2 GB address-space ceiling', () => {
  // before the bound, the 100 MB cell took 54 s and 3.6 GB of RSS and fails under this ceiling
  const LIMIT_KB = 2_000_000;
  const big = mkdtempSync(join(tmpdir(), 'bce-hostile-big-'));
  const run = async (args: string[]) => {
    const t0 = performance.now();
    const r = await spawnAsync('sh', ['-c', `ulimit -v ${LIMIT_KB} && exec "$0" "$@"`, process.execPath, join(root, 'bin/bce.cjs'), ...args], {
      cwd: big,
      timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - t0) / 1000 };
  };

  it('a 100 MB CSV cell (both engines) and a 100 MB JSON string and number', async () => {
    try {
      writeFileSync(join(big, 't.csv'), '1\n');
      const digits = { byte: 0x31, length: 100_000_000 }; // '1'
      writeBig(join(big, 'cell.csv'), [digits]);
      writeBig(join(big, 'str.json'), [Buffer.from('{"logits": ["'), digits, Buffer.from('"], "targets": [1]}')]);
      writeBig(join(big, 'num.json'), [Buffer.from('{"logits": ['), digits, Buffer.from('], "targets": [1]}')]);
      const cases: [string[], string][] = [
        [['-l', 'cell.csv', '-t', 't.csv'], 'bce: cell.csv:1:1: cell too long: 1101+ bytes, and a number has at most 1100\n'],
        [['-l', 'cell.csv', '-t', 't.csv', '--csv-engine', 'csv-parse'], 'bce: cell.csv:1:1: cell too long: 1101+ bytes, and a number has at most 1100\n'],
        [['-l', 'cell.csv', '-t', 't.csv', '--grad', '-r', 'none'], 'bce: cell.csv:1:1: cell too long: 1101+ bytes, and a number has at most 1100\n'],
        [['str.json'], 'bce: str.json:1:13: logits[0]: string too long: 1101+ characters, and a string here (a number or a name) has at most 1100\n'],
        [['num.json'], 'bce: num.json:1:13: logits[0]: number too long: 1101+ characters, and a number has at most 1100\n'],
      ];
      // independent processes, each under its own ceiling, run side by side
      const results = await Promise.all(cases.map(([args]) => run(args)));
      for (const [k, [, message]] of cases.entries()) {
        const r = results[k];
        expect(r.stderr).toBe(message);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        // about 0.5 s alone; generous for a busy 2-core machine
        expect(r.seconds).toBeLessThan(30);
      }
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  }, 240_000);
});
