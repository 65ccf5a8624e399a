/**
 * Reader for NumPy's .npz bundles (`np.savez`, `np.savez_compressed`) -> one Tensor per `name.npy` member.
 *
 * Format: PKWARE APPNOTE.TXT 6.3.10 (https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT), sections
 * 4.3.7 (local file header), 4.3.12 (central directory header), 4.3.14-4.3.16 (ZIP64 end of central directory
 * record and locator, end of central directory record) and 4.5.3 (the ZIP64 extended information extra field).
 *
 * The archive is read from its central directory, which is where the sizes are authoritative: numpy writes
 * every member with `force_zip64=True`, so local headers carry ZIP64 extras, and an archive past 4 GiB needs the
 * ZIP64 end records and central-directory extras, all of which are handled. Members must be stored (method 0)
 * or deflated (method 8); each member's CRC-32 and sizes are checked.
 *
 * Bombs: a member is read in three steps, each bounded by what the one before checked. Opening it reads its
 * .npy header (inflating only the header's bytes, see ./inflate-head.ts) and refuses it unless its zip size is
 * one deflate can reach from its compressed size and equals what the header declares; the caller then checks
 * the declared shapes; loading it allocates the tensor and inflates into one buffer of the declared size, and a
 * stream that runs past that size is cut off there.
 *
 * Decided: members whose names do not end in `.npy` are ignored (np.load would hand them back as raw bytes,
 * which are not tensors); encrypted members, multi-disk archives and duplicate member names are refused.
 */
import { constants } from 'node:buffer';
import { crc32 as zlibCrc32, inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Declared, Member } from './declared.js';
import { allocateTensor, isAllocationFailure, notEnoughMemory } from './declared.js';
import { DeflateError, inflateHead } from './inflate-head.js';
import { isHostFloat64 } from './elements.js';
import { checkNpyLength, declaredDataBytes, decodeNpy, hexBytes, printable, pyShape, readNpyHeader, readNpyPreamble, show } from './npy.js';
import type { NpyHeader } from './npy.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;

/**
 * The most a deflate stream can inflate to per compressed byte: a copy of 258 bytes takes at least 2 bits
 * (a 1-bit length code and a 1-bit distance code), and nothing else gives more.
 */
export const MAX_DEFLATE_RATIO = 1032;

/**
 * The largest member inflated: one output buffer of size + 1 bytes (the extra byte shows a stream that runs
 * past its declared size), within both Node's largest Buffer and zlib's 32-bit output count.
 */
export const MAX_INFLATED = Math.min(constants.MAX_LENGTH, 2 ** 32 - 1) - 1;

/** Bytes that hold the fixed preamble of any .npy version (magic, version, header length). */
const NPY_PREAMBLE = 12;

/** Fixed sizes of the records (without their variable-length name, extra and comment fields). */
const END_SIZE = 22;
const LOCATOR64_SIZE = 20;
const END64_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

/** A 16-bit value of 0xffff or 32-bit value of 0xffffffff means "see the ZIP64 record". */
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/** What the central directory says about one member. */
export interface Entry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
  /** Byte offset of the entry's central directory header, for messages. */
  readonly at: number;
}

/**
 * Opens an .npz archive: its central directory is read now; a `name.npy` member's header is read when the
 * member is opened (for a deflated member, by inflating only the bytes of its header) and checked against
 * its zip entry; its data is inflated and decoded when the result is loaded. Returns the members keyed by
 * `name`, in archive order.
 *
 * @throws InputError: `source: byte N: what` for the archive's structure, `source:name.npy: ...` for a member
 *   (from `open` and `load`).
 */
