/**
 * Words `bce explain`: the loss taken apart step by step on the first rows of the input, as a tutorial
 * does it: x, y and sigmoid(x); the log terms, pos_weight and weight; the element loss and gradient; the
 * reductions; what each parameter does, the legacy size_average / reduce flags included.
 */
import { legacyReduction } from '../core/reduction.js';
import type { Explanation, ExplainedElement } from '../core/explain.js';
import { shapeString } from '../core/tensor.js';
import { humanNumber } from './number.js';
import type { Paint } from './paint.js';
import { PLAIN } from './paint.js';

export interface ExplainFormatOptions {
  precision?: number;
  paint?: Paint;
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

/** What every step needs: the explanation, the paint, and the number spelling of the tables. */
interface Steps {
  ex: Explanation;
  paint: Paint;
  /** an element value, at --precision or 6 significant digits */
  f: (x: number) => string;
  heading: (k: number, title: string) => string;
}

const indexCell = (e: ExplainedElement) => `[${e.index.join(', ')}]`;

export function formatExplain(ex: Explanation, options: ExplainFormatOptions = {}): string {
  const paint = options.paint ?? PLAIN;
  const digits = options.precision ?? 6;
  const s: Steps = {
    ex,
    paint,
    f: (x) => humanNumber(x, digits),
    heading: (k, title) => paint.bold(`${k}. ${title}`),
  };
  const out = [
    ...intro(s),
    '',
    ...probabilities(s),
    '',
    ...logTerms(s),
    '',
    ...elementLoss(s),
    '',
    ...reductions(s, options.precision),
    '',
    ...parameters(s),
    ...legacyFlags(s, options.legacy),
    '',
    ...nextStep(s, options.input),
  ];
  return `${out.join('\n')}\n`;
}

/** The marker of the line that applies to this run, or ''. */
function thisRun(s: Steps, applies: boolean): string {
  return applies ? `  ${s.paint.mark('<- this run')}` : '';
}

function intro({ ex, paint }: Steps): string[] {
  const rowsText = ex.rowsShown === ex.rows ? `all ${ex.rows} ${ex.rows === 1 ? 'row' : 'rows'}` : `the first ${ex.rowsShown} of ${ex.rows} rows`;
  const colsText = ex.colsShown === ex.cols ? '' : ` (the first ${ex.colsShown} of ${ex.cols} columns)`;
  return [
    `${paint.bold('bce explain')}: BCEWithLogitsLoss on logits of shape ${shapeString(ex.shape)} ` +
      `(${ex.n} ${ex.n === 1 ? 'element' : 'elements'}), reduction ${ex.reduction}`,
    paint.dim(`Steps 1-3 walk through ${rowsText}${colsText}; step 4 uses every element.`),
  ];
}

/** Step 1: x, y (and y' when smoothed) and sigmoid(x). */
function probabilities({ ex, f, heading }: Steps): string[] {
  const out = [heading(1, 'Probabilities: x, y and sigmoid(x)')];
  out.push('   The sigmoid turns each logit x into σ = 1 / (1 + e^-x), the probability the model gives to "the');
  out.push('   target is 1". The target y is what it should be: 1 (positive), 0 (negative) or in between.');
  const smoothing = ex.labelSmoothing !== undefined;
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
  out.push(...table(ex.elements, [{ head: 'index', cell: indexCell }, { head: 'x', cell: (e) => f(e.x) }, ...yCols, { head: 'σ = sigmoid(x)', cell: (e) => f(e.sigma) }]));
  return out;
}

/** Step 2: the two log terms, pos_weight and weight. */
function logTerms({ ex, f, heading }: Steps): string[] {
  return [
    heading(2, 'The log terms, the pos_weight factor and the weight'),
    '   Binary cross-entropy charges -log σ for the positive part and -log(1 - σ) for the negative part:',
    '       loss = w * [ -p * y * log σ  -  (1 - y) * log(1 - σ) ]',
    '   p is pos_weight (multiplies the positive term only), w is weight (multiplies the whole element).',
    '   bce computes log σ = log_sigmoid(x) directly, so no logit is too large (no clamping, no log(0)).',
    '',
    ...table(ex.elements, [
      { head: 'index', cell: indexCell },
      { head: 'log σ', cell: (e) => f(e.logSigma) },
      { head: 'log(1 - σ)', cell: (e) => f(e.logOneMinusSigma) },
      { head: 'p', cell: (e) => f(e.p) },
      { head: '-p*y*log σ', cell: (e) => f(e.positiveTerm) },
      { head: '-(1-y)*log(1-σ)', cell: (e) => f(e.negativeTerm) },
      { head: 'w', cell: (e) => f(e.w) },
    ]),
  ];
}

/** Step 3: the element loss and its gradient, coloured as the table view colours them. */
function elementLoss({ ex, paint, f, heading }: Steps): string[] {
  return [
    heading(3, 'The element loss and its gradient'),
    '       loss = w * (positive term + negative term)',
    '       d loss / dx = w * [ (1 - y) * σ  -  p * y * (1 - σ) ]',
    '   A negative gradient means gradient descent raises x; a positive one lowers it.',
    '',
    ...table(ex.elements, [
      { head: 'index', cell: indexCell },
      { head: 'loss', cell: (e) => f(e.loss), paint: (t, e) => paint.heat(t, e.loss) },
      { head: 'd loss / dx', cell: (e) => f(e.grad), paint: (t, e) => paint.sign(t, e.grad) },
    ]),
  ];
}

/** Step 4: none, sum and mean over every element, the run's one marked. */
function reductions(s: Steps, precision: number | undefined): string[] {
  const { ex } = s;
  const out = [s.heading(4, `The reduction over all ${ex.n} elements`)];
  const rows: [string, string][] = [
    ['none', `keeps the ${ex.n} element losses as a tensor (bce -r none prints them)`],
    ['sum', `${humanNumber(ex.sum, precision)}`],
    ['mean', `${humanNumber(ex.mean, precision)} = sum / ${ex.n}   (the default)`],
  ];
  for (const [name, text] of rows) out.push(`   ${name.padEnd(5)} ${text}${thisRun(s, name === ex.reduction)}`);
  out.push(
    ex.reduction === 'mean'
      ? `   With mean, every gradient above is divided by ${ex.n} as well.`
      : ex.reduction === 'sum'
        ? '   With sum, the gradients are the element gradients above.'
        : '   With none, the gradient is that of the sum (PyTorch back-propagates a tensor of ones).',
  );
  return out;
}

/** Step 5: weight, pos_weight (with a worked element) and reduction. */
function parameters({ ex, paint, f, heading }: Steps): string[] {
  const out = [heading(5, 'What each parameter does')];
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
  return out;
}

/** The end of step 5: PyTorch's legacy size_average / reduce flags, the mapping that applied marked. */
function legacyFlags(s: Steps, legacy: ExplainFormatOptions['legacy']): string[] {
  const { paint } = s;
  const out = [`   ${paint.bold('size_average')}, ${paint.bold('reduce')}  PyTorch's deprecated flags. When either is given they decide the`];
  out.push('               reduction, a missing one counting as true:');
  const given = legacy !== undefined && (legacy.sizeAverage !== undefined || legacy.reduce !== undefined);
  const applied = !given ? '' : legacyReduction(legacy.sizeAverage, legacy.reduce);
  const mapping: [string, string][] = [
    ['size_average true or absent, reduce true or absent  ->  mean', 'mean'],
    ['size_average false,          reduce true or absent  ->  sum', 'sum'],
    ['size_average anything,       reduce false           ->  none', 'none'],
  ];
  for (const [text, r] of mapping) out.push(`                 ${text}${thisRun(s, r === applied)}`);
  out.push(paint.dim("               and PyTorch warns: size_average and reduce args will be deprecated, please use reduction='...'."));
  out.push(paint.dim('               bce takes them as --size-average and --reduce, with the same warning.'));
  return out;
}

/** Step 6: the command for one training step on the same input. */
function nextStep({ heading }: Steps, input = '<input>'): string[] {
  return [
    heading(6, 'Next: one training step'),
    `       bce ${input} --step 0.1`,
    '   moves every logit against its gradient (x - 0.1 * grad) and prints "Initial loss" and',
    '   "Updated loss", as one step of SGD does in a training loop.',
  ];
}
