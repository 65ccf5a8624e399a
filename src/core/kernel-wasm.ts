/**
 * The WebAssembly SIMD element loops (wasm/kernel.wat, embedded as base64 in wasm/kernel-bytes.ts) and
 * their driver. The module is compiled on first use, and only where WebAssembly with 128-bit SIMD is
 * available; otherwise wasmKernel() returns null and kernel.ts runs its JS loops.
 *
 * The loops evaluate the same formula as kernel.ts for uniform weight and pos_weight, two elements at a time,
 * with the module's own exp and log1p (each within 0.52 ulp, documented in kernel.wat). A pair that has an
 * element at an edge (subnormal exp, a non-finite result, NaN) is computed by the JS formula and its edge
 * cases (the `element` callback), and the loop resumes after it. The compensated sum runs as two lanes of
 * Neumaier (even and odd elements, counted from `from`), merged at the end by one more Neumaier step: the
 * result depends only on the inputs and `from`, never on the machine or the number of threads.
 */

import { KERNEL_WASM } from './wasm/kernel-bytes.js';
import type { CompensatedSum } from './sum.js';
import { compensate } from './sum.js';

/** Elements moved into the module's memory per call. */
const BLOCK = 2048;
/** Offsets in the module's memory, in doubles (kernel.wat): x, y, the losses, d/dx, e = exp(-|x|) (and its low part), softplus. */
const X = 8192 / 8;
const Y = 24576 / 8;
const LOSS = 40960 / 8;
const GRAD = 57344 / 8;
const E = 73728 / 8;
const ELO = 90112 / 8;
const SP = 106496 / 8;

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

interface Exports {
  memory: { buffer: ArrayBuffer };
  prepare(n: number): void;
  run(mode: number, start: number, n: number, w: number, p: number, edge: number, d: number): number;
  exp(n: number): void;
  log1p(n: number): void;
  softplus(n: number): void;
}

export interface WasmKernel {
  exports: Exports;
  /** the module's memory as doubles (it never grows, so the view stays valid) */
  mem: Float64Array;
}

let kernel: WasmKernel | null | undefined;
let allowed = true;

/** Turns the WebAssembly kernel off (false: the JS loops everywhere, as without SIMD) or back on. */
export function allowWasm(on: boolean): void {
  allowed = on;
}

function decode(base64: string): Uint8Array {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

function instantiate(): WasmKernel | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) return null;
  const bytes = decode(KERNEL_WASM);
  // false where the engine lacks 128-bit SIMD
  if (!api.validate(bytes)) return null;
  let exports: Exports;
  try {
    exports = new api.Instance(new api.Module(bytes), {}).exports as Exports;
  } catch (e) {
    // a WebAssembly memory reserves gigabytes of address space (its guard regions): under an address-space
    // limit (ulimit -v) the engine cannot create one, and the JS loops run instead
    if (e instanceof RangeError) return null;
    throw e;
  }
  return { exports, mem: new Float64Array(exports.memory.buffer) };
}

/** The compiled module, or null where WebAssembly SIMD is unavailable or turned off. */
export function wasmKernel(): WasmKernel | null {
  if (!allowed) return null;
  if (kernel === undefined) kernel = instantiate();
  return kernel;
}

/** One of the module's own functions (exp, log1p on [0, 1], softplus(-|x|)) over `input`. */
export function wasmMap(k: WasmKernel, f: 'exp' | 'log1p' | 'softplus', input: Float64Array): Float64Array {
  const out = new Float64Array(input.length);
  const [from, to] = f === 'exp' ? [X, E] : f === 'log1p' ? [E, SP] : [X, SP];
  for (let lo = 0; lo < input.length; lo += BLOCK) {
    const m = Math.min(BLOCK, input.length - lo);
    k.mem.set(input.subarray(lo, lo + m), from);
    k.mem[from + m] = 0;
    k.mem.fill(0, ELO, ELO + m + 1);
    k.exports[f](m + (m & 1));
    out.set(k.mem.subarray(to, to + m), lo);
  }
  return out;
}

/** Adds v to lane `lane` of the two-lane sum in the module's memory (s at 0-1, c at 2-3). */
function laneAdd(mem: Float64Array, lane: number, v: number): void {
  const s = mem[lane];
  const t = s + v;
  mem[2 + lane] = compensate(mem[2 + lane], s, v, t);
  mem[lane] = t;
}

/** What the element loop writes; `element(i, out)` sets out[0] (the loss) and out[1] (d/dx) of element i by the JS formula. */
export interface WasmOutputs {
  loss?: Float64Array;
  grad?: Float64Array;
  sum?: CompensatedSum;
  element(i: number, out: Float64Array): void;
}

/**
 * The elements [from, to) for uniform weight w and pos_weight p (edge = edgeOf(p)), gradients divided by d:
 * the losses into o.loss, d/dx into o.grad, the losses' sum into o.sum, each indexed from 0 at `from`.
 */
export function wasmElements(k: WasmKernel, x: Float64Array, y: Float64Array, w: number, p: number, edge: number, d: number, from: number, to: number, o: WasmOutputs): void {
  const { mem, exports } = k;
  const { loss, grad, sum } = o;
  const mode = (loss ? 1 : 0) | (grad ? 2 : 0) | (sum ? 4 : 0);
  const [s, c] = sum ? sum.state() : [0, 0];
  mem.set([s, 0, c, 0], 0);
  const pair = new Float64Array(2);
  // element j of the block by the JS formula, into the module's outputs and lane j & 1
  const byJs = (lo: number, j: number) => {
    o.element(lo + j, pair);
    mem[LOSS + j] = pair[0];
    mem[GRAD + j] = pair[1];
    if (sum) laneAdd(mem, j & 1, pair[0]);
  };
  for (let lo = from; lo < to; lo += BLOCK) {
    const m = Math.min(BLOCK, to - lo);
    const even = m & ~1;
    mem.set(x.subarray(lo, lo + m), X);
    mem.set(y.subarray(lo, lo + m), Y);
    exports.prepare(even);
    for (let i = exports.run(mode, 0, even, w, p, edge, d); i < even; i = exports.run(mode, i + 2, even, w, p, edge, d)) {
      byJs(lo, i);
      byJs(lo, i + 1);
    }
    if (m !== even) byJs(lo, even);
    if (loss) loss.set(mem.subarray(LOSS, LOSS + m), lo - from);
    if (grad) grad.set(mem.subarray(GRAD, GRAD + m), lo - from);
  }
  if (sum) {
    const t = mem[0] + mem[1];
    sum.setState(t, compensate(mem[2] + mem[3], mem[0], mem[1], t));
  }
}
