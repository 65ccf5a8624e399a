// npm run bench [-- --quick] [-- --runs N]: bce against the Python pipeline a user would otherwise write.
//
// Generates seeded data into bench-out/data/ (gitignored), runs each command pair alternately and takes
// medians, then prints a table of ratios (bce / peer, pair by pair, within this run) and writes it to
// bench-out/bench.json and bench-out/bench.md. The Python peers (Debian's python3-torch, python3-pandas,
// python3-numpy, run by /usr/bin/python3) are optional: without them bce is still measured.
// Measured: start-up; CSV 1M and 10M elements end to end; NPY 10M float64 end to end; a 1M-row CSV table by
// column vs the same data as two files; Parquet 10M rows (bin/bench-parquet.mjs); -r none --grad -o out.npz;
// the kernel alone (elements/s, one and two threads, the WebAssembly loops and the JS fallback, vs torch
// float64 forward + backward), the limit (only reading the inputs); peak RSS of every bce run.
// Needs dist/ (npm run build). A full run takes a few minutes; --quick about one.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 5 : 7;
const START_RUNS = quick ? 10 : 20;
const out = join(root, 'bench-out');
const dataDir = join(out, 'data');
mkdirSync(dataDir, { recursive: true });
const BCE = join(root, 'bin', 'bce.cjs');
// the Python to compare with (Debian's, where python3-torch installs); BENCH_PYTHON overrides it
const PY = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const TIME = '/usr/bin/time';
if (!existsSync(join(root, 'dist', 'cli.cjs'))) {
  console.error('bench: dist/ is missing; run npm run build first');
  process.exit(2);
}

// Python without the OpenBLAS overrides some machines set (they slow a current numpy down)
const pyEnv = { ...process.env };
delete pyEnv.OPENBLAS_CORETYPE;
delete pyEnv.OPENBLAS_L2_SIZE;

function log(s) {
  process.stderr.write(`${s}\n`);
}

const median = (a) => {
  const b = [...a].sort((x, y) => x - y);
  return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};

// ---- which peers exist ----------------------------------------------------------------------------
function pyHas(mods) {
  if (!existsSync(PY)) return false;
  return spawnSync(PY, ['-c', mods.map((m) => `import ${m}`).join('; ')], { env: pyEnv, stdio: 'ignore' }).status === 0;
}
const hasTorch = pyHas(['torch']);
const hasPandas = hasTorch && pyHas(['pandas']);
const hasNumpy = hasTorch && pyHas(['numpy']);
const hasTime = existsSync(TIME);
const versions = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  torch: hasTorch ? execFileSync(PY, ['-c', 'import torch; print(torch.__version__)'], { env: pyEnv }).toString().trim() : null,
  pandas: hasPandas ? execFileSync(PY, ['-c', 'import pandas; print(pandas.__version__)'], { env: pyEnv }).toString().trim() : null,
  numpy: hasNumpy ? execFileSync(PY, ['-c', 'import numpy; print(numpy.__version__)'], { env: pyEnv }).toString().trim() : null,
};
if (!hasTorch) log(`bench: ${PY} with torch not found (apt-get install python3-torch): measuring bce alone`);
else if (!hasPandas) log('bench: pandas not found (apt-get install python3-pandas): no CSV peer');
if (!hasTime) log('bench: /usr/bin/time not found (apt-get install time): no peak RSS');

// ---- seeded data ----------------------------------------------------------------------------------
function rng(seed) {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const COLS = 10;
/** logits ~ 3 * (sum of two uniforms - 1), full double precision; targets 0 or 1 */
function makeData(n, seed) {
  const r = rng(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = 3 * (r() + r() - 1);
    y[i] = r() < 0.3 ? 1 : 0;
  }
  return { x, y };
}

function writeCsv(path, a) {
  if (existsSync(path)) return;
  const fd = openSync(`${path}.tmp`, 'w');
  let buf = '';
  for (let i = 0; i < a.length; i++) {
    buf += String(a[i]);
    buf += (i + 1) % COLS === 0 ? '\n' : ',';
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  execFileSync('mv', [`${path}.tmp`, path]);
}

function writeNpy(path, a) {
  if (existsSync(path)) return;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${a.length / COLS}, ${COLS}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93]).copy(pre, 0);
  pre.write('NUMPY', 1, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(`${path}.tmp`, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(a.buffer, a.byteOffset, a.byteLength)]));
  execFileSync('mv', [`${path}.tmp`, path]);
}

