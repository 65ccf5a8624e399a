/**
 * openParquetTable against files and directories written by DuckDB (fixtures/parquet; expected.json holds
 * what DuckDB reads from them, every value as a double), malformed files, and fuzzing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { openParquetTable } from '../src/io/parquet.js';
import type { Io, OpenFile } from '../src/io/source.js';
import { bits } from './helpers/binary.js';
import { fuzzRuns } from './helpers/fuzz.js';
import { filesOnlyIo } from './helpers/run.js';
import { spawnAsync } from './helpers/spawn.js';

const DIR = 'fixtures/parquet/';
type Value = number | string | null | Value[];
interface Entry {
  rows: number;
  rowGroups: number;
  values: Record<string, Value[]> | 'groups';
  sums: Record<string, Value>;
  means: Record<string, Value>;
  parts?: string[];
}
const expected = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8')) as {
  files: Record<string, Entry>;
  groups: Record<string, Value[]>;
};
const valuesOf = (e: Entry): Record<string, Value[]> => (e.values === 'groups' ? expected.groups : e.values);

interface Read {
  rows: number;
  batches: number;
  widths: (number | undefined)[];
  values: Record<string, number[]>;
}

/** Reads columns `names` of a table to the end, checking that batches follow each other. */
async function readAll(path: string, names: string[], io: Io = filesOnlyIo): Promise<Read> {
  const t = await openParquetTable(io, path);
  try {
    const indices = names.map((n) => t.columns.findIndex((c) => c.name === n));
    expect(indices.every((i) => i >= 0), `${names} in ${t.columns.map((c) => c.name)}`).toBe(true);
    const values: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    let rows = 0;
    let batches = 0;
    for (let b = await t.next(indices); b !== undefined; b = await t.next(indices)) {
      expect(b.firstRow).toBe(rows);
      expect(b.values.length).toBe(names.length);
      names.forEach((n, k) => {
        expect(b.values[k]).toBeInstanceOf(Float64Array);
        expect(b.values[k].length % b.rows).toBe(0);
        values[n].push(...b.values[k]);
      });
      rows += b.rows;
      batches++;
    }
    expect(await t.next(indices)).toBeUndefined();
    if (t.rows !== undefined) expect(t.rows).toBe(rows);
    return { rows, batches, widths: indices.map((i) => t.columns[i].width), values };
  } finally {
    await t.close();
  }
}

/** The error reading all of `names` gives; checks it is one InputError line. */
async function failure(path: string, names: string[], io: Io = filesOnlyIo): Promise<string> {
  try {
    await readAll(path, names, io);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toMatch(/[\r\n]/);
    return (e as Error).message;
  }
  throw new Error(`${path} was read without an error`);
}

/** A DuckDB value (a number, or -0, NaN, +-Infinity spelled as strings) as bits() spells it. */
const want = (v: Value): string => bits(typeof v === 'string' ? Number(v) : (v as number));
const flat = (vs: Value[]): string[] => vs.flatMap((v) => (Array.isArray(v) ? v.map(want) : [want(v)]));

/** Checks every column of an expected entry, bit for bit, and DuckDB's sum of each within 1e-12 relative. */
async function expectEntry(path: string, entry: Entry, lists: string[] = []): Promise<Read> {
  const values = valuesOf(entry);
  const names = Object.keys(values);
  const got = await readAll(path, names);
  expect(got.rows).toBe(entry.rows);
  expect(got.batches).toBe(entry.rowGroups);
  for (const n of names) expect(got.values[n].map((v) => bits(v)), n).toEqual(flat(values[n]));
  for (const [n, sum] of Object.entries(entry.sums)) {
    if (typeof sum !== 'number') continue;
    const ours = got.values[n].reduce((a, b) => a + b, 0);
    // DuckDB and this loop add in different orders: 1e-12 relative covers 5000 rounded additions
    expect(Math.abs(ours - sum), n).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(sum)) * entry.rows);
  }
  names.forEach((n, k) => expect(got.widths[k], n).toBe(lists.includes(n) ? (values[n][0] as Value[]).length : 1));
  return got;
}