export function openNpz(bytes: Uint8Array, source: string): Map<string, Member> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = readCentralDirectory(bytes, view, source);
  const members = new Map<string, Member>();
  const names = new Set<string>();
  for (const entry of entries) {
    const where = `${source}:${printable(entry.name)}`;
    // Case: the same name twice (zipfile would silently take the last one).
    if (names.has(entry.name)) {
      throw new InputError(`${source}: byte ${entry.at}`, `member ${show(entry.name)} appears twice in the archive`);
    }
    names.add(entry.name);
    // Case: not an array (a directory, a README, ...) -> ignored.
    if (!entry.name.endsWith('.npy')) continue;
    members.set(entry.name.slice(0, -'.npy'.length), { open: () => openMember(bytes, view, entry, where) });
  }
  return members;
}

/** Reads every `name.npy` member of an .npz archive into a Map keyed by `name` (in archive order). */
export function readNpz(bytes: Uint8Array, source: string): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [name, member] of openNpz(bytes, source)) tensors.set(name, member.open().load());
  return tensors;
}

/** Finds the end records and returns the central directory's entries; `kind` names the archive in messages. */
export function readCentralDirectory(bytes: Uint8Array, view: DataView, source: string, kind = '.npz'): Entry[] {
  const { count, cdOffset, cdEnd } = readEndRecords(bytes, view, source, kind);
  // Central directory file headers (4.3.12).
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    const entry = readCentralEntry(bytes, view, source, p, cdEnd, i + 1, count);
    entries.push(entry);
    p = entry.next;
  }
  return entries;
}

/** The end records (ZIP64 ones too): how many entries the central directory holds, and where it is. */
function readEndRecords(bytes: Uint8Array, view: DataView, source: string, kind: string): { count: number; cdOffset: number; cdEnd: number } {
  const at = (offset: number): string => `${source}: byte ${offset}`;
  const end = findEnd(bytes, view, source, kind);

  // End of central directory record (4.3.16).
  const disk = view.getUint16(end + 4, true);
  const cdDisk = view.getUint16(end + 6, true);
  let count = view.getUint16(end + 10, true);
  let cdSize = view.getUint32(end + 12, true);
  let cdOffset = view.getUint32(end + 16, true);
  let where64 = -1;

  // ZIP64 end of central directory locator (4.3.15), just before the end record when present.
  const locator = end - LOCATOR64_SIZE;
  if (locator >= 0 && view.getUint32(locator, true) === SIG_LOCATOR64) {
    const end64 = getUint64(view, locator + 8, at(locator + 8), 'ZIP64 end record offset');
    // ZIP64 end of central directory record (4.3.14).
    if (end64 + END64_SIZE > locator || view.getUint32(end64, true) !== SIG_END64) {
      throw new InputError(
        at(locator + 8),
        `ZIP64 locator points to byte ${end64}, where there is no ZIP64 end record`,
      );
    }
    where64 = end64;
    count = getUint64(view, end64 + 32, at(end64 + 32), 'entry count');
    cdSize = getUint64(view, end64 + 40, at(end64 + 40), 'central directory size');
    cdOffset = getUint64(view, end64 + 48, at(end64 + 48), 'central directory offset');
  } else if (cdSize === U32_MAX || cdOffset === U32_MAX) {
    // Case: the end record defers to ZIP64 records that are not there.
    throw new InputError(at(end), 'end record refers to ZIP64 records, but there is no ZIP64 locator before it');
  }
  // Case: split archives.
  if (disk !== 0 || cdDisk !== 0) {
    throw new InputError(at(end + 4), 'multi-disk (split) zip archives are not supported');
  }
  const cdEnd = cdOffset + cdSize;
  // The central directory ends where the end records begin.
  const limit = where64 >= 0 ? where64 : end;
  if (cdEnd > limit) {
    throw new InputError(
      at(end + 12),
      `central directory (${cdSize} bytes from byte ${cdOffset}) runs past the end records at byte ${limit}`,
    );
  }
  return { count, cdOffset, cdEnd };
}

