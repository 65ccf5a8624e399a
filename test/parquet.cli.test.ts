/**
 * Parquet through the CLI: `FILE:COLUMNS` of a .parquet file (every codec DuckDB writes) gives the loss of the
 * values DuckDB reads from it (fixtures/parquet/expected.json), bit for bit, streamed (mean, sum) and in memory
 * (-r none --grad), with a weight column too; a directory of part files is one table.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBce } from './helpers/run.js';

const F = 'fixtures/parquet';
const expected = JSON.parse(readFileSync(join(F, 'expected.json'), 'utf8')) as {
  files: Record<string, { rows: number | string; values: string | Record<string, unknown> }>;
  groups: Record<string, number[]>;
};
const dir = mkdtempSync(join(tmpdir(), 'bce-parquet-cli-'));
// DuckDB's values as JSON tensors: the reference path
const json = (name: string) => {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify(expected.groups[name]));
  return p;
};
const ref = { logit: json('logit'), label: json('label'), weight: json('weight') };
const codecs = Object.keys(expected.files).filter((f) => expected.files[f].values === 'groups');

describe('Parquet tables through the CLI', () => {
  it('has the groups files of every codec', () => {
    expect(codecs.length).toBeGreaterThanOrEqual(7);
    expect(expected.groups.logit.length).toBe(5000);
  });

  for (const file of codecs) {
    it(`${file}: mean, sum (streamed) and -r none --grad (in memory) equal the JSON of DuckDB's values`, async () => {
      const p = join(F, file);
      for (const extra of [['-r', 'mean'], ['-r', 'sum'], ['-r', 'none', '--grad'], ['-w', `${p}:weight`, '-r', 'sum']]) {
        const weightRef = extra[0] === '-w' ? ['-w', ref.weight, ...extra.slice(2)] : extra;
        const a = await runBce(['-l', `${p}:logit`, '-t', `${p}:label`, ...extra, '--json']);
        const b = await runBce(['-l', ref.logit, '-t', ref.label, ...weightRef, '--json']);
        expect(a.stderr).toBe('');
        expect(a.code).toBe(0);
        expect(b.code).toBe(0);
        expect(a.stdout).toBe(b.stdout);
      }
    });
  }

  it('a .parquet named without a column is read by role: no column "logits" is an error naming the file', async () => {
    const r = await runBce(['-l', join(F, 'groups-snappy.parquet'), '-t', join(F, 'groups-snappy.parquet:label')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bce: fixtures\/parquet\/groups-snappy\.parquet.*logits.*\n$/);
  });

  it('a Spark-style directory is one table: the same loss as its part files concatenated in order', async () => {
    const whole = await runBce(['-l', `${F}/spark/:logit`, '-t', `${F}/spark/:label`, '-r', 'none', '--json']);
    expect(whole.code).toBe(0);
    const parts = ['00000', '00001', '00002'].map((k) => `${F}/spark/part-${k}-c0ffee.snappy.parquet`);
    const losses: number[] = [];
    for (const p of parts) {
      const r = await runBce(['-l', `${p}:logit`, '-t', `${p}:label`, '-r', 'none', '--json']);
      expect(r.code).toBe(0);
      losses.push(...(JSON.parse(r.stdout).loss as number[]));
    }
    expect(JSON.parse(whole.stdout).loss).toEqual(losses);
    expect(losses.length).toBeGreaterThan(0);
  });
});