describe('openParquetTable: files written by DuckDB', () => {
  const codecs = Object.keys(expected.files).filter((f) => f.startsWith('groups-'));
  it('has the files of every codec', () => {
    expect(codecs.sort()).toEqual(
      ['brotli', 'gzip', 'lz4_raw', 'snappy', 'uncompressed', 'v2', 'zstd'].map((c) => `groups-${c}.parquet`),
    );
  });

  it.each(codecs)('%s: INT64, DOUBLE, BOOLEAN, INT32 and FLOAT columns, three row groups', async (name) => {
    const got = await expectEntry(DIR + name, expected.files[name]);
    expect(got.batches).toBe(3);
  });

  it('special.parquet: -0, NaN, infinities, subnormals, the extremes of every integer type', async () => {
    await expectEntry(`${DIR}special.parquet`, expected.files['special.parquet']);
  });

  it('lists.parquet: list columns of DOUBLE, BOOLEAN, INT32 and FLOAT are rows of classes', async () => {
    await expectEntry(`${DIR}lists.parquet`, expected.files['lists.parquet'], ['logits', 'labels', 'int_labels', 'weights']);
  });

  it('lists the columns in the file order, a list column without a width until it is read', async () => {
    const t = await openParquetTable(filesOnlyIo, `${DIR}lists.parquet`);
    expect(t.columns.map((c) => [c.name, c.width])).toEqual([
      ['id', 1],
      ['logits', undefined],
      ['labels', undefined],
      ['int_labels', undefined],
      ['weights', undefined],
      ['logit', 1],
    ]);
    expect(t.rows).toBe(4200);
    expect(t.where).toBe(`${DIR}lists.parquet`);
    await t.close();
    await t.close();
  });

  it('a column asked for twice, and columns in another order than the file', async () => {
    const t = await openParquetTable(filesOnlyIo, `${DIR}groups-zstd.parquet`);
    const b = await t.next([2, 1, 2]);
    await t.close();
    expect(b?.values.length).toBe(3);
    expect(Array.from(b!.values[1].subarray(0, 4), bits)).toEqual(flat(expected.groups.logit.slice(0, 4)));
    expect(b!.values[0]).toEqual(b!.values[2]);
  });

  it('empty.parquet: the columns, and no rows', async () => {
    const got = await expectEntry(`${DIR}empty.parquet`, expected.files['empty.parquet']);
    expect(got.batches).toBe(0);
  });

  it('reads only the columns asked for: one of five costs a fraction of the file', async () => {
    let read = 0;
    const counting: Io = {
      ...filesOnlyIo,
      openFile: async (path) => {
        const f = (await filesOnlyIo.openFile(path)) as OpenFile;
        return {
          ...f,
          read: async (buf, offset, length, position) => {
            const n = await f.read(buf, offset, length, position);
            read += n;
            return n;
          },
        };
      },
    };
    const path = `${DIR}groups-uncompressed.parquet`;
    const cost = async (names: string[]): Promise<number> => {
      read = 0;
      await readAll(path, names, counting);
      return read;
    };
    const footer = await cost([]);
    const all = await cost(Object.keys(expected.groups));
    // label is 5000 bits, against 20 kB to 40 kB for each of the other columns
    expect((await cost(['label'])) - footer).toBeLessThan(0.05 * (all - footer));
  });
});

