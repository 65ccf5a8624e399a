/**
 * Words `bce explain`: the loss taken apart step by step on the first rows of the input, as a tutorial
 * does it: x, y and sigmoid(x); the log terms, pos_weight and weight; the element loss and gradient; the
 * reductions; what each parameter does, the legacy size_average / reduce flags included.
 */
import type { ChalkInstance } from 'chalk';
import type { Explanation, ExplainedElement } from '../core/explain.js';
import { shapeString } from '../core/tensor.js';
import { humanNumber } from './number.js';
import type { Paint } from './paint.js';
import { makePaint } from './paint.js';

export interface ExplainFormatOptions {
  precision?: number;
  chalk?: ChalkInstance;
  /** how the input was named on the command line, for the closing hint */
  input?: string;
  /** the legacy flags as given, to mark the line of the mapping that applied */
  legacy?: { sizeAverage?: boolean; reduce?: boolean };
}

type Column = { head: string; cell: (e: ExplainedElement) => string; paint?: (s: string, e: ExplainedElement) => string };

/** A right-aligned table of the shown elements, indented by 3. */
function table(elements: readonly ExplainedElement[], columns: Column[]): string[] {
  const cells = elements.map((e) => columns.map((c) => c.cell(e)));
  const widths = columns.map((c, k) => Math.max(c.head.length, ...cells.map((r) => r[k].length)));
  const lines = [`   ${columns.map((c, k) => (k === 0 ? c.head.padEnd(widths[k]) : c.head.padStart(widths[k]))).join('  ')}`];
  elements.forEach((e, i) => {
    const row = columns.map((c, k) => {
      const text = k === 0 ? cells[i][k].padEnd(widths[k]) : cells[i][k].padStart(widths[k]);
      return c.paint ? c.paint(text, e) : text;
    });
    lines.push(`   ${row.join('  ')}`);
  });
  return lines;
}

