/**
 * Reader for NumPy's .npy format -> Tensor.
 *
 * Format: numpy.lib.format (NEP 1), https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 *   bytes 0-5   magic "\x93NUMPY"
 *   bytes 6-7   format version (major, minor): 1.0, 2.0 or 3.0
 *   then        header length: uint16 little-endian (1.0) or uint32 little-endian (2.0, 3.0)
 *   then        header: a Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
 *               padded with spaces and a newline; latin-1 text in 1.0 / 2.0, UTF-8 in 3.0
 *   then        the raw elements, C (row-major) or Fortran (column-major) order, exactly prod(shape) of them
 *
 * The header is read with a small strict parser of Python literals (./py-literal.ts, never eval). Every element type is
 * converted to float64: floats and integers of up to 32 bits exactly; int64 / uint64 values beyond 2^53 are
 * rounded to the nearest double (ties to even), as NumPy's `astype(np.float64)` does; booleans become 0 or 1
 * (any non-zero byte is true, as in NumPy).
 *
 * The typed-array decoding of the elements is in ./elements.ts (shared with safetensors). Also exported for the
 * other readers: `show`, `printable`, `hexBytes` (file text and bytes made safe for one-line messages).
 */
import { InputError, printableName } from '../errors.js';
import type { Tensor } from '../core/tensor.js';
import { allocateTensor } from './declared.js';
import { HOST_LITTLE, decodeElements } from './elements.js';
import type { ElementType } from './elements.js';
import { parsePyDict, repr, show } from './py-literal.js';
import type { PyDict, PyFail, PyValue } from './py-literal.js';

// for the other readers (./npz.ts, ./safetensors.ts), which word their messages as this one does
export { show } from './py-literal.js';

/** "\x93NUMPY". */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** numpy (since 1.24.x security fix) refuses to parse headers longer than this many characters. */
const MAX_HEADER_CHARS = 10000;

/** numpy's NPY_MAXDIMS in 1.x. */
const MAX_DIMS = 32;

// ---------------------------------------------------------------------------------------------------------------
// The .npy reader
// ---------------------------------------------------------------------------------------------------------------

/**
 * Reads one .npy file. `source` names it in errors (a path, or `bundle.npz:logits.npy`).
 *
 * @throws InputError for every malformed or unsupported file: `source: byte N: what` when a byte offset
 *   says where, `source: what` for header contents.
 */
export function readNpy(bytes: Uint8Array, source: string): Tensor {
  const header = readNpyHeader(bytes, source);
  checkNpyLength(header, bytes.length, source);
  return decodeNpy(bytes, header, source);
}

/**
 * The elements of a .npy file whose header and length are checked, in row-major order. `out` is the tensor's
 * array when the caller allocated it already (before inflating the bytes, so that a tensor too large for
 * memory is refused first).
 */
export function decodeNpy(
  bytes: Uint8Array,
  header: NpyHeader,
  source: string,
  out: Float64Array = allocateTensor(header.shape, source),
): Tensor {
  const { type, shape, fortranOrder, dataStart } = header;
  const data = decodeElements(bytes, dataStart, out.length, type, source, out);
  return { data: fortranOrder ? toRowMajor(data, shape, source) : data, shape };
}

/** Checks that a file of `length` bytes holds exactly the data its header declares; returns the element count. */
export function checkNpyLength(header: NpyHeader, length: number, source: string): number {
  const at = (offset: number): string => `${source}: byte ${offset}`;
  const { type, descr, shape, dataStart } = header;

  // Data: exactly prod(shape) * itemsize bytes, no fewer, no more.
  const needed = declaredDataBytes(header);
  const found = BigInt(length - dataStart);
  const spelled = `shape ${pyShape(shape)} of ${show(descr)}`;
  // Case: the file is cut short.
  if (found < needed) {
    throw new InputError(
      at(length),
      `file ends early: ${spelled} needs ${needed} bytes of data from byte ${dataStart}, found ${found}`,
    );
  }
  // Case: bytes left over after the last element.
  if (found > needed) {
    throw new InputError(
      at(dataStart + Number(needed)),
      `${found - needed} unexpected bytes after the data (${spelled} needs ${needed} bytes)`,
    );
  }
  return Number(needed / BigInt(type.size));
}

