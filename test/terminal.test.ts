/**
 * The terminal views, pinned by inline snapshots with colour off and on: the polished table, --per-class,
 * --hist / --hist-log, one --step, --label-smoothing in the heading, and bce explain. Colour codes are
 * shown as <n> (e.g. <31> red, <39> default) so the snapshots can be read.
 */
import { describe, expect, it } from 'vitest';
import { runBce } from './helpers/run.js';
import { num, seedReference, torchCase } from './helpers/numbers.js';

const SEED = 'fixtures/examples/seed.json';
const MULTI = 'fixtures/examples/multilabel.json';

/**
 * The numbers in a --per-class table are the fixture's (fixtures/torch/cases.json, PyTorch and mpmath):
 * `case` is multilabel or multilabel-pos_weight-C. The table prints 6 significant digits and shares to
 * 0.1%; the snapshots pin the layout.
 */
function expectPerClass(text: string, name: string): void {
  const plain = text.replace(/<[\d;]*>/g, '');
  const mean = num(torchCase(`${name}-mean`).reference.loss);
  const sum = num(torchCase(`${name}-sum`).reference.loss);
  const perClass = torchCase(`${name}-mean`).per_class_mean ?? [];
  const six = (x: number) => Number(x.toPrecision(6));
  expect(plain.split('\n')[1]).toBe(`loss ${mean}`);
  expect(perClass).toHaveLength(4);
  perClass.forEach((m, c) => {
    const row = plain.split('\n').find((l) => l.startsWith(`${c} `))?.trim().split(/\s+/) ?? [];
    expect(Number(row[1]), `class ${c}`).toBe(six(m));
    // 8 elements per class
    expect(row.find((cell) => cell.endsWith('%')), `class ${c}`).toBe(`${((100 * 8 * m) / sum).toFixed(1)}%`);
  });
  const all = /^all +([\d.]+) +\(mean of every element; sum ([\d.]+)\)$/m.exec(plain);
  expect(all?.slice(1).map(Number)).toEqual([six(mean), six(sum)]);
}