export function formatExplain(ex: Explanation, options: ExplainFormatOptions = {}): string {
  const paint: Paint = makePaint(options.chalk);
  const digits = options.precision ?? 6;
  const f = (x: number) => humanNumber(x, digits);
  const idx = (e: ExplainedElement) => `[${e.index.join(', ')}]`;
  const heading = (k: number, title: string) => paint.bold(`${k}. ${title}`);
  const out: string[] = [];
  const els = ex.elements;
  const smoothing = ex.labelSmoothing !== undefined;

  out.push(
    `${paint.bold('bce explain')}: BCEWithLogitsLoss on logits of shape ${shapeString(ex.shape)} ` +
      `(${ex.n} ${ex.n === 1 ? 'element' : 'elements'}), reduction ${ex.reduction}`,
  );
  const rowsText = ex.rowsShown === ex.rows ? `all ${ex.rows} ${ex.rows === 1 ? 'row' : 'rows'}` : `the first ${ex.rowsShown} of ${ex.rows} rows`;
  const colsText = ex.colsShown === ex.cols ? '' : ` (the first ${ex.colsShown} of ${ex.cols} columns)`;
  out.push(paint.dim(`Steps 1-3 walk through ${rowsText}${colsText}; step 4 uses every element.`));

  // 1. probabilities
  out.push('', heading(1, 'Probabilities: x, y and sigmoid(x)'));
  out.push('   The sigmoid turns each logit x into σ = 1 / (1 + e^-x), the probability the model gives to "the');
  out.push('   target is 1". The target y is what it should be: 1 (positive), 0 (negative) or in between.');
  if (smoothing) {
    out.push(`   Label smoothing ${ex.labelSmoothing} replaced each target y by y' = y (1 - ${ex.labelSmoothing}) + ${ex.labelSmoothing}/2, pulling it towards 0.5.`);
  }
  out.push('');
  const yCols: Column[] = smoothing
    ? [
        { head: 'y given', cell: (e) => f(e.yGiven ?? e.y) },
        { head: "y'", cell: (e) => f(e.y) },
      ]
    : [{ head: 'y', cell: (e) => f(e.y) }];
  out.push(...table(els, [{ head: 'index', cell: idx }, { head: 'x', cell: (e) => f(e.x) }, ...yCols, { head: 'σ = sigmoid(x)', cell: (e) => f(e.sigma) }]));

  // 2. log terms
  out.push('', heading(2, 'The log terms, the pos_weight factor and the weight'));
  out.push('   Binary cross-entropy charges -log σ for the positive part and -log(1 - σ) for the negative part:');
  out.push('       loss = w * [ -p * y * log σ  -  (1 - y) * log(1 - σ) ]');
  out.push('   p is pos_weight (multiplies the positive term only), w is weight (multiplies the whole element).');
  out.push('   bce computes log σ = log_sigmoid(x) directly, so no logit is too large (no clamping, no log(0)).');
  out.push('');
  out.push(
    ...table(els, [
      { head: 'index', cell: idx },
      { head: 'log σ', cell: (e) => f(e.logSigma) },
      { head: 'log(1 - σ)', cell: (e) => f(e.logOneMinusSigma) },
      { head: 'p', cell: (e) => f(e.p) },
      { head: '-p*y*log σ', cell: (e) => f(e.positiveTerm) },
      { head: '-(1-y)*log(1-σ)', cell: (e) => f(e.negativeTerm) },
      { head: 'w', cell: (e) => f(e.w) },
    ]),
  );

  // 3. element loss and gradient
  out.push('', heading(3, 'The element loss and its gradient'));
  out.push('       loss = w * (positive term + negative term)');
  out.push('       d loss / dx = w * [ (1 - y) * σ  -  p * y * (1 - σ) ]');
  out.push('   A negative gradient means gradient descent raises x; a positive one lowers it.');
  out.push('');
  out.push(
    ...table(els, [
      { head: 'index', cell: idx },
      { head: 'loss', cell: (e) => f(e.loss), paint: (s, e) => paint.heat(s, e.loss) },
      { head: 'd loss / dx', cell: (e) => f(e.grad), paint: (s, e) => paint.sign(s, e.grad) },
    ]),
  );

  // 4. reduction
  out.push('', heading(4, `The reduction over all ${ex.n} elements`));
  const chosen = (r: string) => (r === ex.reduction ? `  ${paint.mark('<- this run')}` : '');
  const rows: [string, string, string][] = [
    ['none', `keeps the ${ex.n} element losses as a tensor (bce -r none prints them)`, 'none'],
    ['sum', `${humanNumber(ex.sum, options.precision)}`, 'sum'],
    ['mean', `${humanNumber(ex.mean, options.precision)} = sum / ${ex.n}   (the default)`, 'mean'],
  ];
  for (const [name, text, r] of rows) out.push(`   ${name.padEnd(5)} ${text}${chosen(r)}`);
  out.push(
    ex.reduction === 'mean'
      ? `   With mean, every gradient above is divided by ${ex.n} as well.`
      : ex.reduction === 'sum'
        ? '   With sum, the gradients are the element gradients above.'
        : '   With none, the gradient is that of the sum (PyTorch back-propagates a tensor of ones).',
  );

  // 5. parameters
  out.push('', heading(5, 'What each parameter does'));
  out.push(`   ${paint.bold('weight')}      multiplies each element's loss and gradient; its shape broadcasts to the logits':`);
  out.push('               per class [C], per sample [N, 1], or full [N, C].');
  out.push(paint.dim(`               here: ${ex.hasWeight ? 'given (column w above)' : 'not given, so 1 everywhere'}`));
  out.push(`   ${paint.bold('pos_weight')}  multiplies only the positive term: a missed positive costs p times more, which`);
  out.push('               balances classes with few positives. PyTorch suggests p = negatives / positives per class');
  out.push('               (bce --per-class prints that ratio).');
  const demo = ex.posWeightDemo;
  if (demo) {
    const at = `[${demo.index.join(', ')}]`;
    const given = ex.hasPosWeight && demo.p !== 1 ? 'given' : 'for example';
    out.push(
      paint.dim(`               here (${given} p = ${f(demo.p)}): element ${at} with x = ${f(demo.x)} costs ${f(demo.lossWithout)} with p = 1`),
    );
    out.push(
      paint.dim(`               and ${f(demo.lossWith)} with p = ${f(demo.p)}; its gradient goes from ${f(demo.gradWithout)} to ${f(demo.gradWith)}.`),
    );
  } else {
    out.push(paint.dim(`               here: ${ex.hasPosWeight ? 'given' : 'not given, so 1'}; no positive target among the elements shown.`));
  }
  out.push(`   ${paint.bold('reduction')}   none | mean | sum, as in step 4.`);
  out.push(`   ${paint.bold('size_average')}, ${paint.bold('reduce')}  PyTorch's deprecated flags. When either is given they decide the`);
  out.push('               reduction, a missing one counting as true:');
  const legacy = options.legacy;
  const given = legacy !== undefined && (legacy.sizeAverage !== undefined || legacy.reduce !== undefined);
  const applied = !given ? '' : legacy.reduce === false ? 'none' : legacy.sizeAverage === false ? 'sum' : 'mean';
  const mapping: [string, string][] = [
    ['size_average true or absent, reduce true or absent  ->  mean', 'mean'],
    ['size_average false,          reduce true or absent  ->  sum', 'sum'],
    ['size_average anything,       reduce false           ->  none', 'none'],
  ];
  for (const [text, r] of mapping) out.push(`                 ${text}${r === applied ? `  ${paint.mark('<- this run')}` : ''}`);
  out.push(paint.dim("               and PyTorch warns: size_average and reduce args will be deprecated, please use reduction='...'."));
  out.push(paint.dim('               bce takes them as --size-average and --reduce, with the same warning.'));

  // 6. training
  const input = options.input ?? '<input>';
  out.push('', heading(6, 'Next: one training step'));
  out.push(`       bce ${input} --step 0.1`);
  out.push('   moves every logit against its gradient (x - 0.1 * grad) and prints "Initial loss" and');
  out.push('   "Updated loss", as one step of SGD does in a training loop.');
  return `${out.join('\n')}\n`;
}