/** The bytes of data a header declares, prod(shape) * itemsize (a bigint: the product may pass 2^53). */
export function declaredDataBytes(header: NpyHeader): bigint {
  let count = 1n;
  for (const d of header.shape) count *= BigInt(d);
  return count * BigInt(header.type.size);
}

/**
 * The preamble and header of a .npy file: the element type, shape and order, and where the data begins.
 * `bytes` may be the file's first bytes only, when they hold the whole header (the streaming reader).
 */
export function readNpyHeader(bytes: Uint8Array, source: string): NpyHeader {
  const { major, headerStart, dataStart } = readNpyPreamble(bytes, source);
  if (dataStart > bytes.length) {
    throw new InputError(
      `${source}: byte ${bytes.length}`,
      `file ends inside the header, which declares ${dataStart - headerStart} bytes from byte ${headerStart}`,
    );
  }

  // Header text: latin-1 in 1.0 / 2.0, UTF-8 in 3.0; at most 10000 characters, like numpy.
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const text = major === 3 ? decodeUtf8(headerBytes, source) : decodeLatin1(headerBytes);
  const chars = major === 3 ? [...text].length : text.length;
  if (chars > MAX_HEADER_CHARS) throw tooLarge(source, `${chars} characters`);
  // Byte offset in the file of character index i of the header text.
  const byteOf =
    major === 3
      ? (i: number): number => headerStart + new TextEncoder().encode(text.slice(0, i)).length
      : (i: number): number => headerStart + i;

  const header = parseHeader(text, source, byteOf);
  return { ...header, dataStart };
}

/** The largest header a .npy file may declare: 10000 characters, of up to 4 bytes each in version 3.0 (UTF-8). */
export const MAX_NPY_HEADER_BYTES = 4 * MAX_HEADER_CHARS;

/**
 * The fixed preamble of a .npy file: magic, version and header length (the first 10 bytes, 12 from version
 * 2.0 on). A header longer than numpy reads is refused here, before its bytes are read or inflated.
 */