describe('openParquetTable: nulls, and columns bce does not read', () => {
  const nulls = `${DIR}nulls.parquet`;
  it('a nullable column without nulls (as pandas writes floats) reads', async () => {
    expect((await readAll(nulls, ['label'])).values.label).toEqual(expected.files['nulls.parquet'].values && [1, 0, 1, 0, 1]);
  });

  it.each([
    ['logit', "row 3, column 'logit': a null: bce reads numbers only (drop or fill the nulls first)"],
    ['with_null_item', "row 2, column 'with_null_item': a null at position 2 of the list: bce reads numbers only (drop or fill the nulls first)"],
    ['with_null_list', "row 4, column 'with_null_list': a null list: bce reads numbers only (drop or fill the nulls first)"],
    ['ragged', "row 3, column 'ragged': a list of 3 values where the rows before have 2"],
  ])('%s', async (column, what) => {
    expect(await failure(nulls, ['label', column])).toBe(`${nulls}: ${what}`);
  });

  const types = `${DIR}types.parquet`;
  it('unselected columns of any type are not in the way', async () => {
    await expectEntry(types, expected.files['types.parquet']);
  });

  it.each([
    ['name', 'BYTE_ARRAY (UTF8)'],
    ['day', 'INT32 (DATE)'],
    ['ts', 'INT64 (TIMESTAMP)'],
    ['price', 'INT32 (DECIMAL)'],
    ['s', 'STRUCT<a: DOUBLE>'],
    ['tags', 'LIST<BYTE_ARRAY (UTF8)>'],
    ['nested', 'LIST<LIST<DOUBLE>>'],
  ])('%s is refused, naming its type', async (column, type) => {
    const message = await failure(types, ['logit', column]);
    expect(message).toContain(`${types}: column '${column}' is ${type}`);
    expect(message).toContain('bce reads DOUBLE, FLOAT, INT32, INT64 and BOOLEAN columns, and lists of them');
  });
});

describe('openParquetTable: directories of part files', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bce-parquet-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each(['hive', 'spark'])('%s/: the part files in sorted path order, side files and other folders ignored', async (name) => {
    await expectEntry(`${DIR}${name}`, expected.files[name]);
    await expectEntry(`${DIR}${name}/`, expected.files[name]);
  });

  it('schemas that differ: the first part file that differs is named', async () => {
    expect(await failure(`${DIR}mismatch`, ['logit'])).toBe(
      `${DIR}mismatch/part-1.parquet: its schema differs from the first part file's, ${DIR}mismatch/part-0.parquet: column 1 is 'logit': FLOAT here, 'logit': DOUBLE there`,
    );
  });

  it('part files with other columns', async () => {
    const d = join(tmp, 'names');
    mkdirSync(d);
    copyFileSync(`${DIR}spark/part-00000-c0ffee.snappy.parquet`, join(d, 'a.parquet'));
    copyFileSync(`${DIR}empty.parquet`, join(d, 'b.parquet'));
    copyFileSync(`${DIR}lists.parquet`, join(d, 'c.parquet'));
    expect(await failure(d, ['logit'])).toBe(
      `${d}/c.parquet: its schema differs from the first part file's, ${d}/a.parquet: column 1 is 'id': INT64 (INT_64) here, 'logit': DOUBLE there`,
    );
  });

  it('an empty directory, and one with side files only, are errors', async () => {
    const d = join(tmp, 'empty');
    mkdirSync(join(d, 'key=1'), { recursive: true });
    const why = 'a directory without .parquet files (bce reads the *.parquet files in it and in its key=value/ folders)';
    expect(await failure(d, [])).toBe(`${d}: ${why}`);
    writeFileSync(join(d, '_SUCCESS'), '');
    writeFileSync(join(d, 'key=1/.x.parquet.crc'), 'crc');
    writeFileSync(join(d, '_common_metadata.parquet'), 'not read');
    expect(await failure(d, [])).toBe(`${d}: ${why}`);
  });

  it('a part file that is not Parquet is named', async () => {
    const d = join(tmp, 'bad-part');
    mkdirSync(d);
    copyFileSync(`${DIR}spark/part-00000-c0ffee.snappy.parquet`, join(d, 'part-0.parquet'));
    writeFileSync(join(d, 'part-1.parquet'), 'logit,label\n1,0\n');
    expect(await failure(d, ['logit'])).toBe(`${d}/part-1.parquet: not a Parquet file: it does not start with PAR1`);
  });
});

/** An Io over files held in memory. */
function memoryIo(files: Record<string, Uint8Array>): Io {
  return {
    ...filesOnlyIo,
    listDir: async () => undefined,
    openFile: async (path) => {
      const bytes = files[path];
      if (bytes === undefined) return undefined;
      return {
        size: bytes.length,
        read: async (buf, offset, length, position) => {
          const piece = bytes.subarray(position, position + length);
          buf.set(piece, offset);
          return piece.length;
        },
        close: async () => undefined,
      } satisfies OpenFile;
    },
  };
}