/** The central directory entry at byte p (entry `ordinal` of `count`), and where the next one begins. */
function readCentralEntry(bytes: Uint8Array, view: DataView, source: string, p: number, cdEnd: number, ordinal: number, count: number): Entry & { next: number } {
  const at = (offset: number): string => `${source}: byte ${offset}`;
  if (p + CENTRAL_SIZE > cdEnd || view.getUint32(p, true) !== SIG_CENTRAL) {
    throw new InputError(at(p), `central directory entry ${ordinal} of ${count} is not here (the archive is corrupt)`);
  }
  const flags = view.getUint16(p + 8, true);
  const method = view.getUint16(p + 10, true);
  const crc = view.getUint32(p + 16, true);
  let compressedSize = view.getUint32(p + 20, true);
  let size = view.getUint32(p + 24, true);
  const nameLength = view.getUint16(p + 28, true);
  const extraLength = view.getUint16(p + 30, true);
  const commentLength = view.getUint16(p + 32, true);
  const diskStart = view.getUint16(p + 34, true);
  let localOffset = view.getUint32(p + 42, true);
  const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
  if (next > cdEnd) {
    throw new InputError(at(p), `central directory entry ${ordinal} runs past the end of the central directory`);
  }
  const name = decodeName(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength), flags);

  // ZIP64 extended information (4.5.3): 8-byte values for exactly the fields that are 0xffffffff, in order.
  if (size === U32_MAX || compressedSize === U32_MAX || localOffset === U32_MAX || diskStart === U16_MAX) {
    const zip64 = findExtra(view, p + CENTRAL_SIZE + nameLength, extraLength, 0x0001);
    const fail = (): never => {
      throw new InputError(
        `${source}:${printable(name)}`,
        'ZIP64 sizes are missing from the central directory entry',
      );
    };
    if (zip64 === undefined) fail();
    let q = (zip64 as { start: number }).start;
    const qEnd = q + (zip64 as { length: number }).length;
    const next64 = (what: string): number => {
      if (q + 8 > qEnd) fail();
      const v = getUint64(view, q, `${source}:${printable(name)}`, what);
      q += 8;
      return v;
    };
    if (size === U32_MAX) size = next64('uncompressed size');
    if (compressedSize === U32_MAX) compressedSize = next64('compressed size');
    if (localOffset === U32_MAX) localOffset = next64('local header offset');
  }
  return { name, method, flags, crc, compressedSize, size, localOffset, at: p, next };
}

/**
 * Finds the end of central directory record: the last "PK\5\6" in the final 64 KiB + 22 bytes whose comment
 * length fits in the file (as Python's zipfile does); without one, says what the file looks like instead.
 */
function findEnd(bytes: Uint8Array, view: DataView, source: string, kind: string): number {
  const lowest = Math.max(0, bytes.length - END_SIZE - U16_MAX);
  for (let p = bytes.length - END_SIZE; p >= lowest; p--) {
    if (bytes[p] === 0x50 && view.getUint32(p, true) === SIG_END) {
      const commentLength = view.getUint16(p + 20, true);
      if (p + END_SIZE + commentLength <= bytes.length) return p;
    }
  }
  // No end record. Case: an empty file.
  if (bytes.length === 0) throw new InputError(source, `file is empty, expected an ${kind} archive`);
  // Case: a lone .npy file.
  if (bytes[0] === 0x93 && bytes[1] === 0x4e && bytes[2] === 0x55) {
    throw new InputError(source, `this is a .npy file, not an ${kind} archive`);
  }
  // Case: the start of a zip archive, cut short.
  if (bytes.length >= 4 && view.getUint32(0, true) === SIG_LOCAL) {
    throw new InputError(source, `zip archive (${kind}) is truncated: its end of central directory record is missing`);
  }
  // Case: anything else.
  throw new InputError(source, `not a zip archive (${kind}): it starts with ${hexBytes(bytes, 0, 4)}`);
}

/** The data of the extra field with `id` in the extra block at [start, start + length), or undefined. */
function findExtra(
  view: DataView,
  start: number,
  length: number,
  id: number,
): { start: number; length: number } | undefined {
  let p = start;
  const end = start + length;
  while (p + 4 <= end) {
    const fieldId = view.getUint16(p, true);
    const fieldLength = view.getUint16(p + 2, true);
    if (fieldId === id) return { start: p + 4, length: Math.min(fieldLength, end - p - 4) };
    p += 4 + fieldLength;
  }
  return undefined;
}

