// node bin/ab-kernel.mjs DIST_A DIST_B [--grad] [--n N] [--rounds R]: the bench's kernel script
// (bench-out/kernel.mjs, which `npm run bench` writes) on one thread against two builds of the library (two
// dist/ folders, e.g. a copy of dist/ built before a change), a process each, A and B alternating. Each
// process prints the median CPU time of the script's runs in it; this prints those of each side, their
// medians, and the ratio B / A. --grad: loss + d/dx (mean), otherwise the loss (mean); N: 10M by default.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const [distA, distB] = args.filter((a, i) => !a.startsWith('--') && !['--n', '--rounds'].includes(args[i - 1]));
const n = option('--n', 10_000_000);
const rounds = option('--rounds', 9);
const mode = args.includes('--grad') ? 1 : 0;
const script = join(root, 'bench-out', 'kernel.mjs');
if (distA === undefined || distB === undefined || !existsSync(script)) {
  console.error('usage: node bin/ab-kernel.mjs DIST_A DIST_B [--grad] [--n N] [--rounds R] (after npm run bench)');
  process.exit(2);
}

// the script imports this checkout's dist/index.js: one copy of it per build
const source = readFileSync(script, 'utf8');
const ours = JSON.stringify(join(root, 'dist/index.js'));
if (!source.includes(ours)) throw new Error(`${script} does not import ${ours}`);
const copies = [distA, distB].map((dist, k) => {
  const file = join(root, 'bench-out', `kernel-ab-${'ab'[k]}.mjs`);
  writeFileSync(file, source.replace(ours, JSON.stringify(join(resolve(dist), 'index.js'))));
  return file;
});

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const ms = [[], []];
for (let r = 0; r < rounds; r++) {
  for (const k of [0, 1]) {
    const run = spawnSync(process.execPath, [copies[k], String(n), String(mode), '1', '0', '0'], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${copies[k]}: ${run.stderr}`);
    ms[k].push(Number(run.stdout.trim()));
  }
}
const [a, b] = ms.map(median);
console.log(`${mode ? 'loss + grad' : 'loss'} (mean), ${n} elements, one thread, CPU ms per process`);
console.log(`A ${distA}: ${ms[0].map((v) => v.toFixed(1)).join(' ')}; median ${a.toFixed(1)}`);
console.log(`B ${distB}: ${ms[1].map((v) => v.toFixed(1)).join(' ')}; median ${b.toFixed(1)}`);
console.log(`B / A ${(b / a).toFixed(3)}`);