describe('openParquetTable: malformed files', () => {
  const seed = new Uint8Array(readFileSync(`${DIR}groups-snappy.parquet`));
  const fails = (bytes: Uint8Array, names = ['logit', 'label']): Promise<string> => failure('x.parquet', names, memoryIo({ 'x.parquet': bytes }));

  it.each([
    ['a missing file', undefined, 'x.parquet: no such file, or not a regular file (Parquet is read at random offsets, so a pipe will not do)'],
    ['an empty file', new Uint8Array(0), 'x.parquet: not a Parquet file: 0 bytes, and the smallest has 12'],
    ['text', new TextEncoder().encode('logit,label\n1.5,0\n'), 'x.parquet: not a Parquet file: it does not start with PAR1'],
    ['the first half', seed.subarray(0, seed.length >> 1), 'x.parquet: not a Parquet file, or a truncated one: it does not end with PAR1'],
  ])('%s', async (_, bytes, message) => {
    expect(await failure('x.parquet', [], memoryIo(bytes === undefined ? {} : { 'x.parquet': bytes }))).toBe(message);
  });

  it('a footer length beyond the file', async () => {
    const bytes = seed.slice();
    new DataView(bytes.buffer).setUint32(bytes.length - 8, 0x7fffffff, true);
    expect(await fails(bytes)).toMatch(/^x\.parquet: unreadable Parquet metadata: parquet metadata length 2147483647 exceeds/);
  });

  it('corrupt pages: an InputError naming the file', async () => {
    const bytes = seed.slice();
    for (let i = 4; i < 2000; i += 7) bytes[i] ^= 0x5a;
    expect(await fails(bytes, ['id'])).toMatch(/^x\.parquet: corrupt data in row group 1: /);
  });
});

describe('openParquetTable: fuzzing', () => {
  const seeds = ['spark/part-00001-c0ffee.snappy.parquet', 'nulls.parquet', 'special.parquet', 'mismatch/part-0.parquet'].map(
    (f) => new Uint8Array(readFileSync(DIR + f)),
  );

  /** Either every readable column of the table as doubles, or an InputError: nothing else. */
  async function readsOrRefuses(bytes: Uint8Array): Promise<void> {
    const io = memoryIo({ 'f.parquet': bytes });
    try {
      const t = await openParquetTable(io, 'f.parquet');
      const indices = t.columns.map((_, i) => i);
      for (let b = await t.next(indices); b !== undefined; b = await t.next(indices)) {
        for (const v of b.values) expect(v).toBeInstanceOf(Float64Array);
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      expect(e.message).not.toMatch(/[\r\n]/);
    }
  }

  it('random bytes between the magic numbers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (body) => {
        await readsOrRefuses(new Uint8Array([0x50, 0x41, 0x52, 0x31, ...body, 0x50, 0x41, 0x52, 0x31]));
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('mutations and truncations of valid files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (seed, edits, cut) => {
          const bytes = seed.slice(0, cut === undefined ? seed.length : cut % (seed.length + 1));
          for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
          await readsOrRefuses(bytes);
        },
      ),
      { numRuns: fuzzRuns(1500) },
    );
  });
});

