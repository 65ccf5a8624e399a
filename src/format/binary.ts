/**
 * Binary outputs: the result's tensors as float64 in numpy's .npy, .npz (a zip of .npy members, stored, with
 * ZIP64 records where a size or an offset needs them) and safetensors layouts. Each writer yields byte chunks:
 * the headers, then views of the tensors' own memory, so a large result is never copied into one buffer
 * or turned into text.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import type { BceResult } from '../core/kernel.js';
import { resultTensors } from './result.js';

export const BINARY_FORMATS = ['npy', 'npz', 'safetensors'] as const;
export type BinaryFormat = (typeof BINARY_FORMATS)[number];

/** A named float64 tensor to write. */
export interface NamedTensor {
  name: string;
  shape: readonly number[];
  data: Float64Array;
}

/** Bytes per chunk of tensor data handed on. */
const DATA_CHUNK = 1 << 23;
const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;

/** The result's tensors in output order: `loss` (0-d for mean and sum), `grad`, `grad_targets`. */
export function outputTensors(r: BceResult): NamedTensor[] {
  const scalar = typeof r.loss === 'number' ? [{ name: 'loss', shape: [], data: Float64Array.of(r.loss) }] : [];
  return [...scalar, ...resultTensors(r).map((t) => ({ name: t.key, shape: r.shape, data: t.data }))];
}

/** The little-endian bytes of `data`, in chunks of at most DATA_CHUNK: views of its memory on little-endian hosts. */
function* dataChunks(data: Float64Array): Generator<Uint8Array> {
  for (let at = 0; at < data.byteLength; at += DATA_CHUNK) {
    const view = new Uint8Array(data.buffer, data.byteOffset + at, Math.min(DATA_CHUNK, data.byteLength - at));
    if (LITTLE_ENDIAN) yield view;
    else {
      const swapped = Uint8Array.from(view);
      for (let i = 0; i < swapped.length; i += 8) swapped.subarray(i, i + 8).reverse();
      yield swapped;
    }
  }
}

const ascii = (s: string) => new TextEncoder().encode(s);

/**
 * The .npy header of a C-order '<f8' array, as np.save writes it (format 1.0): the dict with keys in sorted
 * order, spare spaces for the first dimension to grow to 21 digits, and padding to a multiple of 64 bytes.
 */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${dims}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, 21 - String(shape[0]).length));
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const text = `${dict}${' '.repeat(pad)}\n`;
  const head = new Uint8Array(10 + text.length);
  head.set([0x93, ...ascii('NUMPY'), 1, 0]);
  new DataView(head.buffer).setUint16(8, text.length, true);
  head.set(ascii(text), 10);
  return head;
}

/** One tensor as a .npy file. */
export function* writeNpy(t: NamedTensor): Generator<Uint8Array> {
  yield npyHeader(t.shape);
  yield* dataChunks(t.data);
}

const U32 = 0xffffffff;

