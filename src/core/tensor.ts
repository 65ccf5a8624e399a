/**
 * Tensor = a flat row-major Float64Array plus a shape; shape and broadcasting rules.
 */
import { InputError } from '../errors.js';

export interface Tensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(data: Float64Array | readonly number[], shape?: readonly number[]): Tensor {
  const arr = data instanceof Float64Array ? data : Float64Array.from(data);
  const s = shape ?? [arr.length];
  if (numel(s) !== arr.length) {
    throw new RangeError(`shape [${s.join(', ')}] needs ${numel(s)} elements, got ${arr.length}`);
  }
  return { data: arr, shape: [...s] };
}

/** PyTorch's spelling of a shape: torch.Size([2, 3]). */
export function torchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/** Short spelling of a shape: [2, 3]. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * How a broadcast operand is read along the flat index i of the target:
 * value(i) = data[floor(i / inner) % block]. Every NumPy broadcast whose non-1 source dimensions are
 * one contiguous run of the target's dimensions has this form: a scalar (block 1), per-class [C]
 * against [N, C] (inner 1), per-sample [N, 1] (inner C), [C, 1, 1] against [B, C, H, W] (inner H*W),
 * and the full shape (inner 1, block numel). Other broadcasts are expanded to the full shape first.
 */
export interface BroadcastPlan {
  readonly data: Float64Array;
  readonly inner: number;
  readonly block: number;
}

/** The value a broadcast plan gives at flat index i of the target. */
export function valueAt(plan: BroadcastPlan, i: number): number {
  return plan.data[Math.floor(i / plan.inner) % plan.block];
}

/** Row-major coordinates of a flat index in `shape` (assert_close's unravel_flat_index). */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = flat % shape[k];
    flat = Math.floor(flat / shape[k]);
  }
  return index;
}

/**
 * Plans reading `src` broadcast to `target` (NumPy rules: right-aligned, each dimension equal or 1),
 * where `src` may never enlarge the target: PyTorch computes the loss in the logits' shape.
 * Throws an InputError naming the operand, both shapes and the dimension.
 */
export function broadcastTo(src: Tensor, target: readonly number[], name: string, where?: string): BroadcastPlan {
  const aligned = alignForBroadcast(src.shape, target, name, where);
  const rank = target.length;
  const total = numel(target);
  if (src.data.length === 1 || total === 0) return { data: src.data, inner: 1, block: 1 };
  // The non-1 source dimensions must form one contiguous run [lo, hi) for the simple plan.
  let lo = -1;
  let hi = -1;
  for (let k = 0; k < rank; k++) {
    if (aligned[k] !== 1) {
      if (lo < 0) lo = k;
      hi = k + 1;
    }
  }
  let contiguous = true;
  for (let k = lo; k < hi; k++) if (aligned[k] !== target[k]) contiguous = false;
  if (contiguous) {
    let inner = 1;
    for (let k = hi; k < rank; k++) inner *= target[k];
    return { data: src.data, inner, block: src.data.length };
  }
  return { data: expand(src.data, aligned, target), inner: 1, block: total };
}

/**
 * Checks that a tensor of shape `s` broadcasts to `target` without enlarging it, and returns `s`
 * right-aligned to the target's rank. The InputError names the operand, both shapes and the dimension.
 * PyTorch applies weight and pos_weight in place on a result of the logits' shape, so an operand that
 * would enlarge it (a larger size, or more dimensions, even leading 1s) fails there, in its words:
 * "output with shape [2, 3] doesn't match the broadcast shape [1, 2, 3]".
 */
export function alignForBroadcast(s: readonly number[], target: readonly number[], name: string, where?: string): number[] {
  const fail = (detail: string): never => {
    throw new InputError(
      where,
      // "bundle.json: weight: weight of shape" says the name twice; the place already names it there
      `${where?.endsWith(`: ${name}`) ? '' : `${name} of `}shape ${shapeString(s)} does not broadcast to the logits' shape ${shapeString(target)}: ${detail}`,
    );
  };
  const rank = target.length;
  const aligned: number[] = [];
  for (let k = 0; k < rank; k++) {
    const j = s.length - rank + k;
    aligned.push(j >= 0 ? s[j] : 1);
  }
  // Case: sizes that broadcast neither way
  for (let k = 0; k < rank; k++) {
    const sd = aligned[k];
    const td = target[k];
    if (sd !== td && sd !== 1 && td !== 1) fail(`size ${sd} at dimension ${k} must be ${td} or 1`);
  }
  // Case: the operand broadcasts with the logits, but their broadcast shape is larger than the logits'
  const extra = s.slice(0, Math.max(0, s.length - rank));
  if (extra.length > 0 || aligned.some((sd, k) => sd !== target[k] && sd !== 1)) {
    const broadcast = [...extra, ...aligned.map((sd, k) => (sd === 1 ? target[k] : sd))];
    fail(`output with shape ${shapeString(target)} doesn't match the broadcast shape ${shapeString(broadcast)}`);
  }
  return aligned;
}

/** Materialises a broadcast: `aligned` is the source shape right-aligned to `target` (same rank). */
function expand(data: Float64Array, aligned: readonly number[], target: readonly number[]): Float64Array {
  const rank = target.length;
  const total = numel(target);
  const out = new Float64Array(total);
  const srcStride = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let k = rank - 1; k >= 0; k--) {
    srcStride[k] = aligned[k] === 1 ? 0 : acc;
    acc *= aligned[k];
  }
  return gatherStrided(data, target, srcStride, out);
}

/**
 * Fills `out` with the elements of a strided view of `data` in row-major order: element (i0, i1, ...) of
 * `shape` is data[i0 * stride[0] + i1 * stride[1] + ...].
 */
export function gatherStrided(data: Float64Array, shape: readonly number[], stride: readonly number[], out: Float64Array): Float64Array {
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[off];
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      off += stride[k];
      if (idx[k] < shape[k]) break;
      off -= stride[k] * idx[k];
      idx[k] = 0;
    }
  }
  return out;
}