describe('pageChecked: page headers out of bounds are refused before hyparquet sizes arrays by them', () => {
  /** A zigzag varint, as Thrift's compact protocol writes an i32. */
  const i32 = (v: number): number[] => {
    const out: number[] = [];
    for (let z = v >= 0 ? 2 * v : -2 * v - 1; ; z = Math.floor(z / 128)) {
      if (z < 128) return [...out, z];
      out.push((z % 128) | 128);
    }
  };
  /** A DATA_PAGE header: type, sizes, then the data page header (values, PLAIN, RLE, RLE), and `stored` bytes. */
  const page = (values: number, size: number, stored: number): number[] => [
    ...[0x15, 0, 0x15, ...i32(size), 0x15, ...i32(stored)],
    ...[0x2c, 0x15, ...i32(values), 0x15, 0, 0x15, 6, 0x15, 6, 0, 0],
    ...new Array<number>(stored).fill(0),
  ];
  async function check(bytes: number[]): Promise<string | undefined> {
    const { pageChecked } = await import('../src/io/parquet-pages.js');
    const { parquetHeader } = await import('hyparquet/src/column.js');
    const data = new Uint8Array(bytes);
    const file = { byteLength: data.length, slice: async (s: number, e?: number) => data.slice(s, e).buffer };
    const meta = { path_in_schema: ['x'], data_page_offset: 0n, total_compressed_size: BigInt(data.length) };
    const group = { columns: [{ meta_data: meta }], num_rows: 1n } as unknown as import('hyparquet').RowGroup;
    try {
      await pageChecked(file, group, ['x'], parquetHeader, 'x.parquet', 1).slice(0, data.length);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
  }
  it.each([
    [page(8, 64, 64), undefined],
    [[...page(2 ** 25, 64, 4), ...page(2 ** 25, 64, 4)], undefined],
    [page(2 ** 25 + 1, 64, 4), "x.parquet: row group 1, column 'x': a page declares 33554433 values, and bce reads at most 33554432 in one page"],
    [[...page(2 ** 25, 64, 4), ...page(2 ** 25, 64, 4), ...page(1, 8, 4)], "x.parquet: row group 1, column 'x': its pages declare more than 67108864 values, more than bce reads in one row group"],
    [page(8, 2 ** 30 + 1, 4), "x.parquet: row group 1, column 'x': a page declares 1073741825 bytes, and bce reads at most 1073741824 in one page"],
    [page(8, 64, 64).slice(0, 40), "x.parquet: row group 1, column 'x': a page of 64 bytes runs past the end of its column chunk"],
  ])('%#', async (bytes, message) => {
    expect(await check(bytes)).toBe(message);
  });
});

describe('openParquetTable: memory, in a process of its own', () => {
  const prlimit = spawnSync('prlimit', ['--version']).status === 0;
  const time = existsSync('/usr/bin/time');
  const tmp = mkdtempSync(join(tmpdir(), 'bce-parquet-mem-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  // reads every column of a table to the end and prints the rows and the sum of each column
  const script = `
import { openParquetTable } from './src/io/parquet.ts';
import { listDir } from './src/io/list-dir.ts';
import { open } from 'node:fs/promises';
const io = {
  listDir,
  openFile: async (path) => {
    const fh = await open(path, 'r');
    const { size } = await fh.stat();
    return { size, read: async (b, o, l, p) => (await fh.read(b, o, l, p)).bytesRead, close: () => fh.close() };
  },
};
const t = await openParquetTable(io, process.argv[2]);
const all = t.columns.map((_, i) => i);
const sums = all.map(() => 0);
let rows = 0;
for (let b = await t.next(all); b !== undefined; b = await t.next(all)) {
  rows += b.rows;
  b.values.forEach((v, k) => { for (const x of v) sums[k] += x; });
}
console.log(JSON.stringify({ rows, sums }));`;

  /** A directory of `n` part files, each a link to groups-snappy.parquet (5000 rows, five columns). */
  function partsDir(n: number): string {
    const d = join(tmp, `parts-${n}`);
    mkdirSync(d);
    for (let i = 0; i < n; i++) symlinkSync(resolve(`${DIR}groups-snappy.parquet`), join(d, `part-${String(i).padStart(5, '0')}.parquet`));
    return d;
  }

  it.skipIf(!prlimit || !time)(
    'memory does not grow with the table, and an address-space ceiling is no obstacle',
    async () => {
      const { build } = await import('esbuild');
      const reader = join(tmp, 'reader.mjs');
      await build({ stdin: { contents: script, resolveDir: resolve('.'), loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', outfile: reader, logLevel: 'error' });
      // Node 20 reserves about 711 MiB of address space before it runs any code; a Node that reserves more gets
      // the difference on top (as in bombs.test.ts)
      const status = spawnSync(process.execPath, ['-p', "require('fs').readFileSync('/proc/self/status', 'utf8')"], { encoding: 'utf8' }).stdout;
      const start = 1024 * Number(/^VmSize:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
      const ceiling = 1.25 * 2 ** 30 + Math.max(0, start - 711 * 2 ** 20);
      const run = async (n: number): Promise<{ rows: number; sums: number[]; rss: number }> => {
        const report = join(tmp, `time-${n}.txt`);
        const argv = ['-o', report, '-f', '%M', 'prlimit', `--as=${Math.round(ceiling)}`, process.execPath, reader, partsDir(n)];
        const r = await spawnAsync('/usr/bin/time', argv, { timeout: 100_000 });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        return { ...JSON.parse(r.stdout), rss: 1024 * Number(readFileSync(report, 'utf8').trim().split('\n').pop()) };
      };
      // two processes, each measured on its own, run side by side
      const [small, large] = await Promise.all([run(40), run(400)]);
      // DuckDB's sums, times the number of copies (1e-9 relative: 400 x 5000 additions in another order)
      const one = expected.files['groups-snappy.parquet'].sums;
      for (const [got, n] of [[small, 40], [large, 400]] as const) {
        expect(got.rows).toBe(5000 * n);
        Object.keys(expected.groups).forEach((c, k) => expect(Math.abs(got.sums[k] - n * (one[c] as number))).toBeLessThanOrEqual(1e-9 * Math.abs(n * (one[c] as number))));
      }
      // holding the five columns of 360 more parts would take 72 MB; streaming, the peak stays within GC noise
      expect(large.rss - small.rss).toBeLessThan(36 * 2 ** 20);
    },
    120_000,
  );
});

describe('decodeFlat: runs longer than their page are refused before hyparquet decodes them', () => {
  const varint = (v: number): number[] => {
    const out: number[] = [];
    for (; v >= 128; v = Math.floor(v / 128)) out.push((v % 128) | 128);
    return [...out, v];
  };
  /** A DATA_PAGE of an OPTIONAL DOUBLE column, uncompressed: `count` definition levels as one RLE run, and 4 doubles. */
  function chunk(count: number): ArrayBuffer {
    const levels = [...varint(2 * count), 1];
    const body = [levels.length, 0, 0, 0, ...levels, ...new Array<number>(32).fill(0)];
    const zz = (v: number): number[] => varint(2 * v);
    const header = [0x15, 0, 0x15, ...zz(body.length), 0x15, ...zz(body.length), 0x2c, 0x15, ...zz(4), 0x15, 0, 0x15, 6, 0x15, 6, 0, 0];
    return new Uint8Array([...header, ...body]).buffer;
  }
  async function decode(count: number): Promise<string | number> {
    const { decodeFlat } = await import('../src/io/parquet-flat.js');
    const hp = { ...(await import('hyparquet/src/column.js')), ...(await import('hyparquet/src/datapage.js')), ...(await import('hyparquet/src/convert.js')), ...(await import('hyparquet/src/thrift.js')) };
    const leaf = { element: { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' }, children: [], count: 1, path: ['x'] };
    const root = { element: { name: 'root' }, children: [leaf], count: 2, path: [] };
    const meta = { path_in_schema: ['x'], type: 'DOUBLE', codec: 'UNCOMPRESSED' } as unknown as import('hyparquet').ColumnMetaData;
    const fail = { nullAt: (row: number) => new InputError('x', `null at ${row}`), corrupt: (what: string) => new InputError('x', what) };
    try {
      const pages = decodeFlat(hp, chunk(count), meta, root as never, leaf as never, 4, { parsers: hp.DEFAULT_PARSERS }, fail);
      return pages.reduce((n, p) => n + p.data.length, 0);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
  }
  it('a run of the page length reads; 5 or 2^28 definition levels for a page of 4 values are refused, at once', async () => {
    expect(await decode(4)).toBe(4);
    expect(await decode(5)).toBe('x: a run of values longer than its page');
    const t = performance.now();
    // hyparquet would write 2^28 levels into an array of 4, and V8 would end the process
    expect(await decode(2 ** 28)).toBe('x: a run of values longer than its page');
    expect(performance.now() - t).toBeLessThan(5000);
  });
});