/** A little-endian uint64 as a number; values past 2^53 cannot be offsets into a file we hold in memory. */
function getUint64(view: DataView, offset: number, where: string, what: string): number {
  const value = view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 4294967296;
  if (value > Number.MAX_SAFE_INTEGER) {
    throw new InputError(where, `ZIP64 ${what} is impossibly large`);
  }
  return value;
}

/** Member names are UTF-8 when flag bit 11 is set, else IBM code page 437 (APPNOTE appendix D). */
function decodeName(raw: Uint8Array, flags: number): string {
  if (flags & 0x800) return new TextDecoder('utf-8').decode(raw);
  let name = '';
  for (const b of raw) name += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return name;
}

/** Code page 437, bytes 0x80-0xff. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** One member: its local header checked, its .npy header read, its data decoded on `load`. */
function openMember(bytes: Uint8Array, view: DataView, entry: Entry, where: string): Declared {
  const { raw, start } = memberData(bytes, view, entry, where);
  if (entry.method === 0) {
    // Case: stored -> the bytes are the .npy file, checked now (no memory beyond the archive's).
    checkContent(raw, entry, where, start);
    const header = readNpyHeader(raw, where);
    checkNpyLength(header, raw.length, where);
    return { shape: header.shape, load: () => decodeNpy(raw, header, where) };
  }
  if (entry.method === 8) {
    // Case: deflated -> the sizes its zip entry and its .npy header declare are checked before any data is inflated.
    const header = deflatedHeader(raw, entry, where, start);
    return { shape: header.shape, load: () => loadDeflated(raw, entry, header, where, start) };
  }
  const known = METHODS[entry.method];
  throw new InputError(
    where,
    `unsupported compression method ${entry.method}${known ? ` (${known})` : ''}; only stored and deflated members are read`,
  );
}

/** A member's compressed bytes and where they start, with its local header checked. */
export function memberData(bytes: Uint8Array, view: DataView, entry: Entry, where: string): { raw: Uint8Array; start: number } {
  const p = entry.localOffset;
  // Case: encrypted members cannot be read.
  if (entry.flags & 0x1) throw new InputError(where, 'member is encrypted');
  // Local file header (4.3.7): only its name and extra lengths matter; the sizes come from the central directory.
  if (p + LOCAL_SIZE > bytes.length || view.getUint32(p, true) !== SIG_LOCAL) {
    throw new InputError(`${where}: byte ${p}`, 'no local file header where the central directory points');
  }
  const nameLength = view.getUint16(p + 26, true);
  const extraLength = view.getUint16(p + 28, true);
  const start = p + LOCAL_SIZE + nameLength + extraLength;
  const end = start + entry.compressedSize;
  if (end > bytes.length) {
    throw new InputError(
      `${where}: byte ${bytes.length}`,
      `archive ends inside the member (${entry.compressedSize} bytes from byte ${start}); the file is truncated`,
    );
  }
  const localFlags = view.getUint16(p + 6, true);
  const localName = decodeName(bytes.subarray(p + LOCAL_SIZE, p + LOCAL_SIZE + nameLength), localFlags);
  if (localName !== entry.name) {
    throw new InputError(`${where}: byte ${p + LOCAL_SIZE}`, `local header names the member ${show(localName)}`);
  }
  return { raw: bytes.subarray(start, end), start };
}

/**
 * The .npy header of a deflated member, from its first inflated bytes only, once the sizes are possible: the
 * zip entry's size must be one deflate can reach from the compressed size, and the one the header declares.
 */
