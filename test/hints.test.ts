/**
 * Errors that help: the hints for the common shape mistakes, the suggestion for a mistyped flag, and the
 * new flags' argv -> options. Wording is pinned by inline snapshot.
 */
import { describe, expect, it } from 'vitest';
import { operandShapeHint, targetShapeHint } from '../src/core/hints.js';
import { parseArgv } from '../src/cli/program.js';
import { runBce } from './helpers/run.js';

describe('shape hints', () => {
  it('targets [N] against logits [N, 1], and the reverse', () => {
    expect(targetShapeHint([4], [4, 1])).toMatchInlineSnapshot(`"the targets are [4] and the logits [4, 1]: make them agree, e.g. in PyTorch targets.unsqueeze(1) or logits.squeeze(1) (NumPy: targets.reshape(-1, 1))"`);
    expect(targetShapeHint([4, 1], [4])).toMatchInlineSnapshot(`"the targets are [4, 1] and the logits [4]: make them agree, e.g. in PyTorch targets.squeeze(1) or logits.unsqueeze(1) (NumPy: targets.reshape(-1))"`);
  });
  it('class indices instead of one 0/1 per class; transposed; same count', () => {
    expect(targetShapeHint([4], [4, 3])).toContain('one-hot');
    expect(targetShapeHint([3, 4], [4, 3])).toContain('transposed');
    expect(targetShapeHint([2, 6], [4, 3])).toBe('both hold 12 elements: reshape the targets to [4, 3]');
    expect(targetShapeHint([5], [4, 3])).toBeUndefined();
  });
  it('a pos_weight whose length differs from the number of classes', () => {
    expect(operandShapeHint('pos_weight', [2], [8, 4])).toMatchInlineSnapshot(`"pos_weight holds one value per class: the logits have 4 classes (their last dimension) and this pos_weight has 2 values; give 4, e.g. -p 1,1,1,1"`);
    expect(operandShapeHint('pos_weight', [8], [8, 4])).toContain('per-sample factor is --weight of shape [8, 1]');
    expect(operandShapeHint('pos_weight', [3], [2, 3, 5, 5])).toContain('[3, 1, 1]');
  });
  it('a 1-D weight of one value per sample', () => {
    expect(operandShapeHint('weight', [8], [8, 4])).toMatchInlineSnapshot(`"a weight per sample needs shape [8, 1] (weight.unsqueeze(1)); a 1-D weight is read per class, 4 values"`);
  });
  it('through the CLI: still one line, hint last', async () => {
    const r = await runBce(['fixtures/examples/multilabel.json', '-p', '1,2']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/; hint: pos_weight holds one value per class: the logits have 4 classes .* give 4, e.g. -p 1,1,1,1\n$/);
  });
});

describe('argv', () => {
  const opts = (...argv: string[]) => {
    const inv = parseArgv(argv);
    if (inv.kind !== 'compute') throw new Error(JSON.stringify(inv));
    return inv.options;
  };
  const stderr = (...argv: string[]) => {
    const inv = parseArgv(argv);
    if (inv.kind !== 'exit') throw new Error(JSON.stringify(inv));
    expect(inv.code).toBe(2);
    return inv.stderr;
  };
  it('the view flags', () => {
    expect(opts('b.json', '--per-class', '--hist', '--bins', '7', '--step', '0.05', '--label-smoothing', '.1', )).toMatchObject({
      perClass: true,
      hist: 'linear',
      bins: 7,
      step: 0.05,
      labelSmoothing: 0.1,
    });
    expect(opts('b.json', '--hist-log').hist).toBe('log');
    expect(opts('b.json', '-f', 'ndjson').format).toBe('ndjson');
  });
  it('a mistyped flag gets a suggestion', () => {
    expect(stderr('b.json', '--per-clas')).toMatchInlineSnapshot(`
      "bce: unknown option '--per-clas'
      (Did you mean --per-class?)
      (run bce --help for usage)
      "
    `);
    expect(stderr('b.json', '--label-smoothin', '0.1')).toContain('(Did you mean --label-smoothing?)');
  });
  it.each([
    [['--step', '0'], '--step: expected a learning rate, a number > 0, got "0"'],
    [['--step', 'fast'], '--step: expected a learning rate, a number > 0, got "fast"'],
    [['--bins', '0', '--hist'], '--bins: expected a whole number of bins from 1 to 200, got "0"'],
    [['--bins', '5'], '--bins needs --hist or --hist-log'],
    [['--hist', '-f', 'csv'], '--hist shows in the table or json format, not csv'],
    [['--step', '0.1', '-f', 'ndjson'], '--step shows in the table or json format, not ndjson'],
  ])('%j', (argv, message) => {
    expect(stderr('b.json', ...argv)).toBe(`bce: ${message}\n`);
  });
  it('explain and completion', () => {
    const inv = parseArgv(['explain', 'b.json', '--rows', '3', '-p', '3,1,1']);
    expect(inv).toMatchObject({ kind: 'explain', options: { bundle: 'b.json', rows: 3, posWeight: '3,1,1', color: 'auto' } });
    expect(parseArgv(['explain', '--rows', '0'])).toMatchObject({ kind: 'exit', code: 2 });
    expect(parseArgv(['--per-class', 'explain', 'b.json'])).toMatchObject({ kind: 'exit', code: 2, stderr: 'bce: --per-class goes after explain: bce explain [options]\n' });
    expect(parseArgv(['completion', 'zsh'])).toMatchObject({ kind: 'completion', shell: 'zsh' });
  });
});
