/**
 * Reader for the safetensors format -> one Tensor per named tensor.
 *
 * Format: https://github.com/huggingface/safetensors#format (checks as in its reference Rust crate):
 *
 *   bytes 0-7   N, the header length, uint64 little-endian (at most 100 000 000; bce reads up to 16 MiB)
 *   bytes 8..   N bytes of UTF-8 JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
 *               ..., "__metadata__": {"key": "value"}} (optional metadata, string to string), space-padded
 *   then        the data buffer; offsets are relative to its start; elements are little-endian, row-major
 *
 * Like the reference crate, the tensors must tile the buffer exactly: sorted by offset, each starts where the
 * previous one ends, each holds shape * itemsize bytes, and the last ends at the end of the file.
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../core/tensor.js';
import { printable, show } from './npy.js';
import { decodeElements } from './elements.js';
import type { ElementType } from './elements.js';
import type { Declared, Member } from './declared.js';
import { allocateTensor, opened } from './declared.js';
import { SAFETENSORS_FORMAT_MAX_HEADER, SAFETENSORS_READ_MAX_HEADER, safetensorsHeaderLength } from './read-tensor.js';

// bce's limit on N is below the format's: parsing costs about 0.1 s and 20 MB of memory per MiB of a header of
// many small tensors (16 MiB holds about 280,000 of them; real models need well under 1 MiB).
const MAX_HEADER_SIZE = SAFETENSORS_FORMAT_MAX_HEADER;
export const MAX_HEADER_READ = SAFETENSORS_READ_MAX_HEADER;

/** The most dimensions a tensor has (as in the JSON reader). */
const MAX_DIMS = 64;

/** The dtypes read, all little-endian. */
const DTYPES: Record<string, ElementType> = {
  F16: { kind: 'f', size: 2, littleEndian: true },
  BF16: { kind: 'bf', size: 2, littleEndian: true },
  F32: { kind: 'f', size: 4, littleEndian: true },
  F64: { kind: 'f', size: 8, littleEndian: true },
  I8: { kind: 'i', size: 1, littleEndian: true },
  I16: { kind: 'i', size: 2, littleEndian: true },
  I32: { kind: 'i', size: 4, littleEndian: true },
  I64: { kind: 'i', size: 8, littleEndian: true },
  U8: { kind: 'u', size: 1, littleEndian: true },
  U16: { kind: 'u', size: 2, littleEndian: true },
  U32: { kind: 'u', size: 4, littleEndian: true },
  U64: { kind: 'u', size: 8, littleEndian: true },
  BOOL: { kind: 'b', size: 1, littleEndian: true },
};

/** One header entry after its checks. */
interface Info {
  readonly name: string;
  readonly dtype: string;
  readonly type: ElementType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Reads every tensor of a safetensors file into a Map keyed by name, in header order.
 * Integer types convert to float64 exactly up to 2^53, beyond which I64 / U64 round to the nearest double.
 *
 * @throws InputError: `source: byte N: what` for the framing, `source: tensor 'name': what` for one tensor.
 */
export function readSafetensors(bytes: Uint8Array, source: string): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [name, member] of openSafetensors(bytes, source)) tensors.set(name, member.open().load());
  return tensors;
}

/**
 * Opens a safetensors file: its header and the layout of every tensor are checked now (one JSON header
 * declares them all), and a tensor's data is decoded only when it is loaded. Returns the tensors keyed by
 * name, in header order.
 */