function deflatedHeader(raw: Uint8Array, entry: Entry, where: string, start: number): NpyHeader {
  // Case: more than deflate can give from these bytes (a forged size).
  if (entry.size > MAX_DEFLATE_RATIO * entry.compressedSize) {
    throw new InputError(
      where,
      `its zip entry declares ${entry.size} bytes inflated from ${entry.compressedSize}, more than deflate can give ` +
        `(at most ${MAX_DEFLATE_RATIO} bytes per compressed byte)`,
    );
  }
  const head = (n: number): Uint8Array => {
    try {
      return inflateHead(raw, n);
    } catch (err) {
      if (!(err instanceof DeflateError)) throw err;
      throw new InputError(`${where}: byte ${start}`, `corrupt deflate data (${err.message})`);
    }
  };
  const { dataStart } = readNpyPreamble(head(NPY_PREAMBLE), where);
  const header = readNpyHeader(head(dataStart), where);
  // Case: the zip entry and the .npy header disagree on the member's size.
  const declared = BigInt(dataStart) + declaredDataBytes(header);
  if (declared !== BigInt(entry.size)) {
    throw new InputError(
      where,
      `its zip entry declares ${entry.size} bytes, its .npy header ${declared} ` +
        `(a ${dataStart}-byte header and shape ${pyShape(header.shape)} of ${show(header.descr)})`,
    );
  }
  return header;
}

/**
 * A deflated member's tensor. The tensor is allocated before anything is inflated, so that one too large for
 * memory is refused at once; row-major float64 in the host's order needs no second array: the inflated bytes
 * are the tensor.
 */
function loadDeflated(raw: Uint8Array, entry: Entry, header: NpyHeader, where: string, start: number): Tensor {
  // Case: more than one output buffer holds; said before anything is allocated.
  if (entry.size > MAX_INFLATED) throw notEnoughMemory(header.shape, where);
  const direct = isHostFloat64(header.type) && !header.fortranOrder;
  const out = direct ? undefined : allocateTensor(header.shape, where);
  const content = inflateMember(raw, entry, header, where, start);
  checkContent(content, entry, where, start);
  const at = content.byteOffset + header.dataStart;
  if (direct && at % 8 === 0) {
    return { data: new Float64Array(content.buffer, at, (content.length - header.dataStart) / 8), shape: header.shape };
  }
  return decodeNpy(content, header, where, out);
}

/** A deflated member's bytes, inflated into one buffer of exactly its declared size. */
function inflateMember(raw: Uint8Array, entry: Entry, header: NpyHeader, where: string, start: number): Uint8Array {
  try {
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size), chunkSize: Math.max(64, entry.size + 1) });
  } catch (err) {
    if (isAllocationFailure(err)) throw notEnoughMemory(header.shape, where);
    // Case: the stream runs past what the zip entry and the .npy header declare.
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InputError(
        `${where}: byte ${start}`,
        `inflates to more than the ${entry.size} bytes its zip entry and .npy header declare`,
      );
    }
    const reason = err instanceof Error ? err.message.replace(/\s+/g, ' ') : String(err);
    throw new InputError(`${where}: byte ${start}`, `corrupt deflate data (${reason})`);
  }
}

/** Checks a member's uncompressed bytes against the central directory: their size, then their CRC-32. */
export function checkContent(content: Uint8Array, entry: Entry, where: string, start: number): void {
  // Case: the data does not match the central directory.
  if (content.length !== entry.size) {
    throw new InputError(
      `${where}: byte ${start}`,
      `member holds ${content.length} bytes, the central directory says ${entry.size}`,
    );
  }
  const crc = crc32(content);
  if (crc !== entry.crc) {
    throw new InputError(
      `${where}: byte ${start}`,
      `CRC-32 mismatch: the data has ${hex32(crc)}, the central directory says ${hex32(entry.crc)} (the file is corrupt)`,
    );
  }
}

/** Names of the other compression methods one may meet (APPNOTE 4.4.5). */
const METHODS: Record<number, string> = {
  9: 'deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'xz',
  98: 'PPMd',
};

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** CRC-32 of `bytes` as zip uses it (ISO 3309), by zlib: crc32(bytes of '123456789') is 0xcbf43926. */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}
