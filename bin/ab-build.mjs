// node bin/ab-build.mjs A B [runs] -- BCE_ARGS...: one bce command run by two builds, alternating.
//
// A and B are checkouts that have been built (each has bin/bce.cjs and dist/), for instance the current one
// (.) and another worktree of an earlier commit. Each round runs `bce seed.json` (the start-up) and the
// command with A, then with B, then the same with B first, so neither build always runs first. Prints the
// medians of the wall time and of the CPU time (user + system, all threads, by /usr/bin/time), the input MB/s
// after start-up (the files among BCE_ARGS, divided by the wall time less the start-up, as `npm run bench`
// computes it), and the ratios B / A. Extra environment for both: set it on this command (BCE_THREADS=1 ...).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dash = process.argv.indexOf('--');
const [a, b, runsArg] = process.argv.slice(2, dash < 0 ? undefined : dash);
const args = dash < 0 ? [] : process.argv.slice(dash + 1);
if (a === undefined || b === undefined || args.length === 0) {
  console.error('usage: node bin/ab-build.mjs A B [runs] -- BCE_ARGS...');
  process.exit(2);
}
const runs = Number(runsArg ?? 15);
const builds = [a, b].map((d) => join(resolve(d), 'bin', 'bce.cjs'));
for (const bin of builds) if (!existsSync(bin)) throw new Error(`${bin}: not found (build that checkout first)`);
const seed = join(root, 'fixtures/examples/seed.json');
const bytes = args.filter((f) => existsSync(f) && statSync(f).isFile()).reduce((t, f) => t + statSync(f).size, 0);
const tmp = mkdtempSync(join(tmpdir(), 'bce-ab-'));
const report = join(tmp, 'time.txt');

/** One run: wall ms and CPU ms. */
function once(bin, argv) {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-o', report, '-f', '%U %S', process.execPath, bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${bin} ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const [user, sys] = readFileSync(report, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: (user + sys) * 1000, out: r.stdout.toString() };
}

const median = (v) => {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const m = builds.map(() => ({ start: [], wall: [], cpu: [], out: new Set() }));
const load = loadavg()[0];
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const k of order) {
    m[k].start.push(once(builds[k], [seed]).wall);
    const r = once(builds[k], args);
    m[k].wall.push(r.wall);
    m[k].cpu.push(r.cpu);
    m[k].out.add(r.out);
  }
}
rmSync(tmp, { recursive: true });
const rows = m.map((x) => {
  const start = median(x.start);
  const wall = median(x.wall);
  return { start, wall, cpu: median(x.cpu), mbps: bytes / 1e6 / ((wall - start) / 1000), outputs: x.out.size };
});
const f = (v) => v.toFixed(1);
console.log(`bce ${args.join(' ')}: ${runs} runs each, alternating; load average ${load.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`);
rows.forEach((r, k) => {
  const mbps = bytes > 0 ? `, ${f(r.mbps)} MB/s after start-up` : '';
  console.log(`${'AB'[k]} ${[a, b][k]}: wall ${f(r.wall)} ms, CPU ${f(r.cpu)} ms, start-up ${f(r.start)} ms${mbps}${r.outputs > 1 ? ', OUTPUTS DIFFER' : ''}`);
});
const same = [...m[0].out].join() === [...m[1].out].join();
console.log(`B / A: wall ${(rows[1].wall / rows[0].wall).toFixed(3)}, CPU ${(rows[1].cpu / rows[0].cpu).toFixed(3)}${bytes > 0 ? `, MB/s ${(rows[1].mbps / rows[0].mbps).toFixed(3)}` : ''}; outputs ${same ? 'the same' : 'DIFFER'}`);
