/**
 * The bad-input corpus (fixtures/bad/) through the whole CLI, in-process: every case exits 2 with one
 * line on stderr naming the file and the place, prints nothing on stdout and writes no -o file.
 * The messages are pinned by snapshot, so a change of wording is deliberate.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBce } from './helpers/run.js';

const T = 'fixtures/bad/text';
const B = 'fixtures/bad/binary';
const ok = 'fixtures/examples';

const cases: [string, string[], string?][] = [
  // CSV as logits
  ['ragged row', ['-l', `${T}/ragged.csv`, '-t', `${T}/ragged.csv`]],
  ['empty cell', ['-l', `${T}/empty-cell.csv`, '-t', `${ok}/targets.csv`]],
  ['not a number', ['-l', `${T}/not-a-number.csv`, '-t', `${ok}/targets.csv`]],
  ['hex', ['-l', `${T}/hex.csv`, '-t', `${ok}/targets.csv`]],
  ['trailing junk', ['-l', `${T}/trailing-junk.csv`, '-t', `${ok}/targets.csv`]],
  ['underscore', ['-l', `${T}/underscore.csv`, '-t', `${ok}/targets.csv`]],
  ['unclosed quote', ['-l', `${T}/unclosed-quote.csv`, '-t', `${ok}/targets.csv`]],
  ['empty CSV', ['-l', `${T}/empty.csv`, '-t', `${ok}/targets.csv`]],
  ['invalid UTF-8', ['-l', `${T}/latin1.csv`, '-t', `${ok}/targets.csv`]],
  // input that would drive a terminal: echoed escaped
  ['a cell with an ANSI colour sequence', ['-l', `${T}/ansi-cell.csv`, '-t', `${ok}/targets.csv`]],
  ['a cell that sets the terminal title (OSC)', ['-l', `${T}/osc-title.csv`, '-t', `${ok}/targets.csv`]],
  ['a cell with a NUL', ['-l', `${T}/nul-cell.csv`, '-t', `${ok}/targets.csv`]],
  ['a JSON string element with control characters', [`${T}/control-string.json`]],
  ['a JSON key with control characters', [`${T}/control-key.json`]],
  ['a JSON value with C1, CR, a line separator and a bidi override', [`${T}/control-value.json`]],
  ['a raw ESC in JSON', [`${T}/raw-escape.json`]],
  // JSON bundles and tensors
  ['empty JSON', [`${T}/empty.json`]],
  ['garbage JSON', [`${T}/garbage.json`]],
  ['truncated JSON', [`${T}/truncated.json`]],
  ['ragged JSON', ['-l', `${T}/ragged.json`, '-t', `${T}/ragged.json`]],
  ['a string element', ['-l', `${T}/string-element.json`, '-t', `${T}/string-element.json`]],
  ['unknown key', [`${T}/unknown-key.json`]],
  ['__proto__ key', [`${T}/proto.json`]],
  ['bad reduction in a bundle', [`${T}/bad-reduction.json`]],
  ['legacy flag as a string', [`${T}/legacy-string.json`]],
  ['a tensor where a bundle is expected', [`${T}/tensor-not-bundle.json`]],
  // shapes
  ['targets of another shape', [`${T}/shape-mismatch.json`]],
  ['targets (N,) against logits (N, 1)', ['-l', `${T}/logits-N1.json`, '-t', `${T}/targets-N.json`]],
  ['pos_weight of the wrong length', [`${T}/pos-weight-length.json`]],
  ['weight that would enlarge the logits', [`${T}/weight-enlarges.json`]],
  ['a weight list that does not broadcast', ['-l', `${ok}/logits.csv`, '-t', `${ok}/targets.csv`, '-w', '1,2,3,4']],
  // binary files through the CLI
  ['truncated npy data', ['-l', `${B}/truncated-data.npy`, '-t', `${ok}/targets.csv`]],
  ['complex npy', ['-l', `${B}/complex.npy`, '-t', `${ok}/targets.csv`]],
  ['garbage npz', [`${B}/not-a-zip.npz`]],
  ['npz with a bad CRC', [`${B}/bad-crc.npz`]],
  ['safetensors with bad offsets', [`${B}/st-bad-offsets.safetensors`]],
  // partials for bce merge
  ['merge: partials of two reductions', ['merge', `${T}/partial-reductions.partial`]],
  ['merge: partials of two row shapes', ['merge', `${T}/partial-shapes.partial`]],
  ['merge: a partial of another version', ['merge', `${T}/partial-version.partial`]],
  ['merge: a count that is not rows x shape', ['merge', `${T}/partial-count.partial`]],
  ['merge: per-class sums for 2 classes of 3', ['merge', `${T}/partial-per-class.partial`]],
  ['merge: a line with an ANSI sequence and a BEL', ['merge', `${T}/partial-control.partial`]],
  // the command line
  ['a missing file', ['-l', 'no/such/file.csv', '-t', `${ok}/targets.csv`]],
  ['a directory', ['-l', 'fixtures', '-t', `${ok}/targets.csv`]],
  ['stdin asked for twice', ['-l', '-', '-t', '-'], '1,2\n'],
  ['no input at all', []],
  ['targets but no logits, and stdin empty', ['-t', `${ok}/targets.csv`], ''],
  ['a mistyped command', ['explian']],
  ['a missing bundle that is no command', ['hello']],
];

describe('bad inputs: exit 2, one line naming the place, nothing on stdout', () => {
  it.each(cases)('%s', async (_name, argv, stdin) => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-bad-'));
    const out = join(dir, 'out.json');
    const r = await runBce([...argv, '-o', out], { stdin });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.files.size).toBe(0);
    expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(/^bce: /);
    expect(r.stderr.slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]/);
    expect(r.stderr).toMatchSnapshot();
  });

  it('JSON nested 200,000 deep is refused without a stack overflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bce-bad-'));
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, `{"logits": ${'['.repeat(200000)}1${']'.repeat(200000)}, "targets": [1]}`);
    const r = await runBce([deep]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.replace(dir, '<tmp>')).toMatchInlineSnapshot(`
      "bce: <tmp>/deep.json:1:76: logits[0][0][0][0][0][0][0][0]...(depth 64): nested deeper than 64 levels (a tensor has at most 64 dimensions)
      "
    `);
  });

  it('every file in the text corpus is used by a case', () => {
    const used = new Set(cases.flatMap(([, argv]) => argv));
    for (const f of readdirSync(T)) expect(used.has(`${T}/${f}`), f).toBe(true);
  });
});
