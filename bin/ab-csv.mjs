// node bin/ab-csv.mjs OTHER_BCE RUNS LOGITS TARGETS [-- ARGS...]: this build's CLI (bin/bce.cjs) against
// another build's (OTHER_BCE, e.g. a copy of main's bin/bce.cjs with its dist/) and against pandas.read_csv +
// torch (when /usr/bin/python3 has them), on one pair of CSV files, the commands alternating (the order
// reversed every other round). Prints the medians of wall and CPU time (user + system, all threads) and peak
// RSS from /usr/bin/time, and the ratios of wall times. ARGS replace the default `--json` (e.g. `-r none -o
// out.npz`; pandas is then left out). Needs dist/ (npm run build) and /usr/bin/time.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [other, runs, lx, ty, ...rest] = process.argv.slice(2);
if (!other || !runs || !lx || !ty) throw new Error('usage: node bin/ab-csv.mjs OTHER_BCE RUNS LOGITS TARGETS [-- ARGS...]');
const args = rest[0] === '--' ? rest.slice(1) : ['--json'];
const py = `import pandas as pd, torch
import torch.nn.functional as F
x = torch.from_numpy(pd.read_csv(${JSON.stringify(lx)}, header=None, dtype='float64').to_numpy())
y = torch.from_numpy(pd.read_csv(${JSON.stringify(ty)}, header=None, dtype='float64').to_numpy())
print(F.binary_cross_entropy_with_logits(x, y).item())`;
const hasPandas = args[0] === '--json' && spawnSync('/usr/bin/python3', ['-c', 'import pandas, torch']).status === 0;
const commands = {
  other: [process.execPath, other, '-l', lx, '-t', ty, ...args],
  this: [process.execPath, join(root, 'bin', 'bce.cjs'), '-l', lx, '-t', ty, ...args],
  ...(hasPandas ? { pandas: ['/usr/bin/python3', '-c', py] } : {}),
};
const keys = Object.keys(commands);
const times = Object.fromEntries(keys.map((k) => [k, []]));
const outputs = {};
for (let i = 0; i < Number(runs); i++) {
  for (const k of i % 2 ? [...keys].reverse() : keys) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...commands[k]], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${k}: ${r.stderr}`);
    const [wall, user, sys, kib] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    times[k].push({ wall, cpu: user + sys, mib: kib / 1024 });
    outputs[k] = r.stdout.trim();
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const result = {};
for (const k of keys) {
  const t = times[k];
  result[k] = { wall: median(t.map((x) => x.wall)), cpu: +median(t.map((x) => x.cpu)).toFixed(2), peakMiB: Math.round(median(t.map((x) => x.mib))) };
}
console.log(JSON.stringify({ runs: Number(runs), logits: lx, args, result }));
console.log(`this / other: wall ${(result.this.wall / result.other.wall).toFixed(2)}, CPU ${(result.this.cpu / result.other.cpu).toFixed(2)}`);
if (hasPandas) {
  console.log(`this / pandas: ${(result.this.wall / result.pandas.wall).toFixed(2)}, other / pandas: ${(result.other.wall / result.pandas.wall).toFixed(2)} (wall)`);
}
if (outputs.this !== outputs.other) console.log(`outputs differ: ${outputs.this} against ${outputs.other}`);
