// node bin/ab-build.mjs A B [C...] [runs] -- BCE_ARGS...: one bce command run by two builds (or more), alternating.
//
// A, B... are checkouts that have been built (each has bin/bce.cjs and dist/), for instance the current one
// (.) and another worktree of an earlier commit, each optionally followed by environment settings of its own:
// `.@BCE_THREADS=1 .@BCE_THREADS=2` compares one build with itself on one and two threads. Each round runs
// `bce seed.json` (the start-up) and the command with each side, each side first in turn. Prints the medians
// of the wall time and of the CPU time (user + system, all threads, by /usr/bin/time), the input MB/s after
// start-up (the files among BCE_ARGS, divided by the wall time less the start-up, as `npm run bench` computes
// it), and the ratios to A. Environment for every side: set it on this command. A side `pandas` is the Python
// pipeline a user would otherwise run on the CSV files of -l and -t (pandas.read_csv + torch, by
// /usr/bin/python3), timed the same way, with no start-up and its output not compared.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dash = process.argv.indexOf('--');
const before = process.argv.slice(2, dash < 0 ? undefined : dash);
const specs = before.filter((v) => !/^[0-9]+$/.test(v));
const args = dash < 0 ? [] : process.argv.slice(dash + 1);
if (specs.length < 2 || args.length === 0) {
  console.error('usage: node bin/ab-build.mjs A B [C...] [runs] -- BCE_ARGS...');
  process.exit(2);
}
const runs = Number(before.find((v) => /^[0-9]+$/.test(v)) ?? 15);
const after = (flag) => args[args.indexOf(flag) + 1];
const pandas = `import pandas as pd, torch
import torch.nn.functional as F
x = torch.from_numpy(pd.read_csv(${JSON.stringify(after('-l'))}, header=None, dtype='float64').to_numpy())
y = torch.from_numpy(pd.read_csv(${JSON.stringify(after('-t'))}, header=None, dtype='float64').to_numpy())
print(F.binary_cross_entropy_with_logits(x, y).item())`;
const sides = specs.map((spec) => {
  if (spec === 'pandas') return { cmd: ['/usr/bin/python3', '-c', pandas], env: process.env, peer: true };
  const [dir, ...settings] = spec.split('@');
  const env = { ...process.env, ...Object.fromEntries(settings.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
  const bin = join(resolve(dir), 'bin', 'bce.cjs');
  if (!existsSync(bin)) throw new Error(`${bin}: not found (build that checkout first)`);
  return { cmd: [process.execPath, bin], env };
});
const seed = join(root, 'fixtures/examples/seed.json');
const bytes = args.filter((f) => existsSync(f) && statSync(f).isFile()).reduce((t, f) => t + statSync(f).size, 0);
const tmp = mkdtempSync(join(tmpdir(), 'bce-ab-'));
const report = join(tmp, 'time.txt');

/** One run: wall ms and CPU ms. */
function once({ cmd, env, peer }, argv) {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-o', report, '-f', '%U %S', ...cmd, ...(peer ? [] : argv)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const [user, sys] = readFileSync(report, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: (user + sys) * 1000, out: r.stdout.toString() };
}

const median = (v) => {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const m = sides.map(() => ({ start: [], wall: [], cpu: [], out: new Set() }));
const load = loadavg()[0];
for (let i = 0; i < runs; i++) {
  // each side first in turn
  const order = sides.map((_, k) => (k + i) % sides.length);
  for (const k of order) {
    if (!sides[k].peer) m[k].start.push(once(sides[k], [seed]).wall);
    const r = once(sides[k], args);
    m[k].wall.push(r.wall);
    m[k].cpu.push(r.cpu);
    m[k].out.add(r.out);
  }
}
rmSync(tmp, { recursive: true });
const rows = m.map((x) => {
  const start = x.start.length ? median(x.start) : 0;
  const wall = median(x.wall);
  return { start, wall, cpu: median(x.cpu), mbps: bytes / 1e6 / ((wall - start) / 1000), outputs: x.out.size };
});
const f = (v) => v.toFixed(1);
console.log(`bce ${args.join(' ')}: ${runs} runs each, alternating; load average ${load.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`);
const name = (k) => String.fromCharCode(65 + k);
rows.forEach((r, k) => {
  const mbps = bytes > 0 ? `, ${f(r.mbps)} MB/s after start-up` : '';
  const started = sides[k].peer ? '' : `, start-up ${f(r.start)} ms${mbps}`;
  console.log(`${name(k)} ${specs[k]}: wall ${f(r.wall)} ms, CPU ${f(r.cpu)} ms${started}${r.outputs > 1 && !sides[k].peer ? ', OUTPUTS DIFFER' : ''}`);
});
for (let k = 1; k < rows.length; k++) {
  const peer = sides[k].peer || sides[0].peer;
  const same = peer ? 'not compared' : [...m[0].out].join() === [...m[k].out].join() ? 'the same' : 'DIFFER';
  const mbps = bytes > 0 && !peer ? `, MB/s ${(rows[k].mbps / rows[0].mbps).toFixed(3)}` : '';
  console.log(`${name(k)} / A: wall ${(rows[k].wall / rows[0].wall).toFixed(3)}, CPU ${(rows[k].cpu / rows[0].cpu).toFixed(3)}${mbps}; outputs ${same}`);
}
