// The Parquet rows of `npm run bench` (bin/bench.mjs calls benchParquet).
//
// A 10M-row file (DOUBLE logits, BOOLEAN labels, snappy, DuckDB's default row groups of 122,880 rows), written
// by DuckDB when fixtures/parquet has it installed (cd fixtures/parquet && npm install); without it the rows
// are skipped, saying so. Each command is a process of its own, run alternately; each prints the CPU time of
// its work (not of starting Node), and the rows compare medians of those:
// - hyparquet's bare read of the two columns (parquetRead with onChunk: decoded pages as they come);
// - bce's Parquet reader (src/io/parquet.ts, bundled here by esbuild) reading both columns to the end into
//   Float64Arrays, row group by row group, and the mean loss over them;
// - DuckDB computing the mean loss in SQL (wall time: it uses every core);
// - bce end to end, `bce -l f.parquet:logit -t f.parquet:label`, when the CLI takes FILE:COLUMNS selectors.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'fixtures/parquet');

/** The module path of @duckdb/node-api where the fixture generator installed it, else undefined. */
function duckdbPath() {
  try {
    return createRequire(join(fixtures, 'package.json')).resolve('@duckdb/node-api');
  } catch {
    return undefined;
  }
}

const duckScript = (duck, sql) => `
import { DuckDBInstance } from ${JSON.stringify(pathToFileURL(duck).href)};
const t = performance.now();
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = (await con.runAndReadAll(${JSON.stringify(sql)})).getRows();
console.log(JSON.stringify({ ms: performance.now() - t, value: rows[0]?.[0] ?? null }));`;

const hyparquetScript = `
import { asyncBufferFromFile, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
const c = process.cpuUsage();
const file = await asyncBufferFromFile(process.argv[2]);
let n = 0;
await parquetRead({ file, columns: ['logit', 'label'], compressors, onChunk: (chunk) => { n += chunk.columnData.length; } });
const u = process.cpuUsage(c);
console.log(JSON.stringify({ ms: (u.user + u.system) / 1000, value: n }));`;

const readerSource = `
import { openParquetTable } from './src/io/parquet.ts';
import { bceWithLogits } from './src/core/kernel.ts';
import { listDir } from './src/io/list-dir.ts';
import { open } from 'node:fs/promises';
const io = {
  openFile: async (path) => {
    const fh = await open(path, 'r');
    const { size } = await fh.stat();
    return { size, read: async (b, o, l, p) => (await fh.read(b, o, l, p)).bytesRead, close: () => fh.close() };
  },
  listDir,
};
const c = process.cpuUsage();
const t = await openParquetTable(io, process.argv[2]);
const at = ['logit', 'label'].map((n) => t.columns.findIndex((col) => col.name === n));
let sum = 0;
let rows = 0;
for (let b = await t.next(at); b !== undefined; b = await t.next(at)) {
  sum += bceWithLogits({ data: b.values[0], shape: [b.rows] }, { data: b.values[1], shape: [b.rows] }, { reduction: 'sum' }).loss;
  rows += b.rows;
}
await t.close();
const u = process.cpuUsage(c);
console.log(JSON.stringify({ ms: (u.user + u.system) / 1000, value: sum / rows }));`;

/** The bench's Parquet file, written once by DuckDB. */
async function prepare(duck, path, n) {
  if (existsSync(path)) return;
  const { DuckDBInstance } = await import(pathToFileURL(duck).href);
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run('SELECT setseed(0.42)');
  const sql = `SELECT 3 * (random() + random() - 1) AS logit, random() < 0.3 AS label FROM range(${n})`;
  await con.run(`COPY (${sql}) TO '${path}.tmp' (FORMAT parquet, COMPRESSION snappy)`);
  renameSync(`${path}.tmp`, path);
}

/**
 * Adds the Parquet rows through the bench's `alternate` and `row`; returns without rows, saying why, when
 * DuckDB is not installed for the fixtures.
 */
export async function benchParquet({ dataDir, out, runs, quick, alternate, row, log, bce }) {
  const duck = duckdbPath();
  if (duck === undefined) {
    log('bench: Parquet rows skipped: DuckDB is not installed (cd fixtures/parquet && npm install)');
    return;
  }
  const n = quick ? 2_000_000 : 10_000_000;
  const file = join(dataDir, `parquet-${n}.parquet`);
  log(`bench: Parquet ${n / 1e6}M rows (${runs} runs each)`);
  await prepare(duck, file, n);
  const dir = join(out, 'parquet');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hyparquet.mjs'), hyparquetScript);
  await build({
    stdin: { contents: readerSource, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(dir, 'reader.mjs'),
    logLevel: 'warning',
  });
  const loss = 'avg(greatest(logit, 0) - logit * label::DOUBLE + ln(1 + exp(-abs(logit))))';
  writeFileSync(join(dir, 'duckdb.mjs'), duckScript(duck, `SELECT ${loss} FROM read_parquet('${file}')`));
  const node = process.execPath;
  const [hp, reader, db, cli] = alternate(
    [
      { cmd: node, argv: [join(dir, 'hyparquet.mjs'), file], rss: true },
      { cmd: node, argv: [join(dir, 'reader.mjs'), file], rss: true },
      { cmd: node, argv: [join(dir, 'duckdb.mjs')], rss: true },
      { cmd: node, argv: [bce, '-l', `${file}:logit`, '-t', `${file}:label`, '--json'], rss: true },
    ],
    runs,
  );
  const ms = (r) => (r?.ok ? JSON.parse(r.stdout).ms : null);
  const what = `Parquet ${n / 1e6}M rows, DOUBLE + BOOLEAN, snappy`;
  const duckNote = db.ok ? `DuckDB SELECT avg(loss): ${(ms(db) / 1000).toFixed(2)} s wall, ${db.peakMiB?.toFixed(0)} MiB` : `DuckDB failed: ${db.stderr}`;
  if (!hp.ok || !reader.ok) {
    row({ what, unit: 's', bce: 'failed', note: (reader.stderr || hp.stderr).slice(0, 160) });
    return;
  }
  const agree = db.ok ? Math.abs(JSON.parse(reader.stdout).value - JSON.parse(db.stdout).value) <= 1e-12 : null;
  row({
    what: `${what}: bce's reader (both columns into Float64Array, and the mean loss) vs hyparquet's bare read, CPU time`,
    unit: 's',
    bce: ms(reader) / 1000,
    peerName: 'hyparquet parquetRead + onChunk',
    peer: ms(hp) / 1000,
    ratio: ms(reader) / ms(hp),
    target: '<= 1.5',
    bceMiB: reader.peakMiB,
    peerMiB: hp.peakMiB,
    agree,
    note: duckNote,
  });
  if (cli.ok) {
    row({ what: `${what}: bce end to end (mean)`, unit: 's', bce: cli.ms / 1000, peerName: 'hyparquet bare read (CPU)', peer: ms(hp) / 1000, ratio: cli.ms / ms(hp), target: '<= 1.5', bceMiB: cli.peakMiB, note: duckNote });
  } else {
    row({ what: `${what}: bce end to end`, unit: 's', bce: 'not supported yet', note: cli.stderr.slice(0, 160) });
  }
}