export function openSafetensors(bytes: Uint8Array, source: string): Map<string, Member> {
  const { header, bufferStart } = readHeader(bytes, source);
  const bufferLength = bytes.length - bufferStart;

  // Entries: each tensor's dtype, shape and offsets; __metadata__ is checked and skipped.
  const infos: Info[] = [];
  for (const name of Object.keys(header)) {
    const entry = header[name];
    if (name === '__metadata__') {
      if (!isObject(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw new InputError(source, "'__metadata__' must be a JSON object of strings");
      }
      continue;
    }
    infos.push(parseInfo(name, entry, source, bufferLength));
  }
  checkLayout(infos, source, bufferStart, bufferLength);

  const tensors = new Map<string, Member>();
  for (const info of infos) {
    const load = (): Tensor => {
      const where = tensorWhere(source, info.name);
      const out = allocateTensor(info.shape, where);
      return { data: decodeElements(bytes, bufferStart + info.begin, out.length, info.type, where, out), shape: info.shape };
    };
    const declared: Declared = { shape: info.shape, load };
    tensors.set(info.name, opened(declared));
  }
  return tensors;
}

/** The header length and the JSON header: checked, decoded and parsed; and where the data buffer starts. */
function readHeader(bytes: Uint8Array, source: string): { header: Record<string, unknown>; bufferStart: number } {
  // Header length: 8 bytes, little-endian.
  if (bytes.length < 8) {
    throw new InputError(
      source,
      `file is ${bytes.length} bytes, too short for the 8-byte header length of a safetensors file`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = safetensorsHeaderLength(bytes);
  // Case: an absurd length (this also catches files that are not safetensors at all).
  if (n > MAX_HEADER_SIZE) {
    throw new InputError(
      `${source}: byte 0`,
      `header length ${view.getBigUint64(0, true)} is over the format's limit of ${MAX_HEADER_SIZE} bytes (not a safetensors file?)`,
    );
  }
  // Case: a header bce does not parse (its cost grows with its size), refused before it is decoded.
  if (n > MAX_HEADER_READ) {
    throw new InputError(
      `${source}: byte 0`,
      `header length ${n} is over bce's limit of ${MAX_HEADER_READ} bytes (16 MiB) for a safetensors header`,
    );
  }
  if (8 + n > bytes.length) {
    throw new InputError(
      `${source}: byte 0`,
      `header length ${n} runs past the end of the file (${bytes.length - 8} bytes follow the length)`,
    );
  }
  const bufferStart = 8 + n;

  // Header: UTF-8 JSON whose first character is '{'.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, bufferStart));
  } catch {
    throw new InputError(`${source}: byte 8`, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) {
    throw new InputError(
      `${source}: byte 8`,
      `header must be a JSON object starting with '{', found ${show(text.slice(0, 10))}`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    // worded here from where the grammar breaks, not from the engine's message (it varies across versions)
    const { at, expected } = jsonSyntaxError(text);
    const what = at < text.length ? show(String.fromCodePoint(text.codePointAt(at) ?? 0)) : 'the end of the header';
    const offset = 8 + new TextEncoder().encode(text.slice(0, at)).length;
    throw new InputError(`${source}: byte ${offset}`, `header is not valid JSON: expected ${expected}, found ${what}`);
  }
  if (!isObject(header)) {
    throw new InputError(`${source}: byte 8`, 'header must be a JSON object of tensors');
  }
  return { header, bufferStart };
}

/**
 * Where a text that JSON.parse refused first breaks the JSON grammar (RFC 8259), as a character index, and
 * what the grammar expected there. Iterative, so no nesting depth overflows the stack.
 */
export function jsonSyntaxError(text: string): { at: number; expected: string } {
  const open: string[] = [];
  let want: 'value' | 'first value' | 'key' | 'first key' | 'colon' | 'next' = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    const c = text[i];
    const close = open.at(-1) === '{' ? '}' : ']';
    if (want === 'next') {
      if (open.length === 0) return { at: i, expected: 'the end of the header' };
      if (c === ',') want = close === '}' ? 'key' : 'value';
      else if (c === close) open.pop();
      else return { at: i, expected: `',' or '${close}'` };
      i++;
    } else if (want === 'colon') {
      if (c !== ':') return { at: i, expected: "':'" };
      want = 'value';
      i++;
    } else if ((want === 'first key' && c === '}') || (want === 'first value' && c === ']')) {
      open.pop();
      want = 'next';
      i++;
    } else if (want === 'key' || want === 'first key' || c === '"') {
      if (c !== '"') return { at: i, expected: 'a double-quoted property name' };
      const end = jsonStringEnd(text, i);
      if (typeof end !== 'number') return end;
      want = want === 'value' || want === 'first value' ? 'next' : 'colon';
      i = end;
    } else if (c === '{' || c === '[') {
      open.push(c);
      want = c === '{' ? 'first key' : 'first value';
      i++;
    } else {
      const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      literal.lastIndex = i;
      if (!literal.test(text)) return { at: i, expected: 'a JSON value' };
      want = 'next';
      i = literal.lastIndex;
    }
  }
}

/** The index just past the JSON string that starts at text[i] (a '"'), or where it breaks. */
function jsonStringEnd(text: string, i: number): number | { at: number; expected: string } {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return { at: j, expected: "'\"' or a character other than a control character" };
    if (c === 0x5c) {
      if (!/["\\/bfnrt]|u[0-9a-fA-F]{4}/y.test(text.slice(j + 1, j + 6))) return { at: j + 1, expected: 'an escape: one of "\\/bfnrt or u and 4 hex digits' };
      j += text[j + 1] === 'u' ? 5 : 1;
    }
  }
  return { at: text.length, expected: "'\"' to end the string" };
}

/** Sorted by offsets, the tensors must tile the data buffer with no gap or overlap. */
function checkLayout(infos: readonly Info[], source: string, bufferStart: number, bufferLength: number): void {
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let next = 0;
  for (const info of sorted) {
    if (info.begin !== next) {
      const expected = next === 0 ? 'at 0, the start of the data buffer' : `at ${next}, where the previous tensor ends`;
      throw new InputError(
        tensorWhere(source, info.name),
        `data_offsets [${info.begin}, ${info.end}] should begin ${expected} (gaps and overlaps are not allowed)`,
      );
    }
    next = info.end;
  }
  if (next !== bufferLength) {
    throw new InputError(
      `${source}: byte ${bufferStart + next}`,
      `${bufferLength - next} bytes at the end of the data buffer belong to no tensor`,
    );
  }
}

/** The place named in a tensor's errors: `model.safetensors: tensor 'logits'`. */
function tensorWhere(source: string, name: string): string {
  return `${source}: tensor ${show(name, 80)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks one header entry against the format and the buffer's length. */
function parseInfo(name: string, entry: unknown, source: string, bufferLength: number): Info {
  // Named only when an error needs it: building it for each of many entries would cost more than checking them.
  const fail: (what: string) => never = (what) => {
    throw new InputError(tensorWhere(source, name), what);
  };
  if (!isObject(entry)) {
    fail('must be a JSON object with dtype, shape and data_offsets');
  }
  // dtype: one of the names above; the others are named in the refusal.
  const dtype = entry.dtype;
  if (typeof dtype !== 'string') {
    fail(`'dtype' must be a string like "F32", ${found(dtype)}`);
  }
  const type = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
  if (type === undefined) {
    let why = 'expected one of F16, BF16, F32, F64, I8-I64, U8-U64, BOOL';
    if (/^F8/.test(dtype)) why = 'float8 is not read; save as F32';
    if (/^C\d/.test(dtype)) why = 'complex numbers are not losses';
    fail(`unsupported dtype ${show(dtype)} (${why})`);
  }
  // shape: an array of non-negative integers; [] is a scalar.
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`'shape' must be an array of non-negative integers, ${found(shape)}`);
  }
  // Case: more dimensions than a tensor has (this also bounds the size computed below).
  if (shape.length > MAX_DIMS) {
    fail(`'shape' has ${shape.length} dimensions; a tensor has at most ${MAX_DIMS}`);
  }
  // data_offsets: [begin, end] within the buffer, holding exactly shape * itemsize bytes.
  const offsets = entry.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((d) => Number.isSafeInteger(d) && d >= 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(`'data_offsets' must be [begin, end] with 0 <= begin <= end, ${found(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > bufferLength) {
    fail(`data_offsets [${begin}, ${end}] run past the end of the ${bufferLength}-byte data buffer`);
  }
  let needed = BigInt(type.size);
  for (const d of shape as number[]) needed *= BigInt(d);
  if (needed !== BigInt(end - begin)) {
    fail(`shape [${shape.join(', ')}] of ${dtype} needs ${needed} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype, type, shape: [...(shape as number[])], begin, end };
}

/** "found <the JSON value>", or "but it is missing". */
function found(value: unknown): string {
  return value === undefined ? 'but it is missing' : `found ${cut(JSON.stringify(value))}`;
}

/** Text for a message: printable, cut after 80 characters. */
function cut(text: string): string {
  return printable(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}
