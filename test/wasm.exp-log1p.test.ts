/**
 * The WebAssembly kernel's own exp, log1p (on [0, 1], the kernel's domain) and softplus(-|x|) = log1p(exp(-|x|)),
 * alone, against mpmath (fixtures/wasm/exp-log1p.json, made by fixtures/wasm/generate.py): errors measured in
 * fractions of an ulp of the exact value, over the whole double range; and the module rebuilt from its source.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { wasmKernel, wasmMap } from '../src/core/kernel-wasm.js';
import { KERNEL_WASM } from '../src/core/wasm/kernel-bytes.js';
import { flat, readJson } from './helpers/numbers.js';

interface Table {
  x: unknown[];
  hi: unknown[];
  lo: unknown[];
}
const F = readJson<Record<'exp' | 'log1p' | 'softplus', Table>>('fixtures/wasm/exp-log1p.json');

/** The size of one ulp at v (the subnormal spacing below 2^-1022). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -1021) return 2 ** -1074;
  return 2 ** (Math.floor(Math.log2(a)) - 52);
}

/**
 * |result - exact| in ulps of the exact value, where exact = hi + lo; Infinity when a non-finite value or a
 * zero's sign differs.
 */
function ulpError(r: number, hi: number, lo: number): number {
  if (!Number.isFinite(hi) || hi === 0) return Object.is(r, hi) || (r !== r && hi !== hi) ? 0 : Infinity;
  if (!Number.isFinite(r)) return Infinity;
  // r - hi is exact within a few ulps (Sterbenz); lo is far below an ulp
  let u = ulp(hi);
  // an exact value just below a power of two: the ulp below it
  if (Math.abs(hi) === 2 ** Math.floor(Math.log2(Math.abs(hi))) && Math.sign(lo) !== Math.sign(hi) && Math.abs(hi) >= 2 ** -1021) u /= 2;
  return Math.abs(r - hi - lo) / u;
}

const k = wasmKernel();

describe.each(['exp', 'log1p', 'softplus'] as const)('%s against mpmath', (f) => {
  const t = F[f];
  const [x, hi, lo] = [flat(t.x), flat(t.hi), flat(t.lo)];
  it(`is within 0.52 ulp over ${x.length} values (and exact at 0, the infinities, NaN, and the subnormal edges)`, () => {
    expect(k).not.toBeNull();
    if (k === null) return;
    const r = wasmMap(k, f, x);
    let worst = 0;
    let at = '';
    for (let i = 0; i < x.length; i++) {
      const e = ulpError(r[i], hi[i], lo[i]);
      if (!(e <= worst)) [worst, at] = [e, `x=${x[i]}: ${r[i]}, exact ${hi[i]} + ${lo[i]}`];
    }
    expect(worst, at).toBeLessThanOrEqual(0.52);
  });
});

describe('the module', () => {
  it('kernel.wasm and kernel-bytes.ts are kernel.wat assembled by wabt (bin/build-wasm.mjs), byte for byte', async () => {
    // @ts-expect-error: a JavaScript build script without declarations
    const { assemble } = (await import('../bin/build-wasm.mjs')) as { assemble(): Promise<{ bytes: Buffer; ts: string }> };
    const { bytes, ts } = await assemble();
    expect(Buffer.compare(bytes, readFileSync(new URL('../src/core/wasm/kernel.wasm', import.meta.url)))).toBe(0);
    expect(readFileSync(new URL('../src/core/wasm/kernel-bytes.ts', import.meta.url), 'utf8')).toBe(ts);
    expect(Buffer.compare(Buffer.from(KERNEL_WASM, 'base64'), bytes)).toBe(0);
  });
});