/** ANSI SGR codes made visible: \x1b[31m -> <31>. */
const visible = (s: string) => s.replace(/\x1b\[([\d;]*)m/g, '<$1>');

async function out(...argv: string[]): Promise<string> {
  const r = await runBce(argv);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return visible(r.stdout);
}

describe('table', () => {
  it('plain: grids aligned, --precision applies', async () => {
    expect(await out(SEED, '-r', 'none', '-g', '--precision', '4', '--color', 'never')).toMatchInlineSnapshot(`
      "BCEWithLogitsLoss  shape [2, 3]  elements 6  reduction none

      loss:
      [[ 0.4741,  0.2633, 0.04859]
       [  1.701,  0.1269,  0.4741]]

      grad (d loss / d logits):
      [[ -0.3775,   0.2315, -0.04743]
       [  0.8176,  -0.1192,   0.3775]]
      "
    `);
  });
  it('colour: heat scale on losses, gradient signs, and a key', async () => {
    expect(await out(SEED, '-r', 'none', '-g', '--color', 'always')).toMatchInlineSnapshot(`
      "<1>BCEWithLogitsLoss<22>  <2>shape<22> [2, 3]  <2>elements<22> 6  <2>reduction<22> none

      <2>loss:<22>
      [[ 0.474077,  0.263282, <32>0.0485874<39>]
       [<33>  1.70141<39>,  0.126928,  0.474077]]

      <2>grad (d loss / d logits):<22>
      [[<36> -0.377541<39>, <35>  0.231475<39>, <36>-0.0474259<39>]
       [<35>  0.817574<39>, <36> -0.119203<39>, <35>  0.377541<39>]]

      <2>colours: <22>loss <32>below 0.105<39>, 0.105 to 0.693, <33>0.693 to 2.3<39>, <31><1>2.3 and above<22><39><2>; <22>grad <35>+ lowers the logit<39> <36>- raises it<39>
      "
    `);
  });
  it('big tensors stay elided in the middle', async () => {
    const logits = Array.from({ length: 40 }, (_, i) => Array.from({ length: 30 }, (_, j) => ((i * 7 + j * 3) % 11) - 5));
    const targets = logits.map((row) => row.map((x) => (x > 0 ? 1 : 0)));
    const r = await runBce(['-', '-r', 'none', '--precision', '3'], { stdin: JSON.stringify({ logits, targets }) });
    const lines = r.stdout.split('\n');
    expect(lines.some((l) => l.includes('...'))).toBe(true);
    expect(lines.length).toBeLessThan(15);
  });
  it('label smoothing is recorded in the heading', async () => {
    expect((await out(SEED, '--label-smoothing', '0.1', '--color', 'never')).split('\n')[0]).toMatchInlineSnapshot(`"BCEWithLogitsLoss  shape [2, 3]  elements 6  reduction mean  label_smoothing 0.1"`);
  });
});

describe('--per-class', () => {
  it('plain', async () => {
    const text = await out(MULTI, '--per-class', '-p', '1,1,2.5,1', '--color', 'never');
    expectPerClass(text, 'multilabel-pos_weight-C');
    expect(text).toMatchInlineSnapshot(`
      "BCEWithLogitsLoss  shape [8, 4]  elements 32  reduction mean
      loss 0.508089043620207

      per class (the last dimension: 4 classes, 8 elements each)
      class  mean loss  positives  neg/pos  pos_weight  weight  share of the total loss
      0       0.257137          4        1           1       1  ███                       12.7%
      1       0.282571          5      0.6           1       1  ███▍                      13.9%
      2        1.09285          3     1.67         2.5       1  ████████████▉             53.8%  <- largest
      3       0.399796          5      0.6           1       1  ████▊                     19.7%
      all     0.508089  (mean of every element; sum 16.2588)
      class 2 contributes most: 53.8% of the total loss
      neg/pos = negatives / positives: the pos_weight PyTorch suggests to balance a class
      "
    `);
  });
  it('colour', async () => {
    const text = await out(MULTI, '--per-class', '--color', 'always');
    expectPerClass(text, 'multilabel');
    expect(text).toMatchInlineSnapshot(`
      "<1>BCEWithLogitsLoss<22>  <2>shape<22> [8, 4]  <2>elements<22> 32  <2>reduction<22> mean
      <2>loss<22> <1>0.3584801181068667<22>

      <1>per class<22><2> (the last dimension: 4 classes, 8 elements each)<22>
      <2>class  mean loss  positives  neg/pos  pos_weight  weight  share of the total loss<22>
      0       0.257137          4        1           1       1  <34>████▎<39>                     17.9%
      1       0.282571          5      0.6           1       1  <34>████▊<39>                     19.7%
      2       0.494416          3     1.67           1       1  <34>████████▎<39>                 34.5%  <1><33><- largest<39><22>
      3       0.399796          5      0.6           1       1  <34>██████▊<39>                   27.9%
      <2>all      0.35848<22><2>  (mean of every element; sum 11.4714)<22>
      class 2 contributes most: 34.5% of the total loss
      <2>neg/pos = negatives / positives: the pos_weight PyTorch suggests to balance a class<22>

      <2>colours: <22>loss <32>below 0.105<39>, 0.105 to 0.693, <33>0.693 to 2.3<39>, <31><1>2.3 and above<22><39>
      "
    `);
  });
  it('shows a weight that varies within a class as a range', async () => {
    const r = await runBce(['-', '--per-class', '--color', 'never'], {
      stdin: JSON.stringify({ logits: [[0.5, -1.2], [1.5, 2]], targets: [[1, 0], [0, 1]], weight: [[1, 2], [3, 2]] }),
    });
    expect(r.stdout).toMatch(/^0 .* 1\.\.3 /m);
    expect(r.stdout).toMatch(/^1 .*\s2\s/m);
  });
  it('needs rank >= 2', async () => {
    const r = await runBce(['-', '--per-class'], { stdin: JSON.stringify({ logits: [1, 2], targets: [1, 0] }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "bce: <stdin>: logits: --per-class needs logits of rank 2 or more, one column per class (the last dimension); these have shape [2]
      "
    `);
  });
});

describe('--hist', () => {
  it('linear, plain', async () => {
    const text = await out(MULTI, '--hist', '--color', 'never');
    expect(text.split('\n')[1]).toBe(`loss ${num(torchCase('multilabel-mean').reference.loss)}`);
    expect(text).toMatchInlineSnapshot(`
      "BCEWithLogitsLoss  shape [8, 4]  elements 32  reduction mean
      loss 0.3584801181068667

      histogram of the 32 element losses (linear bins)
      [0, 0.2)    ████████████████████████████████ 11   34.4%
      [0.2, 0.4)  ████████████████████████████████ 11   34.4%
      [0.4, 0.6)  █████████████████▌                6   18.8%
      [0.6, 0.8)  ██▉                               1    3.1%
      [0.8, 1)    ██▉                               1    3.1%
      [1, 1.2)    ██▉                               1    3.1%
      [1.2, 1.4]  ██▉                               1    3.1%
      "
    `);
  });
  it('logarithmic, colour', async () => {
    expect(await out(MULTI, '--hist-log', '--color', 'always')).toMatchInlineSnapshot(`
      "<1>BCEWithLogitsLoss<22>  <2>shape<22> [8, 4]  <2>elements<22> 32  <2>reduction<22> mean
      <2>loss<22> <1>0.3584801181068667<22>

      <1>histogram<22><2> of the 32 element losses (logarithmic bins)<22>
      <32>[0.05, 0.1)<39>  <34>████▋<39>                             2  <2>  6.3%<22>
      <32>[0.1, 0.2) <39>  <34>████████████████████▋<39>             9  <2> 28.1%<22>
      [0.2, 0.5)   <34>████████████████████████████████<39> 14  <2> 43.8%<22>
      [0.5, 1)     <34>███████████▍<39>                      5  <2> 15.6%<22>
      <33>[1, 2]     <39>  <34>████▋<39>                             2  <2>  6.3%<22>

      <2>colours: <22>loss <32>below 0.105<39>, 0.105 to 0.693, <33>0.693 to 2.3<39>, <31><1>2.3 and above<22><39>
      "
    `);
  });
  it('--bins gives exactly that many bins', async () => {
    const text = await out(MULTI, '--hist', '--bins', '3', '--color', 'never');
    expect(text.split('\n').filter((l) => l.startsWith('['))).toHaveLength(3);
  });
});

describe('--step', () => {
  it('prints Initial loss / Updated loss and the updated logits', async () => {
    const text = await out(SEED, '--step', '0.5', '--color', 'never');
    expect(text.split('\n')).toEqual(expect.arrayContaining([`loss ${seedReference().mean}`, `Initial loss: ${seedReference().mean}`]));
    expect(text).toMatchInlineSnapshot(`
      "BCEWithLogitsLoss  shape [2, 3]  elements 6  reduction mean
      loss 0.5147275127162853

      one SGD step on the logits: x' = x - 0.5 * d(mean loss)/dx
      Initial loss: 0.5147275127162853
      Updated loss: 0.5006152746842419 (-0.0141)

      updated logits:
      [[ 0.531462,  -1.21929,   3.00395]
       [  1.43187,   2.00993, -0.531462]]
      "
    `);
  });
});

describe('bce explain', () => {
  it('plain, the seed example', async () => {
    const text = await out('explain', SEED, '--color', 'never');
    const lines = text.split('\n').map((l) => l.trim());
    expect(lines).toContain(`sum   ${seedReference().sum}`);
    expect(lines.find((l) => l.startsWith('mean  '))).toMatch(`mean  ${seedReference().mean} = sum / 6 `);
    expect(text).toMatchInlineSnapshot(`
      "bce explain: BCEWithLogitsLoss on logits of shape [2, 3] (6 elements), reduction mean
      Steps 1-3 walk through all 2 rows; step 4 uses every element.

      1. Probabilities: x, y and sigmoid(x)
         The sigmoid turns each logit x into σ = 1 / (1 + e^-x), the probability the model gives to "the
         target is 1". The target y is what it should be: 1 (positive), 0 (negative) or in between.

         index      x  y  σ = sigmoid(x)
         [0, 0]   0.5  1        0.622459
         [0, 1]  -1.2  0        0.231475
         [0, 2]     3  1        0.952574
         [1, 0]   1.5  0        0.817574
         [1, 1]     2  1        0.880797
         [1, 2]  -0.5  0        0.377541

      2. The log terms, the pos_weight factor and the weight
         Binary cross-entropy charges -log σ for the positive part and -log(1 - σ) for the negative part:
             loss = w * [ -p * y * log σ  -  (1 - y) * log(1 - σ) ]
         p is pos_weight (multiplies the positive term only), w is weight (multiplies the whole element).
         bce computes log σ = log_sigmoid(x) directly, so no logit is too large (no clamping, no log(0)).

         index        log σ  log(1 - σ)  p  -p*y*log σ  -(1-y)*log(1-σ)  w
         [0, 0]   -0.474077   -0.974077  1    0.474077                0  1
         [0, 1]    -1.46328   -0.263282  1           0         0.263282  1
         [0, 2]  -0.0485874    -3.04859  1   0.0485874                0  1
         [1, 0]   -0.201413    -1.70141  1           0          1.70141  1
         [1, 1]   -0.126928    -2.12693  1    0.126928                0  1
         [1, 2]   -0.974077   -0.474077  1           0         0.474077  1

      3. The element loss and its gradient
             loss = w * (positive term + negative term)
             d loss / dx = w * [ (1 - y) * σ  -  p * y * (1 - σ) ]
         A negative gradient means gradient descent raises x; a positive one lowers it.

         index        loss  d loss / dx
         [0, 0]   0.474077    -0.377541
         [0, 1]   0.263282     0.231475
         [0, 2]  0.0485874   -0.0474259
         [1, 0]    1.70141     0.817574
         [1, 1]   0.126928    -0.119203
         [1, 2]   0.474077     0.377541

      4. The reduction over all 6 elements
         none  keeps the 6 element losses as a tensor (bce -r none prints them)
         sum   3.0883650762977117
         mean  0.5147275127162853 = sum / 6   (the default)  <- this run
         With mean, every gradient above is divided by 6 as well.

      5. What each parameter does
         weight      multiplies each element's loss and gradient; its shape broadcasts to the logits':
                     per class [C], per sample [N, 1], or full [N, C].
                     here: not given, so 1 everywhere
         pos_weight  multiplies only the positive term: a missed positive costs p times more, which
                     balances classes with few positives. PyTorch suggests p = negatives / positives per class
                     (bce --per-class prints that ratio).
                     here (for example p = 3): element [0, 0] with x = 0.5 costs 0.474077 with p = 1
                     and 1.42223 with p = 3; its gradient goes from -0.377541 to -1.13262.
         reduction   none | mean | sum, as in step 4.
         size_average, reduce  PyTorch's deprecated flags. When either is given they decide the
                     reduction, a missing one counting as true:
                       size_average true or absent, reduce true or absent  ->  mean
                       size_average false,          reduce true or absent  ->  sum
                       size_average anything,       reduce false           ->  none
                     and PyTorch warns: size_average and reduce args will be deprecated, please use reduction='...'.
                     bce takes them as --size-average and --reduce, with the same warning.

      6. Next: one training step
             bce fixtures/examples/seed.json --step 0.1
         moves every logit against its gradient (x - 0.1 * grad) and prints "Initial loss" and
         "Updated loss", as one step of SGD does in a training loop.
      "
    `);
  });
  it('colour, one row, with pos_weight, label smoothing and a legacy flag', async () => {
    const r = await runBce(['explain', SEED, '--rows', '1', '-p', '3,1,1', '--label-smoothing', '0.1', '--size-average', 'false', '--color', 'always']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("bce: warning: size_average and reduce args will be deprecated, please use reduction='sum' instead.\n");
    expect(visible(r.stdout)).toMatchInlineSnapshot(`
      "<1>bce explain<22>: BCEWithLogitsLoss on logits of shape [2, 3] (6 elements), reduction sum
      <2>Steps 1-3 walk through the first 1 of 2 rows; step 4 uses every element.<22>

      <1>1. Probabilities: x, y and sigmoid(x)<22>
         The sigmoid turns each logit x into σ = 1 / (1 + e^-x), the probability the model gives to "the
         target is 1". The target y is what it should be: 1 (positive), 0 (negative) or in between.
         Label smoothing 0.1 replaced each target y by y' = y (1 - 0.1) + 0.1/2, pulling it towards 0.5.

         index      x  y given    y'  σ = sigmoid(x)
         [0, 0]   0.5        1  0.95        0.622459
         [0, 1]  -1.2        0  0.05        0.231475
         [0, 2]     3        1  0.95        0.952574

      <1>2. The log terms, the pos_weight factor and the weight<22>
         Binary cross-entropy charges -log σ for the positive part and -log(1 - σ) for the negative part:
             loss = w * [ -p * y * log σ  -  (1 - y) * log(1 - σ) ]
         p is pos_weight (multiplies the positive term only), w is weight (multiplies the whole element).
         bce computes log σ = log_sigmoid(x) directly, so no logit is too large (no clamping, no log(0)).

         index        log σ  log(1 - σ)  p  -p*y*log σ  -(1-y)*log(1-σ)  w
         [0, 0]   -0.474077   -0.974077  3     1.35112        0.0487038  1
         [0, 1]    -1.46328   -0.263282  1   0.0731641         0.250118  1
         [0, 2]  -0.0485874    -3.04859  1    0.046158         0.152429  1

      <1>3. The element loss and its gradient<22>
             loss = w * (positive term + negative term)
             d loss / dx = w * [ (1 - y) * σ  -  p * y * (1 - σ) ]
         A negative gradient means gradient descent raises x; a positive one lowers it.

         index       loss  d loss / dx
         [0, 0]  <33> 1.39982<39>  <36>   -1.04487<39>
         [0, 1]  0.323282  <35>   0.181475<39>
         [0, 2]  0.198587  <35> 0.00257413<39>

      <1>4. The reduction over all 6 elements<22>
         none  keeps the 6 element losses as a tensor (bce -r none prints them)
         sum   4.294252674038189  <1><33><- this run<39><22>
         mean  0.7157087790063649 = sum / 6   (the default)
         With sum, the gradients are the element gradients above.

      <1>5. What each parameter does<22>
         <1>weight<22>      multiplies each element's loss and gradient; its shape broadcasts to the logits':
                     per class [C], per sample [N, 1], or full [N, C].
      <2>               here: not given, so 1 everywhere<22>
         <1>pos_weight<22>  multiplies only the positive term: a missed positive costs p times more, which
                     balances classes with few positives. PyTorch suggests p = negatives / positives per class
                     (bce --per-class prints that ratio).
      <2>               here (given p = 3): element [0, 0] with x = 0.5 costs 0.499077 with p = 1<22>
      <2>               and 1.39982 with p = 3; its gradient goes from -0.327541 to -1.04487.<22>
         <1>reduction<22>   none | mean | sum, as in step 4.
         <1>size_average<22>, <1>reduce<22>  PyTorch's deprecated flags. When either is given they decide the
                     reduction, a missing one counting as true:
                       size_average true or absent, reduce true or absent  ->  mean
                       size_average false,          reduce true or absent  ->  sum  <1><33><- this run<39><22>
                       size_average anything,       reduce false           ->  none
      <2>               and PyTorch warns: size_average and reduce args will be deprecated, please use reduction='...'.<22>
      <2>               bce takes them as --size-average and --reduce, with the same warning.<22>

      <1>6. Next: one training step<22>
             bce fixtures/examples/seed.json --step 0.1
         moves every logit against its gradient (x - 0.1 * grad) and prints "Initial loss" and
         "Updated loss", as one step of SGD does in a training loop.
      "
    `);
  });
  it('a large input: only the first rows and columns are walked through', async () => {
    const logits = Array.from({ length: 50 }, (_, i) => Array.from({ length: 20 }, (_, j) => Math.sin(i + j)));
    const targets = logits.map((row) => row.map((x) => (x > 0 ? 1 : 0)));
    const r = await runBce(['explain', '-', '--color', 'never'], { stdin: JSON.stringify({ logits, targets }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Steps 1-3 walk through the first 2 of 50 rows (the first 6 of 20 columns)');
    expect(r.stdout).toContain('The reduction over all 1000 elements');
  });
});
