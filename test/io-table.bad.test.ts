/**
 * Bad tables (fixtures/bad/tables/*) through the whole CLI: exit 2, one line naming the file, the place and
 * the selector or field, nothing on stdout, no -o file; and the table readers fuzzed: any mutation of a good
 * table gives tensors or an InputError, nothing else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesOnlyIo, runBce } from './helpers/run.js';
import { fuzzRuns } from './helpers/fuzz.js';
import { readTableFlags } from '../src/io/table-open.js';
import { InputError } from '../src/errors.js';

const T = 'fixtures/bad/tables';
const G = 'fixtures/tables';

/** stderr of a refused run, after the checks every refusal must pass. */
async function refusal(argv: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bce-badtable-'));
  const r = await runBce([...argv, '-o', join(dir, 'out.json')]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.files.size).toBe(0);
  expect(r.stderr.split('\n')).toHaveLength(2);
  expect(r.stderr.slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  return r.stderr.slice(0, -1);
}

describe('bad tables: exit 2, one line naming the file, the place and the column', () => {
  it('an unknown column, with a suggestion', async () => {
    expect(await refusal(['-l', `${G}/preds.csv:logti`, '-t', `${G}/preds.csv:label`])).toMatchInlineSnapshot(`"bce: fixtures/tables/preds.csv:logti: no column "logti" (did you mean "logit"?)"`);
  });
  it('a glob that matches nothing', async () => {
    expect(await refusal(['-l', `${G}/classes.tsv:score_*`, '-t', `${G}/classes.tsv:label_*`])).toMatchInlineSnapshot(`"bce: fixtures/tables/classes.tsv:score_*: "score_*" matches no column (the columns: "id", "label_0", "label_1", "label_2", "logit_0", "logit_1", "logit_2", "sample_weight")"`);
  });
  it('10 logit columns against 9 label columns: mismatched counts, in memory and streamed', async () => {
    const args = ['-l', `${G}/classes.tsv:logit_*`, '-t', `${G}/classes.tsv:label_0-label_1`];
    expect(await refusal(args)).toMatchInlineSnapshot(`"bce: fixtures/tables/classes.tsv:label_0-label_1: selects 2 values per row, and fixtures/tables/classes.tsv:logit_* (the logits) 3 values per row"`);
    expect(await refusal([...args, '--grad'])).toBe(await refusal(args));
  });
  it('a non-numeric cell in a selected column: its row and column name', async () => {
    expect(await refusal(['-l', `${T}/not-a-number.csv:logit`, '-t', `${T}/not-a-number.csv:label`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/not-a-number.csv:3:5: row 2, column "logit": 'abc' is not a number"`);
  });
  it('a cell with a terminal escape, echoed escaped', async () => {
    expect(await refusal(['-l', `${T}/ansi.csv:logit`, '-t', `${T}/ansi.csv:label`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/ansi.csv:2: a control character: a table's cells are read by the fast CSV engine, which does not read it"`);
  });
  it('a ragged row', async () => {
    expect(await refusal(['-l', `${T}/ragged.csv:logit`, '-t', `${T}/ragged.csv:label`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/ragged.csv:3:4: ragged row: 2 fields where the rows before it have 3"`);
  });
  it('a quoted cell that does not close on its line', async () => {
    expect(await refusal(['-l', `${T}/open-quote.csv:logit`, '-t', `${T}/open-quote.csv:label`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/open-quote.csv:2:1: a quoted cell that does not end before the next delimiter or the line end"`);
  });
  it('a headerless CSV selected by name', async () => {
    expect(await refusal(['-l', `${G}/plain.csv:logit`, '-t', `${G}/plain.csv:1`])).toMatchInlineSnapshot(`"bce: fixtures/tables/plain.csv:logit: the file has no header: select its 2 columns by 1-based index (1, 2-5)"`);
  });
  it('JSON Lines: a syntax error names the line', async () => {
    expect(await refusal(['-l', `${T}/syntax.jsonl:logits`, '-t', `${T}/syntax.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/syntax.jsonl:2:19: expected ',' or '}' after the field "logits", found a string"`);
  });
  it('JSON Lines: a missing field', async () => {
    expect(await refusal(['-l', `${T}/missing-field.jsonl:logits`, '-t', `${T}/missing-field.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/missing-field.jsonl:2: no field "labels" (the first row has it)"`);
  });
  it('JSON Lines: a list of another length than the first row', async () => {
    expect(await refusal(['-l', `${T}/list-length.jsonl:logits`, '-t', `${T}/list-length.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/list-length.jsonl:2:20: logits: 3 values where the first row has 2"`);
  });
  it('JSON Lines: a string where a number is', async () => {
    expect(await refusal(['-l', `${T}/string.jsonl:logits`, '-t', `${T}/string.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/string.jsonl:2:12: logits: expected a number, found 'high'"`);
  });
  it('JSON Lines: a string with terminal escapes, echoed escaped', async () => {
    expect(await refusal(['-l', `${T}/escape.jsonl:logits`, '-t', `${T}/escape.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/escape.jsonl:2:12: logits: expected a number, found '\\x1b]0;pwned\\x07'"`);
  });
  it('JSON Lines: a line that is not an object', async () => {
    expect(await refusal(['-l', `${T}/not-object.jsonl:logits`, '-t', `${T}/not-object.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/not-object.jsonl:2:1: expected an object, found an array (JSON Lines hold one object per line)"`);
  });
  it('JSON Lines: text after the object', async () => {
    expect(await refusal(['-l', `${T}/trailing.jsonl:logits`, '-t', `${T}/trailing.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/trailing.jsonl:2:39: expected the end of the line after the object, found 'x'"`);
  });
  it('JSON Lines: an empty file', async () => {
    expect(await refusal(['-l', `${T}/empty.jsonl:logits`, '-t', `${T}/empty.jsonl:labels`])).toMatchInlineSnapshot(`"bce: fixtures/bad/tables/empty.jsonl: no rows: the JSON Lines file is empty"`);
  });
  it('a missing table file', async () => {
    expect(await refusal(['-l', 'no/such.csv:logit', '-t', 'no/such.csv:label'])).toMatchInlineSnapshot(`"bce: no/such.csv: no such file"`);
  });
  it('every file in fixtures/bad/tables is used by a case', () => {
    const text = readFileSync('test/io-table.bad.test.ts', 'utf8');
    for (const f of readdirSync(T)) expect(text.includes(`/${f}:`), f).toBe(true);
  });
});

describe('fuzz: mutated tables give tensors or an InputError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bce-fuzztable-'));
  const bases: [string, string, string][] = [
    ['csv', 'id,"a,b",label,logit\n"x",1,1,0.5\n"y,z",2,0,-1e3\nw,3,1,NaN\n', 'label,logit'],
    ['jsonl', '{"id": "a", "x": {"l": [1, 2.5]}, "y": [1, 0], "t": "s"}\n{"id": "b", "x": {"l": [NaN, -3]}, "y": [0, "1"], "t": [1, {"u": null}]}\n', 'x.l'],
  ];
  it.each(bases)('%s', async (ext, base, selector) => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: base.length }), fc.integer({ min: 0, max: 6 }), fc.string({ maxLength: 4 }), async (at, cut, insert) => {
        const p = join(dir, `m${n++}.${ext}`);
        writeFileSync(p, base.slice(0, at) + insert + base.slice(at + cut));
        try {
          const got = await readTableFlags(filesOnlyIo, [{ flag: '--logits', value: `${p}:${selector}` }, { flag: '--targets', value: `${p}:${ext === 'csv' ? '3' : 'y'}` }], {});
          for (const t of got.values()) expect(t.tensor.data.length).toBe(t.tensor.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          expect(e.message).not.toMatch(/[\x00-\x1f]/);
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});
