/**
 * --format partial and bce merge: a file split in pieces by rows, each piece's partial, merged, against one run
 * over the whole file and against the exact loss mpmath computed (fixtures/merge/, generate.py there).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns } from './helpers/fuzz.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../src/io/npy.js';
import { writeNpy } from '../src/format/binary.js';
import { root, runBce } from './helpers/run.js';

const dir = join(root, 'fixtures/merge');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<'sum' | 'mean', Record<'nearest' | 'below' | 'above', string>>;
const logits = readNpy(new Uint8Array(readFileSync(join(dir, 'logits.npy'))), 'logits.npy');
const targets = readNpy(new Uint8Array(readFileSync(join(dir, 'targets.npy'))), 'targets.npy');
const [ROWS, C] = logits.shape;
const P = ['-p', '1,2,0.5,3'];
const tmp = mkdtempSync(join(tmpdir(), 'bce-merge-'));

/** Rows [from, to) of both tensors, as .npy files (float64); their paths. */
function piece(from: number, to: number): [string, string] {
  const write = (name: string, data: Float64Array) => {
    const path = join(tmp, `${name}-${from}-${to}.npy`);
    writeFileSync(path, Buffer.concat([...writeNpy({ name, shape: [to - from, C], data: data.subarray(from * C, to * C) })]));
    return path;
  };
  return [write('logits', logits.data), write('targets', targets.data)];
}

/** The partial of rows [from, to), one line. */
async function partialOf(from: number, to: number, reduction: string, extra: string[] = []): Promise<string> {
  const [l, t] = piece(from, to);
  const r = await runBce(['-l', l, '-t', t, ...P, '-r', reduction, '-f', 'partial', ...extra]);
  expect(r.stderr).toBe('');
  return r.stdout;
}

async function merged(lines: string[], args: string[] = []): Promise<number> {
  const r = await runBce(['merge', '--json', ...args], { stdin: lines.join('') });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout).loss;
}

async function oneRun(reduction: string): Promise<number> {
  const r = await runBce(['-l', join(dir, 'logits.npy'), '-t', join(dir, 'targets.npy'), ...P, '-r', reduction, '--json']);
  return JSON.parse(r.stdout).loss;
}

/** Cut points: the rows where pieces start after the first. */
const SPLITS: Record<string, number[]> = {
  'one piece': [],
  'at the reduction\'s chunk boundaries (16,384 rows of 4)': [16384, 32768],
  'two uneven pieces': [12345],
  'seven uneven pieces': [1, 999, 5000, 16383, 16385, 30000],
  'forty pieces of 1,000 rows': Array.from({ length: 39 }, (_, i) => (i + 1) * 1000),
};

