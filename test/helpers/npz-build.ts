/**
 * Builds .npy headers, deflate streams and .npz archives inside the tests, so that bombs of gigabytes never
 * sit in the repository: a zip writer (with ZIP64 sizes when a member declares 4 GiB or more), and deflate
 * streams of zeros made by repeating one compressed block.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** A version 1.0 .npy header (magic to the padding newline), its data starting at a multiple of 64. */
export function npyHeader(descr: string, shape: readonly number[]): Buffer {
  const spelled = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${spelled}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = `${dict.padEnd(total - 11)}\n`;
  const b = Buffer.alloc(10 + text.length);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  b.writeUInt16LE(text.length, 8);
  b.write(text, 10, 'latin1');
  return b;
}

/** Bytes deflated and sync-flushed: byte-aligned and not final, so another stream's blocks may follow. */
export function deflatePart(bytes: Uint8Array): Buffer {
  return deflateRawSync(bytes, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
}

/**
 * Bytes as stored deflate blocks (not final): the same compressed bytes whatever the zlib version, for
 * messages that name compressed sizes.
 */
export function storedBlocks(bytes: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 0xffff) {
    const part = bytes.subarray(i, i + 0xffff);
    const head = Buffer.from([0, part.length & 0xff, part.length >> 8, ~part.length & 0xff, (~part.length >> 8) & 0xff]);
    parts.push(head, Buffer.from(part));
  }
  return Buffer.concat(parts);
}

/** The end of a deflate stream: an empty final block with the fixed codes. */
export const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/**
 * A deflate stream of `head` then `zeros` zero bytes, at about 1030:1 for the zeros: one 64 MiB block of
 * zeros is compressed once and repeated (it refers to nothing before itself, so copies can follow each other).
 */
export function zerosAfter(head: Uint8Array, zeros: number): Buffer {
  const parts = [deflatePart(head)];
  let left = zeros;
  for (; left >= CHUNK; left -= CHUNK) parts.push(zeroChunk());
  if (left > 0) parts.push(deflatePart(new Uint8Array(left)));
  parts.push(FINAL_BLOCK);
  return Buffer.concat(parts);
}

const CHUNK = 64 * 2 ** 20;
let chunk: Buffer | undefined;

/** 64 MiB of zeros, deflated once. */
function zeroChunk(): Buffer {
  chunk ??= deflatePart(new Uint8Array(CHUNK));
  return chunk;
}

/** CRC-32 of `zeros` zero bytes after `head`, without holding them. */
export function crcOfZerosAfter(head: Uint8Array, zeros: number): number {
  const block = new Uint8Array(Math.min(zeros, 64 * 2 ** 20));
  let crc = crc32(head);
  for (let left = zeros; left > 0; left -= block.length) crc = crc32(block.subarray(0, Math.min(left, block.length)), crc);
  return crc;
}

export interface Member {
  name: string;
  /** the member's bytes as stored in the archive */
  data: Uint8Array;
  /** 0 stored, 8 deflated */
  method: 0 | 8;
  /** the uncompressed size the zip entry declares */
  size: number;
  crc: number;
}

/** A stored member: the bytes as they are, with their true size and CRC. */
export function stored(name: string, bytes: Uint8Array): Member {
  return { name, data: bytes, method: 0, size: bytes.length, crc: crc32(bytes) };
}

/** A deflated member: the bytes deflated by zlib, with their true size and CRC. */
export function deflated(name: string, bytes: Uint8Array): Member {
  return { name, data: deflateRawSync(bytes), method: 8, size: bytes.length, crc: crc32(bytes) };
}

/** A zip archive of `members`; a size of 4 GiB or more is written in a ZIP64 extra field, as numpy does. */
export function zip(members: readonly Member[]): Buffer {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const big = m.size >= 0xffffffff;
    const extra = Buffer.alloc(big ? 20 : 0);
    if (big) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(m.size), 4);
      extra.writeBigUInt64LE(BigInt(m.data.length), 12);
    }
    const size32 = big ? 0xffffffff : m.size;
    const compressed32 = big ? 0xffffffff : m.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(big ? 45 : 20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(m.method, 8);
    local.writeUInt32LE(m.crc >>> 0, 14);
    local.writeUInt32LE(compressed32, 18);
    local.writeUInt32LE(size32, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(big ? 45 : 20, 4);
    entry.writeUInt16LE(big ? 45 : 20, 6);
    entry.writeUInt16LE(0x800, 8);
    entry.writeUInt16LE(m.method, 10);
    entry.writeUInt32LE(m.crc >>> 0, 16);
    entry.writeUInt32LE(compressed32, 20);
    entry.writeUInt32LE(size32, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt16LE(extra.length, 30);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, name, extra, m.data);
    central.push(entry, name, extra);
    offset += 30 + name.length + extra.length + m.data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A .npy file of float64 values. */
export function npyF8(shape: readonly number[], values: readonly number[]): Buffer {
  return Buffer.concat([npyHeader('<f8', shape), Buffer.from(new Float64Array(values).buffer)]);
}
