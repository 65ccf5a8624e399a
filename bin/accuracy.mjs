#!/usr/bin/env node
// Prints the worst error of bce, and of PyTorch float64 where the fixture has its values, against the
// 1000-digit mpmath reference, row by row as README's accuracy table states the bounds, over
// fixtures/torch/extreme.json and parity.json (made by generate.py and generate_parity.py).
// Run after `npm run build`:   node bin/accuracy.mjs
import { readFileSync } from 'node:fs';
import { bceElement, bceGradLogit, bceGradTarget } from '../dist/index.js';

const read = (f) => JSON.parse(readFileSync(new URL(`../fixtures/torch/${f}`, import.meta.url), 'utf8'));
const num = (v) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const ord = (x) => {
  f64[0] = x;
  return i64[0] < 0n ? -(i64[0] & 0x7fffffffffffffffn) : i64[0];
};
const ulp = (a, b) => (a === b || (a !== a && b !== b) ? 0 : a !== a || b !== b || !isFinite(a) || !isFinite(b) ? Infinity : Number(ord(a) > ord(b) ? ord(a) - ord(b) : ord(b) - ord(a)));
const EPS = 2 ** -52;
const softplus = (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

// every element of every fixture, as { x, y, w, p, n, ref: {loss, grad, dy}, torch? }
const elements = [];
const add = (src, g, n, torch) => {
  for (let i = 0; i < g.x.length; i++) {
    elements.push({
      src, x: num(g.x[i]), y: num(g.y[i]), w: num(g.w[i]), p: num(g.p[i]), n: n ? num(n[i]) : 1,
      ref: { loss: num(g.ref.loss[i]), grad: num(g.ref.grad[i]), dy: num(g.ref.grad_targets[i]) },
      torch: torch && { loss: num(torch.loss[i]), grad: num(torch.grad[i]), dy: num(torch.grad_targets[i]) },
    });
  }
};
const e = read('extreme.json');
add('extreme', { ...e, ref: e.reference }, null, e.torch);
const P = read('parity.json');
for (const [name, g] of Object.entries(P.elements)) add(name, { ...g, ref: g.reference }, null, g.torch);
add('chained', { ...P.chained, ref: P.chained }, P.chained.n, null);

const inside = (k) => k.y >= 0 && k.y <= 1;
const hard = (k) => k.y === 0 || k.y === 1;
const oneSign = (k) => (k.x >= 0 ? k.p <= 1 : k.p >= 1);
const ours = {
  loss: (k) => bceElement(k.x, k.y, k.w, k.p),
  grad: (k) => bceGradLogit(k.x, k.y, k.w, k.p, k.n),
  dy: (k) => bceGradTarget(k.x, k.y, k.w, k.p, k.n),
};
const rel = (size) => (v, k, key) => Math.abs(v - k.ref[key]) / (EPS * size(k));
const byUlp = (v, k, key) => ulp(v, k.ref[key]);
const rows = [
  ['element loss, 0 <= y <= 1 (ulp)', 'loss', inside, byUlp],
  ['element loss, y outside [0, 1] (eps x terms)', 'loss', (k) => !inside(k), rel((k) => k.w * (Math.abs(k.x) * Math.max(Math.abs(1 - k.y), Math.abs(k.p * k.y)) + (Math.abs(1 - k.y) + Math.abs(k.p * k.y)) * softplus(-Math.abs(k.x))))],
  ['d/dx, y in {0, 1} (ulp)', 'grad', hard, byUlp],
  ['d/dx, soft y (eps x terms)', 'grad', (k) => !hard(k), rel((k) => (k.w * (Math.abs(1 - k.y) + Math.abs(k.p * k.y))) / k.n)],
  ['d/dy, terms of one sign, n = 1 (ulp)', 'dy', (k) => oneSign(k) && k.n === 1, byUlp],
  ['d/dy, terms of one sign, with 1/n (ulp)', 'dy', (k) => oneSign(k) && k.n !== 1, byUlp],
  ['d/dy, otherwise (eps x terms)', 'dy', (k) => !oneSign(k), rel((k) => (k.w * (Math.abs(k.x) * Math.max(1, k.p) + Math.abs(k.p - 1) * softplus(-Math.abs(k.x)))) / k.n)],
];
const table = [];
for (const [label, key, which, err] of rows) {
  let count = 0, worst = 0, at = '', torch = 0;
  for (const k of elements) {
    if (!which(k)) continue;
    count++;
    const d = err(ours[key](k), k, key);
    if (d > worst) [worst, at] = [d, `${k.src}: x=${k.x} y=${k.y} w=${k.w} p=${k.p}${k.n !== 1 ? ` n=${k.n}` : ''}`];
    if (k.torch && k.n === 1) torch = Math.max(torch, err(k.torch[key], k, key));
  }
  table.push({ quantity: label, elements: count, 'bce worst': +worst.toPrecision(3), 'bce at': at, 'PyTorch worst': torch.toExponential(2) });
}
const sgd = P.sgd.filter((s) => num(s.torch) !== num(s.reference)).length;
console.log(`${elements.length} elements; torch ${P.versions.torch}, mpmath ${P.versions.mpmath} at ${P.versions.mp_dps} digits; PyTorch's SGD update differs from the correctly rounded one in ${sgd} of ${P.sgd.length} steps`);
console.table(table);
