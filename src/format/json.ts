/**
 * JSON writer: one document, numbers in shortest round-trip form, non-finite values as strings.
 * {"reduction": "mean", "shape": [2, 3], "loss": 0.51..., "grad": [[...]], "grad_targets": [[...]]}
 */
import type { BceResult } from '../core/kernel.js';
import type { Histogram, PerClass, ValueRange } from '../core/stats.js';
import { jsonNumber } from './number.js';
import type { RunExtras } from './result.js';
import { chunkRows } from './sink.js';

/** Nested JSON arrays of `shape` over flat row-major `data`, yielded in chunks by the sink. */
export function* nestedJson(data: Float64Array, shape: readonly number[]): Generator<string> {
  if (shape.length === 0) {
    yield jsonNumber(data[0]);
    return;
  }
  const rank = shape.length;
  const last = shape[rank - 1];
  const rows = last === 0 ? 0 : data.length / last;
  // A leading zero dimension: no rows at all; the brackets still say the rank.
  if (rows === 0 && shape.some((d) => d === 0)) {
    yield nestEmpty(shape);
    return;
  }
  const idx = new Array<number>(rank - 1).fill(0);
  yield* chunkRows(rows, (r) => {
    // opening brackets for each dimension that starts a new block at this row
    let open = 0;
    for (let k = rank - 2; k >= 0 && idx[k] === 0; k--) open++;
    if (r === 0) open = rank - 1;
    let line = '['.repeat(open + 1);
    const base = r * last;
    for (let c = 0; c < last; c++) {
      if (c > 0) line += ', ';
      line += jsonNumber(data[base + c]);
    }
    line += ']';
    // advance the row index and close finished blocks
    let close = 0;
    for (let k = rank - 2; k >= 0; k--) {
      idx[k]++;
      if (idx[k] < shape[k]) break;
      idx[k] = 0;
      close++;
    }
    if (rank === 1) close = 0;
    line += ']'.repeat(close);
    if (r < rows - 1) line += ', ';
    return line;
  });
}

/** JSON for a tensor with a zero dimension, e.g. [2, 0] -> [[], []], [0, 3] -> []. */
function nestEmpty(shape: readonly number[]): string {
  const build = (k: number): string => {
    if (k === shape.length - 1 || shape[k] === 0) return '[]';
    const inner = build(k + 1);
    return `[${new Array(shape[k]).fill(inner).join(', ')}]`;
  };
  return build(0);
}

export function* formatJson(r: BceResult, extras: RunExtras = {}): Generator<string> {
  const smoothing = extras.labelSmoothing !== undefined ? `, "label_smoothing": ${jsonNumber(extras.labelSmoothing)}` : '';
  yield `{"reduction": "${r.reduction}"${smoothing}, "shape": [${r.shape.join(', ')}], "loss": `;
  if (typeof r.loss === 'number') yield jsonNumber(r.loss);
  else yield* nestedJson(r.loss, r.shape);
  if (r.grad) {
    yield ', "grad": ';
    yield* nestedJson(r.grad, r.shape);
  }
  if (r.gradTargets) {
    yield ', "grad_targets": ';
    yield* nestedJson(r.gradTargets, r.shape);
  }
  if (extras.perClass) yield `, "per_class": ${perClassJson(extras.perClass)}`;
  if (extras.histogram) yield `, "histogram": ${histogramJson(extras.histogram)}`;
  if (extras.step) {
    const s = extras.step;
    yield `, "step": {"lr": ${jsonNumber(s.lr)}, "objective": "${s.objective}", "initial_loss": ${jsonNumber(s.initialLoss)}, "updated_loss": ${jsonNumber(s.updatedLoss)}, "updated_logits": `;
    yield* nestedJson(s.updatedLogits.data, s.updatedLogits.shape);
    yield '}';
  }
  yield '}\n';
}

const list = (xs: readonly number[]) => `[${xs.map(jsonNumber).join(', ')}]`;
const range = (r: ValueRange) => (r.min === r.max ? jsonNumber(r.min) : `{"min": ${jsonNumber(r.min)}, "max": ${jsonNumber(r.max)}}`);

/** [{"class": 0, "mean_loss": ..., "sum_loss": ..., "share": ..., "positives": ..., "negatives": ..., "pos_weight": ..., "weight": ...}, ...] */
function perClassJson(s: PerClass): string {
  const rows = s.classes.map(
    (c) =>
      `{"class": ${c.index}, "mean_loss": ${jsonNumber(c.meanLoss)}, "sum_loss": ${jsonNumber(c.sumLoss)}, "share": ${jsonNumber(c.share)}, ` +
      `"positives": ${c.positives}, "negatives": ${c.negatives}, "pos_weight": ${range(c.posWeight)}, "weight": ${range(c.weight)}}`,
  );
  return `[${rows.join(', ')}]`;
}

/** {"scale": "linear", "edges": [...], "counts": [...], "non_positive"?: k, "nan"?: k, "inf"?: k, "-inf"?: k} */
function histogramJson(h: Histogram): string {
  let out = `{"scale": "${h.scale}", "edges": ${list(h.edges)}, "counts": [${h.counts.join(', ')}]`;
  if (h.scale === 'log') out += `, "non_positive": ${h.nonPositive}`;
  out += `, "nan": ${h.nan}, "inf": ${h.posInf}, "-inf": ${h.negInf}}`;
  return out;
}