describe('merging the partials of a file split by rows', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    const exact = expected[reduction];
    for (const [name, cuts] of Object.entries(SPLITS)) {
      it(`${reduction}, ${name}: the one run's result, within 1 ulp of the exact value (the nearest double here)`, async () => {
        const bounds = [0, ...cuts, ROWS];
        const lines: string[] = [];
        for (let k = 0; k + 1 < bounds.length; k++) lines.push(await partialOf(bounds[k], bounds[k + 1], reduction));
        const m = await merged(lines);
        expect([Number(exact.below), Number(exact.above)]).toContain(m);
        expect(m).toBe(Number(exact.nearest));
        expect(m).toBe(await oneRun(reduction));
        // the order of the partials does not matter: their sums are added exactly
        expect(await merged([...lines].reverse())).toBe(m);
      });
    }
  }

  it('a merge of merges (-f partial) equals the flat merge; counts and rows add up', async () => {
    const lines = await Promise.all([[0, 7000], [7000, 20000], [20000, 33000], [33000, ROWS]].map(([a, b]) => partialOf(a, b, 'mean')));
    const left = (await runBce(['merge', '-f', 'partial'], { stdin: lines.slice(0, 2).join('') })).stdout;
    const right = (await runBce(['merge', '-f', 'partial'], { stdin: lines.slice(2).join('') })).stdout;
    expect(await merged([left, right])).toBe(await merged(lines));
    const all = JSON.parse((await runBce(['merge', '-f', 'partial'], { stdin: left + right })).stdout);
    expect(all).toMatchObject({ bce_partial: 1, reduction: 'mean', count: ROWS * C, rows: ROWS, shape: [C], scale: 0 });
  });

  it('--per-class: the merged per-class table is the one run\'s (sums, means, shares, positives, pos_weight)', async () => {
    const cuts = [0, 3000, 16384, 25000, ROWS];
    const lines: string[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) lines.push(await partialOf(cuts[k], cuts[k + 1], 'mean', ['--per-class']));
    const m = await runBce(['merge', '--json'], { stdin: lines.join('') });
    const one = await runBce(['-l', join(dir, 'logits.npy'), '-t', join(dir, 'targets.npy'), ...P, '--per-class', '--json']);
    const [a, b] = [JSON.parse(m.stdout), JSON.parse(one.stdout)];
    expect(a.per_class).toEqual(b.per_class);
    expect(a.loss).toBe(b.loss);
    expect(a.per_class.map((c: { pos_weight: number }) => c.pos_weight)).toEqual([1, 2, 0.5, 3]);
    // a part without the per-class sums does not merge with parts that have them
    const bare = await partialOf(0, 10, 'mean');
    const r = await runBce(['merge'], { stdin: lines[0] + bare });
    expect(r.stderr).toBe('bce: <stdin>:2: <stdin>:1 has per-class sums and <stdin>:2 has not: give --per-class to every part or to none\n');
  });

  it('a streamed run (npy files, mean) writes the partial the in-memory run writes', async () => {
    const streamed = await partialOf(100, 39000, 'mean');
    // --label-smoothing 0 keeps the targets as they are and reads the files whole
    const inMemory = await partialOf(100, 39000, 'mean', ['--label-smoothing', '0']);
    expect(streamed).toBe(inMemory);
  });

  it('partial files on the command line, and a table by default', async () => {
    const a = join(tmp, 'a.partial');
    const b = join(tmp, 'b.partial');
    writeFileSync(a, await partialOf(0, 20000, 'sum'));
    writeFileSync(b, await partialOf(20000, ROWS, 'sum'));
    const r = await runBce(['merge', a, b]);
    expect(r.stdout).toBe(`BCEWithLogitsLoss  shape [${ROWS}, ${C}]  elements ${ROWS * C}  reduction sum\nloss ${expected.sum.nearest}\n`);
  });

  it('sums past the largest double: the pair at 2^-64 (scale 64) keeps a finite mean', async () => {
    const json = (x: string) => {
      const l = JSON.parse(`[${x}]`) as number[];
      return JSON.stringify({ logits: l, targets: l.map(() => 1) });
    };
    const p = async (x: string, r: string) => {
      const out = await runBce(['-', '-r', r, '-f', 'partial'], { stdin: json(x) });
      expect(out.stderr).toBe('');
      return out.stdout;
    };
    const part = await p('-1e308, -1e308', 'mean');
    expect(JSON.parse(part)).toMatchObject({ scale: 64, count: 2 });
    expect(await merged([part, await p('-1e308, -1e308', 'mean')])).toBe(1e308);
    const whole = await runBce(['-', '-r', 'mean', '--json'], { stdin: json('-1e308, -1e308, -1e308, -1e308') });
    expect(JSON.parse(whole.stdout).loss).toBe(1e308);
    expect(await merged([await p('-1e308, -1e308', 'sum'), await p('-1e308', 'sum')])).toBe('Infinity');
  });
});

