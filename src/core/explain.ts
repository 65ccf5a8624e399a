/**
 * The steps of `bce explain` as numbers: for the first rows of the input, each element's sigmoid, log
 * terms, pos_weight and weight, loss and gradient; then the reductions over the whole input. Pure: the
 * wording lives in format/explain.ts.
 */
import type { Tensor } from './tensor.js';
import { broadcastTo, numel, unravelIndex, valueAt } from './tensor.js';
import type { Reduction } from './kernel.js';
import { bceElement, bceGradLogit, bceWithLogits, logSigmoid, sigmoid } from './kernel.js';

export interface ExplainedElement {
  /** the element's index in the logits, e.g. [0, 2] */
  readonly index: readonly number[];
  readonly x: number;
  /** the target the loss uses (after label smoothing, if any) */
  readonly y: number;
  /** the target as given, when label smoothing changed it */
  readonly yGiven?: number;
  readonly sigma: number;
  /** log sigmoid(x) = log p */
  readonly logSigma: number;
  /** log(1 - sigmoid(x)) = log sigmoid(-x) */
  readonly logOneMinusSigma: number;
  /** pos_weight in effect (1 when none) */
  readonly p: number;
  /** weight in effect (1 when none) */
  readonly w: number;
  /** -p * y * log sigmoid(x): the cost of the positive part */
  readonly positiveTerm: number;
  /** -(1 - y) * log(1 - sigmoid(x)): the cost of the negative part */
  readonly negativeTerm: number;
  /** w * (positiveTerm + negativeTerm), computed by the kernel's accurate form */
  readonly loss: number;
  /** d element loss / d x = w * [(1 - y) sigmoid(x) - p y (1 - sigmoid(x))] */
  readonly grad: number;
}

/** What pos_weight would do to one positive element shown above. */
export interface PosWeightDemo {
  readonly index: readonly number[];
  readonly x: number;
  /** the pos_weight used for the demonstration: the one in effect, or 3 when none is given */
  readonly p: number;
  /** the element's loss with pos_weight 1 and with p (weight in effect applied to both) */
  readonly lossWithout: number;
  readonly lossWith: number;
  readonly gradWithout: number;
  readonly gradWith: number;
}

export interface Explanation {
  readonly shape: readonly number[];
  readonly n: number;
  readonly reduction: Reduction;
  /** rows (of the last dimension) shown, and how many there are */
  readonly rowsShown: number;
  readonly rows: number;
  /** columns shown per row, and how many there are */
  readonly colsShown: number;
  readonly cols: number;
  readonly elements: readonly ExplainedElement[];
  readonly hasWeight: boolean;
  readonly hasPosWeight: boolean;
  readonly labelSmoothing?: number;
  /** over the whole input */
  readonly sum: number;
  readonly mean: number;
  /** the loss for the run's reduction: a number, or the element tensor for 'none' */
  readonly loss: number | Float64Array;
  readonly posWeightDemo?: PosWeightDemo;
}

export interface ExplainInputs {
  logits: Tensor;
  targets: Tensor;
  /** the targets as given, when label smoothing produced `targets` */
  givenTargets?: Tensor;
  labelSmoothing?: number;
  weight?: Tensor;
  posWeight?: Tensor;
  reduction: Reduction;
}

export interface ExplainLimits {
  /** rows of the last dimension to walk through (default 2) */
  rows?: number;
  /** elements per row at most (default 6) */
  cols?: number;
}

/** The first rows' elements, step by step: rowsShown rows of cols, colsShown of each. */
function explainElements(inputs: ExplainInputs, rowsShown: number, colsShown: number, cols: number): ExplainedElement[] {
  const shape = inputs.logits.shape;
  const wPlan = inputs.weight ? broadcastTo(inputs.weight, shape, 'weight') : undefined;
  const pPlan = inputs.posWeight ? broadcastTo(inputs.posWeight, shape, 'pos_weight') : undefined;
  const at = (plan: typeof wPlan, i: number) => (plan ? valueAt(plan, i) : 1);
  const x = inputs.logits.data;
  const y = inputs.targets.data;
  const given = inputs.givenTargets?.data;
  const elements: ExplainedElement[] = [];
  for (let r = 0; r < rowsShown; r++) {
    for (let c = 0; c < colsShown; c++) {
      const i = r * cols + c;
      const xi = x[i];
      const yi = y[i];
      const p = at(pPlan, i);
      const w = at(wPlan, i);
      const logSigma = logSigmoid(xi);
      const logOneMinusSigma = logSigmoid(-xi);
      elements.push({
        index: unravelIndex(i, shape),
        x: xi,
        y: yi,
        ...(given !== undefined ? { yGiven: given[i] } : {}),
        sigma: sigmoid(xi),
        logSigma,
        logOneMinusSigma,
        p,
        w,
        positiveTerm: p * yi === 0 ? 0 : -p * yi * logSigma,
        negativeTerm: 1 - yi === 0 ? 0 : -(1 - yi) * logOneMinusSigma,
        loss: bceElement(xi, yi, w, p),
        grad: bceGradLogit(xi, yi, w, p),
      });
    }
  }
  return elements;
}

/** The reductions over the whole input: sum, mean, and the loss for the run's reduction. */
function explainReductions(inputs: ExplainInputs, n: number): { sum: number; mean: number; loss: number | Float64Array } {
  const base = { weight: inputs.weight, posWeight: inputs.posWeight };
  const sum = bceWithLogits(inputs.logits, inputs.targets, { ...base, reduction: 'sum' }).loss as number;
  const mean = sum / n;
  const loss =
    inputs.reduction === 'sum'
      ? sum
      : inputs.reduction === 'mean'
        ? mean
        : (bceWithLogits(inputs.logits, inputs.targets, { ...base, reduction: 'none' }).loss as Float64Array);
  return { sum, mean, loss };
}

/** pos_weight at work on the first shown element whose target is positive, if any. */
function posWeightDemoOf(elements: readonly ExplainedElement[]): PosWeightDemo | undefined {
  const positive = elements.find((e) => e.y > 0);
  if (!positive) return undefined;
  const p = positive.p !== 1 ? positive.p : 3;
  const { x: xe, y: ye, w } = positive;
  return {
    index: positive.index,
    x: xe,
    p,
    lossWithout: bceElement(xe, ye, w, 1),
    lossWith: bceElement(xe, ye, w, p),
    gradWithout: bceGradLogit(xe, ye, w, 1),
    gradWith: bceGradLogit(xe, ye, w, p),
  };
}

export function explain(inputs: ExplainInputs, limits: ExplainLimits = {}): Explanation {
  const shape = inputs.logits.shape;
  const n = numel(shape);
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const rows = cols === 0 ? 0 : n / cols;
  const rowsShown = Math.min(rows, limits.rows ?? 2);
  const colsShown = Math.min(cols, limits.cols ?? 6);
  const elements = explainElements(inputs, rowsShown, colsShown, cols);
  const { sum, mean, loss } = explainReductions(inputs, n);
  const posWeightDemo = posWeightDemoOf(elements);
  return {
    shape,
    n,
    reduction: inputs.reduction,
    rowsShown,
    rows,
    colsShown,
    cols,
    elements,
    hasWeight: inputs.weight !== undefined,
    hasPosWeight: inputs.posWeight !== undefined,
    ...(inputs.labelSmoothing !== undefined ? { labelSmoothing: inputs.labelSmoothing } : {}),
    sum,
    mean,
    loss,
    ...(posWeightDemo ? { posWeightDemo } : {}),
  };
}