const SIZES = quick ? { csvSmall: 1_000_000, csvBig: 2_000_000, npy: 2_000_000 } : { csvSmall: 1_000_000, csvBig: 10_000_000, npy: 10_000_000 };
const files = {};
function prepare(name, n, kind) {
  const base = join(dataDir, `${name}-${n}`);
  const lx = `${base}-logits.${kind}`;
  const ty = `${base}-targets.${kind}`;
  if (!existsSync(lx) || !existsSync(ty)) {
    log(`bench: generating ${lx} and ${ty}`);
    const { x, y } = makeData(n, 42 + n);
    if (kind === 'csv') {
      writeCsv(lx, x);
      writeCsv(ty, y);
    } else {
      writeNpy(lx, x);
      writeNpy(ty, y);
    }
  }
  files[name] = { logits: lx, targets: ty, n, bytes: statSync(lx).size + statSync(ty).size };
}
prepare('csvSmall', SIZES.csvSmall, 'csv');
prepare('csvBig', SIZES.csvBig, 'csv');
prepare('npy', SIZES.npy, 'npy');

// ---- running commands -----------------------------------------------------------------------------
/** Runs a command once: wall ms, peak RSS in KiB (through /usr/bin/time when asked), stdout. */
function runOnce(cmd, argv, { env = process.env, rss = false } = {}) {
  const rssFile = join(out, 'rss.txt');
  const [c, a] = rss && hasTime ? [TIME, ['-f', '%M', '-o', rssFile, cmd, ...argv]] : [cmd, argv];
  const t = process.hrtime.bigint();
  const r = spawnSync(c, a, { env, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) return { ok: false, ms, stderr: r.stderr.toString().trim().split('\n').slice(-3).join(' | ') };
  const kib = rss && hasTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : undefined;
  return { ok: true, ms, kib, stdout: r.stdout.toString() };
}

/** Runs the commands of a group alternately, `runs` times; medians. A failing command is reported, not retried. */
function alternate(cmds, runs) {
  const res = cmds.map(() => ({ ms: [], kib: [], ok: true, stdout: '', stderr: '' }));
  for (let i = 0; i < runs; i++) {
    cmds.forEach((c, j) => {
      if (!c || !res[j].ok) return;
      const r = runOnce(c.cmd, c.argv, c);
      if (!r.ok) {
        res[j].ok = false;
        res[j].stderr = r.stderr;
        return;
      }
      res[j].ms.push(r.ms);
      if (r.kib !== undefined) res[j].kib.push(r.kib);
      res[j].stdout = r.stdout;
    });
  }
  return res.map((r, j) =>
    cmds[j] ? { ok: r.ok, ms: r.ok ? median(r.ms) : null, min: r.ok ? Math.min(...r.ms) : null, peakMiB: r.kib.length ? Math.max(...r.kib) / 1024 : null, stdout: r.stdout.trim(), stderr: r.stderr } : null,
  );
}

const results = { date: new Date().toISOString(), quick, runs: RUNS, versions, loadBefore: loadavg()[0], rows: [] };
function row(r) {
  results.rows.push(r);
  log(`  ${r.what}: bce ${fmt(r.bce)} ${r.unit}${r.peer != null ? `, ${r.peerName} ${fmt(r.peer)} ${r.unit}, ratio ${fmt(r.ratio)}` : ''}${r.note ? ` (${r.note})` : ''}`);
}
function fmt(v) {
  if (v == null) return '-';
  if (typeof v === 'string') return v;
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
const ratio = (a, b) => (a != null && b != null ? a / b : null);

// ---- start-up -------------------------------------------------------------------------------------
log(`bench: start-up (${START_RUNS} runs each, alternating)`);
const seed = join(root, 'fixtures/examples/seed.json');
const pyStart = `import torch, json
import torch.nn.functional as F
d = json.load(open(${JSON.stringify(seed)}))
print(F.binary_cross_entropy_with_logits(torch.tensor(d['logits'], dtype=torch.float64), torch.tensor(d['targets'], dtype=torch.float64)).item())`;
const [nodeE, bceStart, pyS] = alternate(
  [
    { cmd: process.execPath, argv: ['-e', '0'] },
    { cmd: process.execPath, argv: [BCE, seed] },
    hasTorch ? { cmd: PY, argv: ['-c', pyStart], env: pyEnv } : null,
  ],
  START_RUNS,
);
const baseRss = runOnce(process.execPath, [BCE, seed], { rss: true }).kib;
results.baselineMiB = baseRss != null ? baseRss / 1024 : null;
row({ what: 'start-up: bce seed.json vs node -e 0', unit: 'ms', bce: bceStart.ms, peerName: 'node -e 0', peer: nodeE.ms, ratio: ratio(bceStart.ms, nodeE.ms), target: '<= 1.3', bceMiB: results.baselineMiB });
if (pyS) row({ what: 'start-up: bce seed.json vs python3 + torch', unit: 'ms', bce: bceStart.ms, peerName: 'python3 -c "import torch; ..."', peer: pyS.ms, ratio: ratio(bceStart.ms, pyS.ms) });

// ---- end to end: CSV and NPY ----------------------------------------------------------------------
const pyCsv = (f) => `import sys, pandas as pd, torch
import torch.nn.functional as F
x = torch.from_numpy(pd.read_csv(${JSON.stringify(f.logits)}, header=None, dtype='float64').to_numpy())
y = torch.from_numpy(pd.read_csv(${JSON.stringify(f.targets)}, header=None, dtype='float64').to_numpy())
print(F.binary_cross_entropy_with_logits(x, y).item())`;
const pyNpy = (f) => `import numpy as np, torch
import torch.nn.functional as F
x = torch.from_numpy(np.load(${JSON.stringify(f.logits)}))
y = torch.from_numpy(np.load(${JSON.stringify(f.targets)}))
print(F.binary_cross_entropy_with_logits(x, y).item())`;

function endToEnd(name, label, pyScript, hasPeer, peerName) {
  const f = files[name];
  log(`bench: ${label} (${f.n} elements, ${(f.bytes / 1e6).toFixed(0)} MB, ${RUNS} runs each)`);
  const [b, p] = alternate(
    [
      { cmd: process.execPath, argv: [BCE, '-l', f.logits, '-t', f.targets, '--json'], rss: true },
      hasPeer ? { cmd: PY, argv: ['-c', pyScript(f)], env: pyEnv, rss: true } : null,
    ],
    RUNS,
  );
  if (!b.ok) {
    const unsupported = /not supported|unknown format|not a number|expected/i.test(b.stderr);
    row({ what: `${label}: end to end`, unit: 's', bce: unsupported ? 'not supported yet' : 'failed', note: b.stderr.slice(0, 160) });
    return;
  }
  const bLoss = JSON.parse(b.stdout).loss;
  const pLoss = p?.ok ? Number(p.stdout.split('\n').pop()) : null;
  const tensorBytes = 2 * 8 * f.n;
  row({
    what: `${label}: end to end`,
    unit: 's',
    bce: b.ms / 1000,
    peerName,
    peer: p?.ok ? p.ms / 1000 : null,
    ratio: p?.ok ? b.ms / p.ms : null,
    bceMiB: b.peakMiB,
    peerMiB: p?.peakMiB ?? null,
    rssPerTensorBytes: b.peakMiB != null ? (b.peakMiB * 1048576) / tensorBytes : null,
    inputMBps: f.bytes / 1e6 / ((b.ms - bceStart.ms) / 1000),
    agree: pLoss != null ? Math.abs(bLoss - pLoss) <= 1e-12 * Math.abs(pLoss) : null,
    note: p && !p.ok ? `peer failed: ${p.stderr.slice(0, 120)}` : undefined,
  });
}
endToEnd('csvSmall', `CSV ${SIZES.csvSmall / 1e6}M`, pyCsv, hasPandas, 'pandas.read_csv + torch');
endToEnd('csvBig', `CSV ${SIZES.csvBig / 1e6}M`, pyCsv, hasPandas, 'pandas.read_csv + torch');
endToEnd('npy', `NPY ${SIZES.npy / 1e6}M float64`, pyNpy, hasNumpy, 'numpy.load + torch');

await (await import('./bench-parquet.mjs')).benchParquet({ dataDir, out, runs: RUNS, quick, alternate, row, log, bce: BCE });

// With --grad nothing streams: logits, targets and the gradient are held whole (3 tensors), the case the
// memory rule (peak RSS <= 2x the tensors a reduction holds) is about. Output to a file, no peer.
{
  const f = files.npy;
  const runs = Math.min(RUNS, 3);
  log(`bench: NPY ${f.n} elements with --grad, in memory (${runs} runs)`);
  const [g] = alternate([{ cmd: process.execPath, argv: [BCE, '-l', f.logits, '-t', f.targets, '--grad', '--json', '-o', join(out, 'grad.json')], rss: true }], runs);
  rmSync(join(out, 'grad.json'), { force: true });
  const tensorBytes = 3 * 8 * f.n;
  if (g.ok) {
    row({
      what: `NPY ${SIZES.npy / 1e6}M float64 --grad (in memory, JSON to a file)`,
      unit: 's',
      bce: g.ms / 1000,
      bceMiB: g.peakMiB,
      rssPerTensorBytes: g.peakMiB != null ? (g.peakMiB * 1048576) / tensorBytes : null,
      target: 'RSS <= 2x tensors',
    });
  } else row({ what: `NPY ${SIZES.npy / 1e6}M --grad`, unit: 's', bce: 'failed', note: g.stderr.slice(0, 160) });
}

// ---- a table by column selection vs two files --------------------------------------------------
// The same 1M labels and logits, as one `id,label,logit` table read through FILE:COLUMNS (one file, read once,
// the id column split but not parsed) and as two one-column CSV files (today's two-file path). CPU time
// (user + system, through /usr/bin/time) is less disturbed by other processes than wall time.
{
  const n = SIZES.csvSmall;
  const base = join(dataDir, `table-${n}`);
  const table = `${base}.csv`;
  const lx = `${base}-logit.csv`;
  const ty = `${base}-label.csv`;
  if (![table, lx, ty].every(existsSync)) {
    log(`bench: generating ${table}`);
    const { x, y } = makeData(n, 7 + n);
    const fds = [table, lx, ty].map((p) => openSync(`${p}.tmp`, 'w'));
    const bufs = ['id,label,logit\n', '', ''];
    for (let i = 0; i <= n; i++) {
      if (i === n || bufs[0].length > 1 << 20) {
        bufs.forEach((b, k) => writeSync(fds[k], b));
        bufs.fill('');
      }
      if (i === n) break;
      bufs[0] += `row-${i},${y[i]},${x[i]}\n`;
      bufs[1] += `${x[i]}\n`;
      bufs[2] += `${y[i]}\n`;
    }
    fds.forEach((fd) => closeSync(fd));
    for (const p of [table, lx, ty]) execFileSync('mv', [`${p}.tmp`, p]);
  }
  const cpu = (argv) => {
    const report = join(out, 'cpu.txt');
    const r = hasTime ? spawnSync(TIME, ['-f', '%U %S', '-o', report, process.execPath, BCE, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }) : null;
    if (!r || r.status !== 0) return { ok: false, stdout: r?.stdout.toString() ?? '' };
    const [u, sy] = readFileSync(report, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    return { ok: true, s: u + sy, stdout: r.stdout.toString() };
  };
  log(`bench: CSV table ${n / 1e6}M rows by column vs two files (${RUNS} runs each, alternating, CPU time)`);
  const a = [];
  const b = [];
  let same = null;
  for (let i = 0; i < RUNS; i++) {
    const t = cpu(['-l', `${table}:logit`, '-t', `${table}:label`, '--json']);
    const f = cpu(['-l', lx, '-t', ty, '--json']);
    if (t.ok && f.ok) {
      a.push(t.s);
      b.push(f.s);
      same = JSON.parse(t.stdout).loss === JSON.parse(f.stdout).loss;
    }
  }
  if (a.length > 0) {
    row({ what: `CSV table ${n / 1e6}M rows id,label,logit by column (CPU)`, unit: 's', bce: median(a), peerName: 'bce two one-column files', peer: median(b), ratio: median(a) / median(b), target: '<= 1', agree: same });
  } else row({ what: `CSV table ${n / 1e6}M rows by column`, unit: 's', bce: hasTime ? 'failed' : 'no /usr/bin/time' });
}

// Binary outputs: the element losses and the gradient written as float64 tensors to an .npz (-o, atomic,
// synced), against numpy.load + torch (autograd) + np.savez of the same two tensors. Target: <= 1 s for 10M.
{
  const f = files.npy;
  const runs = Math.min(RUNS, 5);
  log(`bench: NPY ${f.n} elements -r none --grad -o out.npz (${runs} runs each)`);
  const npz = join(out, 'out.npz');
  const pyNpz = `import numpy as np, torch
import torch.nn.functional as F
x = torch.from_numpy(np.load(${JSON.stringify(f.logits)})).requires_grad_()
y = torch.from_numpy(np.load(${JSON.stringify(f.targets)}))
loss = F.binary_cross_entropy_with_logits(x, y, reduction='none')
loss.backward(torch.ones_like(loss))
np.savez(${JSON.stringify(join(out, 'peer.npz'))}, loss=loss.detach().numpy(), grad=x.grad.numpy())`;
  const [b, p] = alternate(
    [
      { cmd: process.execPath, argv: [BCE, '-l', f.logits, '-t', f.targets, '-r', 'none', '--grad', '-o', npz], rss: true },
      hasTorch ? { cmd: PY, argv: ['-c', pyNpz], env: pyEnv, rss: true } : null,
    ],
    runs,
  );
  rmSync(npz, { force: true });
  rmSync(join(out, 'peer.npz'), { force: true });
  if (b.ok) {
    row({
      what: `NPY ${SIZES.npy / 1e6}M float64 -r none --grad -o out.npz: end to end`,
      unit: 's',
      bce: b.ms / 1000,
      peerName: 'numpy.load + torch + np.savez',
      peer: p?.ok ? p.ms / 1000 : null,
      ratio: p?.ok ? b.ms / p.ms : null,
      bceMiB: b.peakMiB,
      peerMiB: p?.peakMiB ?? null,
      target: '<= 1 s',
      note: p && !p.ok ? `peer failed: ${p.stderr.slice(0, 120)}` : undefined,
    });
  } else row({ what: `NPY ${SIZES.npy / 1e6}M -r none --grad -o out.npz`, unit: 's', bce: 'failed', note: b.stderr.slice(0, 160) });
}

// ---- the kernel alone -----------------------------------------------------------------------------
const KN = quick ? 2_000_000 : 10_000_000;
log(`bench: kernel alone (${KN} elements, ${RUNS} runs each)`);
const kernelJs = `
import { allowWasm, bceWithLogits, bceWithLogitsParallel, startWorkers } from ${JSON.stringify(join(root, 'dist/index.js'))};
const [n, mode, threads, wall, js] = process.argv.slice(2).map(Number);
// js: the JS loops alone (the fallback where WebAssembly SIMD is unavailable)
if (js) allowWasm(false);
// as the CLI does: the workers start while the input is made, which is in shared memory from the start
if (threads > 1) startWorkers(threads);
const alloc = (k) => (threads > 1 ? new Float64Array(new SharedArrayBuffer(8 * k)) : new Float64Array(k));
let a = 12345 >>> 0;
const r = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const x = alloc(n), y = alloc(n);
for (let i = 0; i < n; i++) { x[i] = 3 * (r() + r() - 1); y[i] = r() < 0.3 ? 1 : 0; }
const L = { data: x, shape: [n / 10, 10] }, T = { data: y, shape: [n / 10, 10] };
const o = mode === 1 ? { grad: true } : {};
const ms = [];
for (let k = 0; k < ${RUNS}; k++) {
  const t = performance.now();
  const c = process.cpuUsage();
  if (threads === 1) bceWithLogits(L, T, o); else await bceWithLogitsParallel(L, T, o, { threads, minElements: 0 });
  const u = process.cpuUsage(c);
  // one thread: its CPU time, which other processes on the machine disturb less; several: wall time
  ms.push(threads === 1 && !wall ? (u.user + u.system) / 1000 : performance.now() - t);
}
ms.sort((p, q) => p - q);
console.log(ms[ms.length >> 1]);`;
const pyKernel = `import sys, time, torch
import torch.nn.functional as F
n, mode, threads = map(int, sys.argv[1:])
torch.set_num_threads(threads)
g = torch.Generator().manual_seed(1)
x = (3 * (torch.rand(n, dtype=torch.float64, generator=g) + torch.rand(n, dtype=torch.float64, generator=g) - 1)).reshape(-1, 10)
y = (torch.rand(n, dtype=torch.float64, generator=g) < 0.3).to(torch.float64).reshape(-1, 10)
ts = []
for k in range(${RUNS}):
    xx = x.detach().requires_grad_(mode == 1)
    clock = time.process_time if threads == 1 else time.perf_counter
    t = clock()
    loss = F.binary_cross_entropy_with_logits(xx, y)
    if mode == 1:
        loss.backward()
    ts.append((clock() - t) * 1000)
ts.sort()
print(ts[len(ts) // 2])`;
const kernelFile = join(out, 'kernel.mjs');
writeFileSync(kernelFile, kernelJs);
function kernel(n, mode, threads, wall = 0, js = 0) {
  const r = runOnce(process.execPath, [kernelFile, String(n), String(mode), String(threads), String(wall), String(js)]);
  if (!r.ok) log(`bench: kernel run failed: ${r.stderr}`);
  return r.ok ? Number(r.stdout.trim()) : null;
}
function torchKernel(n, mode, threads) {
  if (!hasTorch) return null;
  const r = runOnce(PY, ['-c', pyKernel, String(n), String(mode), String(threads)], { env: pyEnv });
  return r.ok ? Number(r.stdout.trim()) : null;
}
const mps = (n, ms) => (ms != null ? n / ms / 1000 : null);
for (const [mode, label] of [
  [0, 'loss (mean)'],
  [1, 'loss + grad (mean)'],
]) {
  // alternate bce and torch, a process each, one thread and all of them
  const b1 = [];
  const b2 = [];
  const j1 = [];
  const t1 = [];
  const tN = [];
  for (let k = 0; k < 3; k++) {
    b1.push(kernel(KN, mode, 1));
    t1.push(torchKernel(KN, mode, 1));
    j1.push(kernel(KN, mode, 1, 0, 1));
    b2.push(kernel(KN, mode, cpus().length));
    tN.push(torchKernel(KN, mode, cpus().length));
  }
  const med = (a) => (a.every((v) => v != null) ? median(a) : null);
  const [bm1, bm2, jm1, tm1, tmN] = [med(b1), med(b2), med(j1), hasTorch ? med(t1) : null, hasTorch ? med(tN) : null];
  row({ what: `kernel ${label}, 1 thread vs torch float64 1 thread`, unit: 'M elem/s', bce: mps(KN, bm1), peerName: 'torch', peer: mps(KN, tm1), ratio: ratio(bm1, tm1), target: '<= 0.5 (2x torch)' });
  row({ what: `kernel ${label}, 1 thread, JS loops (the fallback) vs torch float64 1 thread`, unit: 'M elem/s', bce: mps(KN, jm1), peerName: 'torch', peer: mps(KN, tm1), ratio: ratio(jm1, tm1) });
  row({ what: `kernel ${label}, ${cpus().length} threads vs torch float64 ${cpus().length} threads`, unit: 'M elem/s', bce: mps(KN, bm2), peerName: 'torch', peer: mps(KN, tmN), ratio: ratio(bm2, tmN) });
}

/** The median CPU ms of a loop `s += <term>` over n = KN elements after `setup`: RUNS runs in a process, 3 processes. */
function loopMs(setup, term) {
  const js = `const n = ${KN}; ${setup}
const ms = [];
for (let k = 0; k < ${RUNS}; k++) { const t = process.cpuUsage(); let s = 0; for (let i = 0; i < n; i++) s += ${term}; const u = process.cpuUsage(t); ms.push((u.user + u.system) / 1000); if (s < 0) console.log(s); }
ms.sort((p, q) => p - q); console.log(ms[ms.length >> 1]);`;
  const all = [];
  for (let k = 0; k < 3; k++) {
    const r = runOnce(process.execPath, ['-e', js]);
    if (r.ok) all.push(Number(r.stdout.trim()));
  }
  return all.length ? median(all) : null;
}

// the limit: only reading the inputs (summing the two Float64Arrays), the memory floor of any kernel
{
  const li = loopMs('const x = new Float64Array(n).fill(0.5), y = new Float64Array(n).fill(1);', 'x[i] + y[i]');
  const lg = results.rows.find((r) => r.what.startsWith('kernel loss + grad (mean), 1 thread vs'));
  if (li != null && lg?.bce) {
    results.limit = { readMps: mps(KN, li) };
    row({ what: 'limit: summing the input Float64Arrays (x and y), 1 thread', unit: 'M elem/s', bce: mps(KN, li), note: `${((100 * lg.bce) / mps(KN, li)).toFixed(0)}% of the kernel's loss + grad time` });
  }
}

// the JS fallback's floor: what one exp and one log1p per element cost alone (fdlibm in V8; the JS loops
// cannot do with less and give the same bits), against the JS loops' loss + grad on one thread
{
  const fl = loopMs('const x = new Float64Array(n); let a = 1; for (let i = 0; i < n; i++) { a = (a * 16807) % 2147483647; x[i] = 6 * (a / 2147483647) - 3; }', 'Math.log1p(Math.exp(-Math.abs(x[i])))');
  const lg = results.rows.find((r) => r.what.startsWith('kernel loss + grad (mean), 1 thread, JS loops'));
  if (fl != null && lg) {
    results.floor = { expLog1pMps: mps(KN, fl), lossGradMps: lg.bce };
    row({ what: 'JS floor: Math.exp + Math.log1p alone, 1 thread', unit: 'M elem/s', bce: mps(KN, fl), note: `${((lg.bce ? 1 / lg.bce : 0) ? (100 * (1 / mps(KN, fl))) / (1 / lg.bce) : 0).toFixed(0)}% of the JS loops' loss + grad time` });
  }
}

// scaling: 1 vs 2 threads, loss + grad, by size (where threads start to pay)
const scaling = [];
for (const n of quick ? [500_000, 2_000_000] : [500_000, 1_000_000, 2_000_000, 4_000_000, 10_000_000]) {
  const one = [];
  const two = [];
  for (let k = 0; k < 3; k++) {
    one.push(kernel(n, 1, 1, 1));
    two.push(kernel(n, 1, 2, 1));
  }
  if (one.includes(null) || two.includes(null)) continue;
  const s = { n, oneMs: median(one), twoMs: median(two) };
  s.speedup = s.oneMs / s.twoMs;
  scaling.push(s);
  log(`  scaling ${n}: 1 thread ${s.oneMs.toFixed(1)} ms, 2 threads ${s.twoMs.toFixed(1)} ms, x${s.speedup.toFixed(2)}`);
}
results.scaling = scaling;
const at1M = scaling.find((s) => s.n === 1_000_000);
if (at1M) row({ what: 'kernel loss + grad (mean) at 1M elements, 2 threads vs 1 thread', unit: 'ms', bce: at1M.twoMs, peerName: '1 thread', peer: at1M.oneMs, ratio: at1M.twoMs / at1M.oneMs, target: '<= 0.67 (>= 1.5x)' });
results.loadAfter = loadavg()[0];

// ---- where the time goes: node --cpu-prof, self time by function ----------------------------------
function profile(label, argv) {
  const dir = join(out, 'prof', label.replace(/[^a-z0-9]+/gi, '-'));
  execFileSync('rm', ['-rf', dir]);
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...argv], { stdio: 'ignore' });
  if (r.status !== 0) return null;
  const { readdirSync } = { readdirSync: (d) => execFileSync('ls', [d]).toString().trim().split('\n') };
  const p = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const cf = byId.get(id).callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.split('/').slice(-1)[0] : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([fn, us]) => ({ fn, ms: us / 1000, share: us / total }));
  return { label, totalMs: total / 1000, top };
}
log('bench: profiles (node --cpu-prof)');
results.profiles = [
  profile(`bce NPY ${SIZES.npy / 1e6}M mean`, [BCE, '-l', files.npy.logits, '-t', files.npy.targets]),
  profile(`kernel loss + grad ${KN / 1e6}M, 1 thread`, [kernelFile, String(KN), '1', '1']),
].filter(Boolean);