describe('bce merge refuses what does not merge, naming the file and line', () => {
  const doc = (o: Record<string, unknown>) =>
    `${JSON.stringify({ bce_partial: 1, reduction: 'mean', count: 6, rows: 2, shape: [3], sum: [3, 0], scale: 0, ...o })}\n`;
  const cases: [string, string, string][] = [
    ['another reduction', doc({}) + doc({ reduction: 'sum' }), 'bce: <stdin>:2: reduction sum, but <stdin>:1 has mean'],
    ['another shape', doc({}) + doc({ shape: [4], count: 8 }), 'bce: <stdin>:2: rows of shape [4], but <stdin>:1 has rows of shape [3]'],
    ['not JSON', `${doc({})}{"bce_partial": 1,\n`, "bce: <stdin>:2: not a JSON document: '{\"bce_partial\": 1,'"],
    ['another version', doc({ bce_partial: 2 }), 'bce: <stdin>:1: not a partial of bce -f partial (version 1): "bce_partial" is missing or wrong'],
    ['a count that is not rows x shape', doc({ count: 7 }), 'bce: <stdin>:1: count 7 is not rows x shape (6)'],
    ['nothing', '\n\n', 'bce: <stdin>: no partials in it (one per line, as bce -f partial writes them)'],
  ];
  for (const [what, stdin, message] of cases) {
    it(what, async () => {
      const r = await runBce(['merge'], { stdin });
      expect(r).toMatchObject({ code: 2, stdout: '', stderr: `${message}\n` });
    });
  }

  it('no file and stdin a terminal: a usage error; binary input: quoted, escaped', async () => {
    const r = await runBce(['merge']);
    expect(r).toMatchObject({ code: 2, stderr: 'bce: merge: give the partial files, or pipe them to stdin\n' });
    const npy = await runBce(['merge', 'fixtures/outputs/loss-0d.npy']);
    expect(npy.stderr).toMatch(/^bce: fixtures\/outputs\/loss-0d\.npy:1: not a JSON document: "\uFFFDNUMPY\\x01\\x00v\\x00\{[^\n]*\n$/);
  });

  it('a file is named by its path', async () => {
    const f = join(tmp, 'bad.partial');
    writeFileSync(f, doc({ shape: [2], count: 4 }));
    const good = join(tmp, 'good.partial');
    writeFileSync(good, doc({}));
    const r = await runBce(['merge', good, f]);
    expect(r.stderr).toBe(`bce: ${f}:1: rows of shape [2], but ${good}:1 has rows of shape [3]\n`);
  });

  it('--format partial needs a mean or a sum, without gradients', async () => {
    const seed = 'fixtures/examples/seed.json';
    expect((await runBce([seed, '-r', 'none', '-f', 'partial'])).stderr).toBe('bce: --format partial needs reduction mean or sum\n');
    expect((await runBce([seed, '--grad', '-f', 'partial'])).stderr).toBe('bce: --format partial is a mean or a sum, without --grad\n');
    const bundle = JSON.stringify({ logits: [1], targets: [1], reduction: 'none' });
    expect((await runBce(['-', '-f', 'partial'], { stdin: bundle })).stderr).toBe('bce: --format partial needs reduction mean or sum, not none\n');
  });
});

describe('bce merge on mutated partials', () => {
  it('merges or refuses in one line (exit 0 or 2), never a crash', async () => {
    const base =
      '{"bce_partial": 1, "reduction": "mean", "count": 4, "rows": 2, "shape": [2], "sum": [2.5, 1e-17], "scale": 0, ' +
      '"per_class": {"count": 2, "sums": [[1, 0], [1.5, 1e-17]], "positives": [1, 2], "pos_weight": [[1, 1], [2, 3]], "weight": [[1, 1], [1, 1]]}}\n';
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: base.length }), fc.integer({ min: 0, max: 6 }), fc.string({ maxLength: 4 }), async (at, cut, insert) => {
        const text = base + base.slice(0, at) + insert + base.slice(at + cut);
        const r = await runBce(['merge', '--json'], { stdin: text });
        expect([0, 2]).toContain(r.code);
        if (r.code === 2) expect(r.stderr).toMatch(/^bce: [^\n]*\n$/);
        else expect(JSON.parse(r.stdout).reduction).toMatch(/^(mean|sum)$/);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});

describe('bce merge in the shell completion', () => {
  it('is offered as a command, with its format choices', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const script = (await runBce(['completion', shell])).stdout;
      expect(script).toContain('merge');
      expect(script).toMatch(/table[ ,'"]+json[ ,'"]+partial/);
    }
  });
});
