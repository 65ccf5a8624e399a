#!/usr/bin/env node
// Prints the worst error, in ulp of the 1000-digit mpmath reference, of bce and of PyTorch float64 over
// the fixtures in fixtures/torch/ (made by fixtures/torch/generate.py). Run after `npm run build`:
//   node bin/accuracy.mjs
import { readFileSync } from 'node:fs';
import { bceElement, bceGradLogit, bceGradTarget } from '../dist/index.js';

const e = JSON.parse(readFileSync(new URL('../fixtures/torch/extreme.json', import.meta.url), 'utf8'));
const num = (v) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const ord = (x) => {
  f64[0] = x;
  return i64[0] < 0n ? -(i64[0] & 0x7fffffffffffffffn) : i64[0];
};
const ulp = (a, b) => (a === b || (a !== a && b !== b) ? 0 : a !== a || b !== b || !isFinite(a) || !isFinite(b) ? Infinity : Number(ord(a) > ord(b) ? ord(a) - ord(b) : ord(b) - ord(a)));

const rows = [];
const n = e.x.length;
const x = e.x.map(num), y = e.y.map(num), w = e.w.map(num), p = e.p.map(num);
for (const [label, key, f, which] of [
  ['loss, all elements', 'loss', bceElement, () => true],
  ['d/dx, y in {0, 1}', 'grad', bceGradLogit, (i) => y[i] === 0 || y[i] === 1],
  ['d/dy, all elements', 'grad_targets', bceGradTarget, () => true],
]) {
  let ours = 0, theirs = 0, oursAt = '', theirsAt = '';
  for (let i = 0; i < n; i++) {
    if (!which(i)) continue;
    const ref = num(e.reference[key][i]);
    const a = ulp(f(x[i], y[i], w[i], p[i]), ref);
    const b = ulp(num(e.torch[key][i]), ref);
    if (a > ours) [ours, oursAt] = [a, `x=${x[i]} y=${y[i]} w=${w[i]} p=${p[i]}`];
    if (b > theirs) [theirs, theirsAt] = [b, `x=${x[i]} y=${y[i]}`];
  }
  rows.push({ quantity: label, 'bce worst ulp': ours, 'bce at': oursAt, 'PyTorch worst ulp': theirs.toExponential(2), 'PyTorch at': theirsAt });
}
// Soft targets: d/dx = w [(1 - y) sigmoid(x) - p y sigmoid(-x)] crosses zero, where no double
// evaluation has relative accuracy (PyTorch neither); measure the absolute error in units of eps.
{
  const eps = 2 ** -52;
  let ours = 0, theirs = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === 0 || y[i] === 1) continue;
    const ref = num(e.reference.grad[i]);
    ours = Math.max(ours, Math.abs(bceGradLogit(x[i], y[i], w[i], p[i]) - ref) / eps);
    theirs = Math.max(theirs, Math.abs(num(e.torch.grad[i]) - ref) / eps);
  }
  rows.push({ quantity: 'd/dx, soft y (abs error / eps)', 'bce worst ulp': ours, 'bce at': '', 'PyTorch worst ulp': theirs.toExponential(2), 'PyTorch at': '' });
}
console.log(`${n} elements, x from ${Math.min(...x.filter(isFinite))} to ${Math.max(...x.filter(isFinite))}, torch ${e.versions.torch}, mpmath ${e.versions.mpmath} at ${e.versions.mp_dps} digits`);
console.table(rows);
