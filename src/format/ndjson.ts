/**
 * NDJSON writer, for consumers that stream: one JSON object per line, one line per row of element losses.
 * A row is the last dimension at one leading index: {"index": [0], "loss": [0.47, 0.26, 0.05]} for a
 * matrix; a 1-D tensor has one line per element, {"index": [3], "loss": 0.47}; a scalar one line with
 * "index": []. "grad" and "grad_targets" follow the same layout when asked for. Numbers are shortest
 * round-trip; non-finite values are the strings "NaN", "Infinity", "-Infinity".
 */
import { jsonNumber } from './number.js';
import { chunkRows } from './sink.js';

export interface NdjsonColumns {
  shape: readonly number[];
  /** the element losses, always present */
  loss: Float64Array;
  grad?: Float64Array;
  gradTargets?: Float64Array;
}

export function* formatNdjson(t: NdjsonColumns): Generator<string> {
  const rank = t.shape.length;
  const width = rank >= 2 ? t.shape[rank - 1] : 1;
  const lead = rank >= 2 ? t.shape.slice(0, rank - 1) : t.shape;
  const n = t.loss.length;
  const rows = width === 0 ? 0 : n / width;
  const fields: [string, Float64Array][] = [['loss', t.loss]];
  if (t.grad) fields.push(['grad', t.grad]);
  if (t.gradTargets) fields.push(['grad_targets', t.gradTargets]);
  const idx = new Array<number>(lead.length).fill(0);
  yield* chunkRows(rows, (r) => {
    let line = `{"index": [${idx.join(', ')}]`;
    const base = r * width;
    for (const [name, data] of fields) {
      if (rank >= 2) {
        let cells = '';
        for (let c = 0; c < width; c++) cells += (c > 0 ? ', ' : '') + jsonNumber(data[base + c]);
        line += `, "${name}": [${cells}]`;
      } else {
        line += `, "${name}": ${jsonNumber(data[base])}`;
      }
    }
    for (let k = lead.length - 1; k >= 0; k--) {
      if (++idx[k] < lead[k]) break;
      idx[k] = 0;
    }
    return `${line}}\n`;
  });
}
