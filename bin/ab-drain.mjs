// node bin/ab-drain.mjs [rounds]: reading a 100 MB .npy file in memory with the in-memory reader (A) against
// draining its streaming source over the same bytes (B), in one process; the same for a 100 MB CSV file, whose
// in-memory reader is its drained source (A: the scanner fed the whole bytes directly, as a baseline).
//
// Generates seeded data in memory, bundles the readers from src/ with esbuild, alternates A and B, and prints
// the medians of the CPU time (user + system) of each and the ratio B / A.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 9);
const io = (f) => JSON.stringify(join(root, 'src', 'io', f));
const entry = `
export { CsvScanner } from ${io('csv-fast.ts')};
export { readCsvBytes } from ${io('csv-source.ts')};
export { bytesFile, drain } from ${io('chunked-file.ts')};
export { NpySource } from ${io('npy-source.ts')};
export { readNpy } from ${io('npy.ts')};
`;
const dir = mkdtempSync(join(tmpdir(), 'bce-ab-drain-'));
const out = join(dir, 'readers.mjs');
await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
const { CsvScanner, readCsvBytes, bytesFile, drain, NpySource, readNpy } = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true });

// seeded data: 5M values with 17 significant digits in rows of 5, and 12.5M float64 values
let s = 12345;
const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const lines = [];
for (let r = 0; r < 1_000_000; r++) lines.push(Array.from({ length: 5 }, () => String((rand() - 0.5) * 12)).join(','));
const csv = Buffer.from(`${lines.join('\n')}\n`);
const values = Float64Array.from({ length: 12_500_000 }, () => (rand() - 0.5) * 12);
let dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length},), }`;
dict = `${dict.padEnd(Math.ceil((11 + dict.length) / 64) * 64 - 11)}\n`;
const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
const npy = Buffer.concat([pre, Buffer.from(dict, 'latin1'), Buffer.from(values.buffer)]);

async function cpu(f) {
  const t = process.cpuUsage();
  await f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1e6;
}

const cases = {
  'csv A': () => {
    const scanner = new CsvScanner('x.csv', ',', false, Math.ceil(csv.length / 6));
    scanner.feed(csv, 0, true);
    return scanner.finish();
  },
  'csv B': () => readCsvBytes(csv, 'x.csv'),
  'npy A': () => readNpy(npy, 'x.npy').data,
  'npy B': async () => {
    const source = new NpySource(bytesFile(npy), 'x.npy', npy.length, () => undefined);
    await source.start();
    return drain(source, values.length);
  },
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) for (const [k, f] of Object.entries(cases)) times[k].push(await cpu(f));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [k, t] of Object.entries(times)) console.log(`${k}: ${median(t).toFixed(3)} s CPU (median of ${rounds})`);
for (const f of ['csv', 'npy']) console.log(`${f}: B / A = ${(median(times[`${f} B`]) / median(times[`${f} A`])).toFixed(2)}`);