/** Little-endian fields into a new buffer: [bytes, value] pairs (8-byte values as numbers below 2^53). */
function fields(...parts: [1 | 2 | 4 | 8, number][]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, [b]) => n + b, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [bytes, v] of parts) {
    if (bytes === 1) view.setUint8(at, v);
    else if (bytes === 2) view.setUint16(at, v, true);
    else if (bytes === 4) view.setUint32(at, v, true);
    else view.setBigUint64(at, BigInt(v), true);
    at += bytes;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What the central directory needs of an entry. */
interface ZipEntry {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

/** 1980-01-01 00:00, the earliest DOS date: the archive's bytes depend only on its contents. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** The fields shared by a local header and a central directory entry, from "version needed" to the name's length. */
function entryFields(e: ZipEntry, zip64: boolean): Uint8Array {
  const size = zip64 ? U32 : e.size;
  return fields([2, zip64 ? 45 : 20], [2, 0], [2, 0], [2, DOS_TIME], [2, DOS_DATE], [4, e.crc], [4, size], [4, size], [2, e.name.length]);
}

function localHeader(e: ZipEntry, limit: number): Uint8Array {
  const zip64 = e.size >= limit;
  const extra = zip64 ? fields([2, 1], [2, 16], [8, e.size], [8, e.size]) : new Uint8Array(0);
  return concat(fields([4, 0x04034b50]), entryFields(e, zip64), fields([2, extra.length]), e.name, extra);
}

function centralEntry(e: ZipEntry, limit: number): Uint8Array {
  const bigSize = e.size >= limit;
  const bigOffset = e.offset >= limit;
  // the ZIP64 extra holds, in this order, exactly the fields that are 0xffffffff in the entry
  const values = [...(bigSize ? [e.size, e.size] : []), ...(bigOffset ? [e.offset] : [])];
  const extra = values.length > 0 ? fields([2, 1], [2, 8 * values.length], ...values.map((v): [8, number] => [8, v])) : new Uint8Array(0);
  const zip64 = bigSize || bigOffset;
  return concat(
    // made by Unix (3), as numpy's zipfile says, with its mode rw------- in the external attributes
    fields([4, 0x02014b50], [2, (3 << 8) | (zip64 ? 45 : 20)]),
    entryFields(e, zip64),
    fields([2, extra.length], [2, 0], [2, 0], [2, 0], [4, 0o600 << 16], [4, bigOffset ? U32 : e.offset]),
    e.name,
    extra,
  );
}

/** The end records: ZIP64 ones (record and locator) first where the directory's size or offset needs them. */
function endRecords(count: number, dirOffset: number, dirSize: number, limit: number): Uint8Array {
  const zip64 = dirOffset >= limit || dirSize >= limit;
  const end = fields([4, 0x06054b50], [2, 0], [2, 0], [2, count], [2, count], [4, zip64 ? U32 : dirSize], [4, zip64 ? U32 : dirOffset], [2, 0]);
  if (!zip64) return end;
  const record = fields([4, 0x06064b50], [8, 44], [2, 45], [2, 45], [4, 0], [4, 0], [8, count], [8, count], [8, dirSize], [8, dirOffset]);
  const locator = fields([4, 0x07064b50], [4, 0], [8, dirOffset + dirSize], [4, 1]);
  return concat(record, locator, end);
}

/**
 * The tensors as an .npz: one stored `NAME.npy` member each, as np.savez writes them. `limit` is the size or
 * offset from which ZIP64 records are used (0xffffffff, as the format says; lower only to test them).
 */
export function* writeNpz(tensors: readonly NamedTensor[], limit = U32): Generator<Uint8Array> {
  const entries: ZipEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const head = npyHeader(t.shape);
    const entry = { name: ascii(`${t.name}.npy`), crc: crcOf(head, t.data), size: head.length + t.data.byteLength, offset };
    const local = localHeader(entry, limit);
    yield local;
    yield head;
    yield* dataChunks(t.data);
    entries.push(entry);
    offset += local.length + entry.size;
  }
  const directory = concat(...entries.map((e) => centralEntry(e, limit)));
  yield directory;
  yield endRecords(entries.length, offset, directory.length, limit);
}

/** CRC-32 of a .npy member: its header, then its data as `dataChunks` yields it. */
function crcOf(head: Uint8Array, data: Float64Array): number {
  let crc = zlibCrc32(head);
  for (const chunk of dataChunks(data)) crc = zlibCrc32(chunk, crc);
  return crc >>> 0;
}

/**
 * The tensors as a safetensors file: an 8-byte header length, a JSON header with its keys sorted (each
 * tensor's dtype, shape and data offsets) padded with spaces to a multiple of 8 bytes, then the data in the
 * header's order, each tensor starting at a multiple of 8.
 */
export function* writeSafetensors(tensors: readonly NamedTensor[]): Generator<Uint8Array> {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  const entries = sorted.map((t) => {
    const begin = offset;
    offset += t.data.byteLength;
    return `${JSON.stringify(t.name)}:{"dtype":"F64","shape":${JSON.stringify(t.shape)},"data_offsets":[${begin},${offset}]}`;
  });
  const json = `{${entries.join(',')}}`;
  const text = json + ' '.repeat((8 - (json.length % 8)) % 8);
  yield concat(fields([8, text.length]), ascii(text));
  for (const t of sorted) yield* dataChunks(t.data);
}

/** The result in a binary format; `.npy` takes exactly one tensor (the caller checks it). */
export function formatBinary(format: BinaryFormat, tensors: readonly NamedTensor[]): Iterable<Uint8Array> {
  if (format === 'npy') return writeNpy(tensors[0]);
  if (format === 'npz') return writeNpz(tensors);
  return writeSafetensors(tensors);
}