export function readNpyPreamble(
  bytes: Uint8Array,
  source: string,
): { major: number; headerStart: number; dataStart: number } {
  const at = (offset: number): string => `${source}: byte ${offset}`;

  // Case: an empty file (a common mistake, worth its own words).
  if (bytes.length === 0) throw new InputError(source, 'file is empty, expected a .npy file');
  // Magic and version: the fixed 8-byte preamble.
  for (let i = 0; i < MAGIC.length; i++) {
    // Case: the file ends inside a correct magic string.
    if (i >= bytes.length) {
      throw new InputError(at(i), `file ends after ${bytes.length} bytes, inside the .npy magic string`);
    }
    // Case: any other first bytes -> not a .npy file at all.
    if (bytes[i] !== MAGIC[i]) {
      throw new InputError(at(i), `not a .npy file: expected the magic \\x93NUMPY, found ${hexBytes(bytes, 0, 8)}`);
    }
  }
  if (bytes.length < 8) {
    throw new InputError(at(bytes.length), `file ends after ${bytes.length} bytes, before the .npy format version`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new InputError(at(6), `unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  }

  // Header length: 2 bytes in version 1.0, 4 bytes in 2.0 and 3.0, little-endian.
  const lengthSize = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthSize;
  if (bytes.length < headerStart) {
    throw new InputError(at(bytes.length), `file ends after ${bytes.length} bytes, inside the header length`);
  }
  const headerLength =
    major === 1
      ? bytes[8] | (bytes[9] << 8)
      : (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  // Case: a header numpy would not read (its characters are counted once decoded, in readNpyHeader).
  if (headerLength > MAX_NPY_HEADER_BYTES || (major !== 3 && headerLength > MAX_HEADER_CHARS)) {
    throw tooLarge(source, `${headerLength} bytes`);
  }
  return { major, headerStart, dataStart: headerStart + headerLength };
}

function tooLarge(source: string, size: string): InputError {
  return new InputError(
    source,
    `header is ${size} long; numpy refuses headers over ${MAX_HEADER_CHARS} characters as unsafe to load`,
  );
}

/** Python's `bytes.decode('latin1')`. */
function decodeLatin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return text;
}

function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(source, 'header of a version 3.0 file is not valid UTF-8');
  }
}

/** Text taken from a file with control and line-separator characters escaped (\\n, \\x00, \\u2028). */
export function printable(text: string): string {
  return printableName(text);
}

/** Up to `n` bytes from `start` as hex pairs, for messages: `50 4b 03 04`. */
export function hexBytes(bytes: Uint8Array, start: number, n: number): string {
  const shown = [...bytes.subarray(start, start + n)].map((b) => b.toString(16).padStart(2, '0'));
  if (shown.length === 0) return 'nothing';
  return shown.join(' ') + (bytes.length > start + n ? ' ...' : '');
}

/** A shape the way the header spells it: (), (3,), (2, 3). */
export function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Reorders a column-major (Fortran) array to row-major: walks the input in column-major order (first index
 * fastest) while tracking the matching row-major offset.
 */
function toRowMajor(data: Float64Array, shape: readonly number[], source: string): Float64Array {
  const ndim = shape.length;
  // Case: 0-d, 1-d and empty arrays are the same in both orders.
  if (ndim < 2 || data.length === 0) return data;
  const out = allocateTensor(shape, source);
  const stride = new Array<number>(ndim);
  let acc = 1;
  for (let k = ndim - 1; k >= 0; k--) {
    stride[k] = acc;
    acc *= shape[k];
  }
  const idx = new Array<number>(ndim).fill(0);
  let off = 0;
  for (let i = 0; i < data.length; i++) {
    out[off] = data[i];
    for (let k = 0; k < ndim; k++) {
      idx[k]++;
      off += stride[k];
      if (idx[k] < shape[k]) break;
      off -= stride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The header: a Python dict literal (./py-literal.ts), then the three keys' checks
// ---------------------------------------------------------------------------------------------------------------

/** What a .npy header says, and the byte where the data begins (NpyHeader). */
interface Header {
  readonly descr: string;
  readonly type: ElementType;
  readonly fortranOrder: boolean;
  readonly shape: number[];
}

export interface NpyHeader extends Header {
  dataStart: number;
}

/**
 * Parses and checks the header dict: exactly the keys descr, fortran_order and shape, in any order, with a
 * trailing comma and whitespace allowed.
 */
function parseHeader(text: string, source: string, byteOf: (i: number) => number): Header {
  const fail = (what: string, i: number): never => {
    throw new InputError(`${source}: byte ${byteOf(i)}`, `bad .npy header: ${what}`);
  };
  const top = parsePyDict(text, fail, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}");
  const keys = headerKeys(top, source, fail);
  const descrValue = keys.get('descr') as PyValue;
  const fortranValue = keys.get('fortran_order') as PyValue;

  // fortran_order: a bool.
  if (fortranValue.type !== 'bool') {
    throw new InputError(source, `bad .npy header: 'fortran_order' must be True or False, found ${repr(fortranValue)}`);
  }
  const shape = headerShape(keys.get('shape') as PyValue, source);

  // descr: a type string; a list is a structured dtype.
  if (descrValue.type === 'list') {
    throw new InputError(
      source,
      `unsupported structured dtype ${repr(descrValue)} (only plain numeric arrays are read)`,
    );
  }
  if (descrValue.type !== 'str') {
    throw new InputError(
      source,
      `bad .npy header: 'descr' must be a type string like '<f8', found ${repr(descrValue)}`,
    );
  }
  const descr = descrValue.value;
  return { descr, type: parseDescr(descr, source), fortranOrder: fortranValue.value, shape };
}

/** The header dict's values by key: exactly the three keys, each once. */
function headerKeys(top: PyDict, source: string, fail: PyFail): Map<string, PyValue> {
  const seen = new Map<string, PyValue>();
  for (const [key, val, keyAt] of top.entries) {
    if (key.type !== 'str') return fail(`dict key ${repr(key)} is not a string`, keyAt);
    const k = key.value;
    if (k !== 'descr' && k !== 'fortran_order' && k !== 'shape') {
      fail(`unexpected key ${show(k)} (the keys are 'descr', 'fortran_order' and 'shape')`, keyAt);
    }
    if (seen.has(k)) fail(`key ${show(k)} appears twice`, keyAt);
    seen.set(k, val);
  }
  for (const k of ['descr', 'fortran_order', 'shape']) {
    if (!seen.has(k)) throw new InputError(source, `bad .npy header: no ${show(k)} key`);
  }
  return seen;
}

/** The 'shape' value: a tuple of at most MAX_DIMS non-negative integers. */
function headerShape(shapeValue: PyValue, source: string): number[] {
  const shapeError = (): never => {
    throw new InputError(
      source,
      `bad .npy header: 'shape' must be a tuple of non-negative integers like (2, 3), found ${repr(shapeValue)}`,
    );
  };
  if (shapeValue.type !== 'tuple') return shapeError();
  const items = shapeValue.items;
  if (items.length > MAX_DIMS) {
    throw new InputError(source, `bad .npy header: shape has ${items.length} dimensions, numpy allows ${MAX_DIMS}`);
  }
  const shape: number[] = [];
  for (const item of items) {
    if (item.type !== 'int' || item.value < 0n) return shapeError();
    const d = item.value;
    if (d > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new InputError(source, `bad .npy header: dimension ${d} in 'shape' is too large`);
    }
    shape.push(Number(d));
  }
  return shape;
}

/**
 * A numpy type string -> ElementType: an optional byte order (< little, > big, | not applicable, = native),
 * a kind letter and the size in bytes. Numeric kinds f2 f4 f8, i1-i8, u1-u8 and b1 are read; the others are
 * refused with the reason.
 */
function parseDescr(descr: string, source: string): ElementType {
  const unsupported = (why: string): never => {
    throw new InputError(source, `unsupported dtype ${show(descr)} (${why})`);
  };
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(.*)$/s.exec(descr);
  if (m === null) return unsupported("expected a numpy type string like '<f8', '<i4' or '|b1'");
  const [, order, kind, digits, rest] = m;
  // Case: the kinds that are not numbers, each with its own reason.
  switch (kind) {
    case 'c':
      return unsupported('complex numbers are not losses');
    case 'O':
      return unsupported('Python objects need pickle, which bce never runs');
    case 'U':
    case 'S':
    case 'a':
      return unsupported('strings are not numbers');
    case 'V':
      return unsupported('raw void records are not numbers');
    case 'M':
    case 'm':
      return unsupported('dates and durations are not numbers');
    default:
      break;
  }
  const size = Number(digits);
  const known =
    rest === '' &&
    ((kind === 'f' && (size === 2 || size === 4 || size === 8)) ||
      ((kind === 'i' || kind === 'u') && (size === 1 || size === 2 || size === 4 || size === 8)) ||
      (kind === 'b' && size === 1));
  if (!known) {
    // Case: long double and other floats NumPy may write on some platforms.
    if (kind === 'f') return unsupported('only float16, float32, float64, int8-int64, uint8-uint64 and bool are read; save as float64');
    return unsupported("expected a numpy type string like '<f8', '<i4' or '|b1'");
  }
  // '<' and '>' are explicit; '|' (byte order not applicable) and '=' or nothing mean the host's order.
  const littleEndian = order === '<' ? true : order === '>' ? false : HOST_LITTLE;
  return { kind: kind as 'f' | 'i' | 'u' | 'b', size: size as 1 | 2 | 4 | 8, littleEndian };
}
