/**
 * Hints for the shape mistakes people make most with BCEWithLogitsLoss: targets of shape [N] against
 * logits [N, 1] (and the reverse), class indices instead of one 0/1 per class, a pos_weight or weight
 * with the wrong number of values. Each hint goes on the error's line, saying how to fix it; pure text.
 */
import { InputError } from '../errors.js';
import { alignForBroadcast, numel, shapeString } from './tensor.js';

const list = (n: number) => Array.from({ length: Math.min(n, 4) }, () => '1').join(',') + (n > 4 ? ',...' : '');

/** A hint for targets whose shape is not the logits', or undefined. */
export function targetShapeHint(t: readonly number[], x: readonly number[]): string | undefined {
  const [n] = x;
  if (x.length === 2 && x[1] === 1 && t.length === 1 && t[0] === n) {
    return `the targets are [${n}] and the logits [${n}, 1]: make them agree, e.g. in PyTorch targets.unsqueeze(1) or logits.squeeze(1) (NumPy: targets.reshape(-1, 1))`;
  }
  if (t.length === 2 && t[1] === 1 && x.length === 1 && t[0] === n) {
    return `the targets are [${n}, 1] and the logits [${n}]: make them agree, e.g. in PyTorch targets.squeeze(1) or logits.unsqueeze(1) (NumPy: targets.reshape(-1))`;
  }
  if (x.length === 2 && t.length === 1 && t[0] === n && x[1] > 1) {
    return `BCEWithLogitsLoss needs one 0/1 target per class, shape [${n}, ${x[1]}]; targets of shape [${n}] look like class indices: one-hot encode them (torch.nn.functional.one_hot(t, ${x[1]}).float())`;
  }
  if (x.length === 2 && t.length === 2 && t[0] === x[1] && t[1] === x[0]) {
    return `the targets look transposed, one row per class: transpose them to ${shapeString(x)} (targets.T)`;
  }
  if (numel(t) === numel(x) && numel(x) > 0) {
    return `both hold ${numel(x)} elements: reshape the targets to ${shapeString(x)}`;
  }
  return undefined;
}

/** A hint for a weight or pos_weight that does not broadcast to the logits, or undefined. */
export function operandShapeHint(name: 'weight' | 'pos_weight', s: readonly number[], x: readonly number[]): string | undefined {
  const classes = x[x.length - 1];
  const flag = name === 'weight' ? '-w' : '-p';
  if (s.length !== 1 || x.length === 0) return undefined;
  const k = s[0];
  if (name === 'pos_weight') {
    if (x.length >= 3 && k === x[1]) {
      return `for logits [B, C, H, W] pos_weight goes per channel with shape [${k}, 1, 1] (pos_weight.view(-1, 1, 1))`;
    }
    const samples = x.length >= 2 && k === x[0] ? `; ${k} is the number of samples, and a per-sample factor is --weight of shape [${k}, 1]` : '';
    return `pos_weight holds one value per class: the logits have ${classes} classes (their last dimension) and this pos_weight has ${k} values; give ${classes}, e.g. ${flag} ${list(classes)}${samples}`;
  }
  if (x.length >= 2 && k === x[0]) {
    return `a weight per sample needs shape [${k}, 1] (weight.unsqueeze(1)); a 1-D weight is read per class, ${classes} values`;
  }
  return `a 1-D weight is read per class: the logits have ${classes} classes (their last dimension), give ${classes} values, e.g. ${flag} ${list(classes)}`;
}

/** What a hint adds to an error message: the same line goes on, as errors are one line. */
export function hintLine(hint: string | undefined): string {
  return hint === undefined ? '' : `; hint: ${hint}`;
}

/** alignForBroadcast for weight or pos_weight, its error carrying a hint where one helps. */
export function checkOperandShape(name: 'weight' | 'pos_weight', s: readonly number[], x: readonly number[], where?: string): void {
  try {
    alignForBroadcast(s, x, name, where);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(e.where, `${e.what}${hintLine(operandShapeHint(name, s, x))}`);
  }
}