// ---- report ---------------------------------------------------------------------------------------
const lines = [];
lines.push(`| measure | bce | peer | bce / peer | bce peak RSS |`);
lines.push(`|---|---|---|---|---|`);
for (const r of results.rows) {
  const rss = r.bceMiB != null ? `${r.bceMiB.toFixed(0)} MiB${r.rssPerTensorBytes != null ? ` (${r.rssPerTensorBytes.toFixed(2)}x tensors)` : ''}` : '';
  const peer = r.peer != null ? `${fmt(r.peer)} ${r.unit} (${r.peerName}${r.peerMiB != null ? `, ${r.peerMiB.toFixed(0)} MiB` : ''})` : r.peerName ? `${r.peerName}: not measured` : '';
  const bce = typeof r.bce === 'number' ? `${fmt(r.bce)} ${r.unit}${r.inputMBps ? `, ${fmt(r.inputMBps)} MB/s after start-up` : ''}` : (r.bce ?? '-');
  lines.push(`| ${r.what} | ${bce}${r.note ? ` (${r.note})` : ''} | ${peer} | ${r.ratio != null ? fmt(r.ratio) : '-'}${r.target ? ` (target ${r.target})` : ''} | ${rss} |`);
}
lines.push('');
lines.push('| elements | kernel loss + grad, 1 thread | 2 threads | speed-up |');
lines.push('|---|---|---|---|');
for (const s of scaling) lines.push(`| ${s.n.toLocaleString('en')} | ${s.oneMs.toFixed(1)} ms (${mps(s.n, s.oneMs).toFixed(1)} M/s) | ${s.twoMs.toFixed(1)} ms (${mps(s.n, s.twoMs).toFixed(1)} M/s) | ${s.speedup.toFixed(2)}x |`);
for (const p of results.profiles) {
  lines.push('');
  lines.push(`Profile, ${p.label} (${p.totalMs.toFixed(0)} ms sampled): ${p.top.map((t) => `${t.fn} ${(100 * t.share).toFixed(0)}%`).join(', ')}`);
}
const md = [
  `bce benchmark, ${results.date}${quick ? ' (--quick)' : ''}: Node ${versions.node}, ${versions.cpus} cores (${versions.cpu}), torch ${versions.torch ?? 'absent'}, pandas ${versions.pandas ?? 'absent'}, numpy ${versions.numpy ?? 'absent'}; medians of ${RUNS} runs (start-up ${START_RUNS}), commands alternating; load average ${results.loadBefore.toFixed(1)} before, ${results.loadAfter.toFixed(1)} after. bce / peer is a ratio of times in every row (below 1: bce is faster); the kernel rows show throughputs, their ratio is still of times. One-thread kernel rows (bce and torch alike) are CPU time, which other jobs on the machine disturb less; two-thread rows and the scaling table are wall time.`,
  '',
  ...lines,
  '',
].join('\n');
writeFileSync(join(out, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(out, 'bench.md'), md);
process.stdout.write(md);
log(`bench: wrote ${join('bench-out', 'bench.json')} and ${join('bench-out', 'bench.md')}`);
