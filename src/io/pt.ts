/**
 * Reader for torch.save files (.pt, .pth): the zip format PyTorch has written since 1.6.
 *
 * Layout: one top folder of any name (`archive/`, or the file's stem) holding `data.pkl` (the saved object, a
 * pickle, read by ./pickle.ts's restricted unpickler), `data/KEY` (one raw storage per key, stored, not
 * deflated), `version`, and in newer versions `byteorder` ("little" or "big"; absent means little-endian).
 * The zip itself is read by ./npz.ts's central-directory reader.
 *
 * A tensor is `_rebuild_tensor_v2(storage, offset, size, stride, ...)` where the storage comes from the
 * persistent id `('storage', torch.FloatStorage, KEY, location, numel)`: its type gives the dtype, `numel`
 * counts the storage's elements. Views keep the whole storage with an offset and strides (a transpose, a
 * slice, an expand with stride 0), and several tensors may share one storage. The shape and strides are checked
 * against the storage when the pickle is read, before any data is decoded; a storage's bytes are checked
 * (CRC-32) and decoded only when a tensor on it is loaded.
 *
 * Decided: a storage saved on its own (not in a tensor) reads as a 1-D tensor of its elements; dict keys and
 * list indices join with '.' into member names (`model.layer.weight`, `history.0`); the legacy format
 * (`_use_new_zipfile_serialization=False`, a bare pickle stream) is refused with the way to re-save it.
 */
import { InputError, printable } from '../errors.js';
import type { Tensor } from '../core/tensor.js';
import { gatherStrided, numel as countOf } from '../core/tensor.js';
import type { Declared, Member } from './declared.js';
import { allocateTensor } from './declared.js';
import { decodeElements } from './elements.js';
import type { ElementType } from './elements.js';
import { checkContent, memberData, readCentralDirectory } from './npz.js';
import type { Entry } from './npz.js';
import { PickleError, describe, unpickle } from './pickle.js';
import type { PickleHost, PyGlobal, PyValue } from './pickle.js';

/** Storage types -> element type (the byte order is the file's). */
const STORAGES: Record<string, Omit<ElementType, 'littleEndian'>> = {
  'torch.DoubleStorage': { kind: 'f', size: 8 },
  'torch.FloatStorage': { kind: 'f', size: 4 },
  'torch.HalfStorage': { kind: 'f', size: 2 },
  'torch.BFloat16Storage': { kind: 'bf', size: 2 },
  'torch.LongStorage': { kind: 'i', size: 8 },
  'torch.IntStorage': { kind: 'i', size: 4 },
  'torch.ShortStorage': { kind: 'i', size: 2 },
  'torch.CharStorage': { kind: 'i', size: 1 },
  'torch.ByteStorage': { kind: 'u', size: 1 },
  'torch.BoolStorage': { kind: 'b', size: 1 },
  'torch.storage.UntypedStorage': { kind: 'u', size: 1 },
};

/** How the legacy format begins: pickle protocol 2, LONG1 of torch's magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** The most dimensions a tensor has (as in the other readers). */
const MAX_DIMS = 64;

/** How deep dicts and lists nest before member names stop (a cycle of lists is cut here too). */
const MAX_NESTING = 100;

/** The most values visited to name the members: shared containers cannot make the walk blow up. */
const MAX_VISITS = 1_000_000;

/**
 * The most elements of a view with more elements than its storage (an expand, stride 0): beyond it, a few bytes
 * of pickle could ask for gigabytes.
 */
const MAX_EXPANDED = 2 ** 24;

/** One storage of the archive: its entry, element type and element count; its bytes are checked once. */
class Storage {
  private checked = false;
  constructor(
    readonly key: string,
    readonly typeName: string,
    readonly type: ElementType,
    readonly numel: number,
    private readonly raw: Uint8Array,
    private readonly entry: Entry,
    private readonly where: string,
    private readonly start: number,
  ) {}

  bytes(): Uint8Array {
    if (!this.checked) checkContent(this.raw, this.entry, this.where, this.start);
    this.checked = true;
    return this.raw;
  }
}

/** A tensor of the file: a view of one storage. */
class View {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  declared(where: string): Declared {
    return { shape: this.shape, load: () => this.load(where) };
  }

  private load(where: string): Tensor {
    const out = allocateTensor(this.shape, where);
    const n = out.length;
    if (n === 0) return { data: out, shape: this.shape };
    const { storage, offset, shape, stride } = this;
    const bytes = storage.bytes();
    const size = storage.type.size;
    if (isContiguous(shape, stride)) {
      decodeElements(bytes, offset * size, n, storage.type, where, out);
      return { data: out, shape };
    }
    // A view: decode the span of the storage it reaches, then gather by strides.
    const span = lastIndex(offset, shape, stride) - offset + 1;
    const values = decodeElements(bytes, offset * size, span, storage.type, where);
    return { data: gatherStrided(values, shape, stride, out), shape };
  }
}

/** True when the strides are row-major for the shape (dimensions of size 1 may have any stride). */
function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** The storage index of a view's last element (the shape has no zero). */
function lastIndex(offset: number, shape: readonly number[], stride: readonly number[]): number {
  let at = offset;
  for (let d = 0; d < shape.length; d++) at += (shape[d] - 1) * stride[d];
  return at;
}

/** The allowed globals' meanings, over one archive's storages. */
class TorchHost implements PickleHost {
  private readonly storages = new Map<string, Storage>();

  constructor(
    private readonly archive: { bytes: Uint8Array; view: DataView; entries: Map<string, Entry>; prefix: string },
    private readonly littleEndian: boolean,
    private readonly source: string,
  ) {}

  call(fn: PyGlobal, args: readonly PyValue[]): PyValue {
    switch (fn.path) {
      case 'collections.OrderedDict':
        if (args.length !== 0) throw new PickleError('OrderedDict called with arguments');
        return { kind: 'dict', entries: new Map() };
      case 'torch.Size':
        if (args.length !== 1 || !isTuple(args[0])) throw new PickleError('torch.Size called without one tuple');
        return args[0];
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2': {
        const v2 = fn.path.endsWith('v2');
        if (v2 ? args.length !== 6 && args.length !== 7 : args.length !== 4) {
          throw new PickleError(`${fn.path.slice(13)} called with ${args.length} arguments`);
        }
        return { kind: 'object', value: this.rebuild(args) };
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
      case 'torch.nn.parameter.Parameter': {
        const data = args[0];
        if (!isObject(data) || !(data.value instanceof View)) {
          throw new PickleError(`a Parameter of ${describe(data ?? null)}, not a tensor`);
        }
        return data;
      }
      default:
        throw new PickleError(`${printable(fn.path)} is not callable`);
    }
  }

  build(target: PyValue, _state: PyValue): void {
    // an OrderedDict's attributes (a state_dict's _metadata) and a Parameter's state hold no tensor data
    if (isObject(target) && target.value instanceof View) return;
    if (typeof target === 'object' && target !== null && target.kind === 'dict') return;
    throw new PickleError(`BUILD on ${describe(target)}: only tensors and dicts are built`);
  }

  persistentLoad(pid: PyValue): PyValue {
    const items = isTuple(pid) ? pid.items : [];
    const [tag, type, key, location, count] = items;
    if (items.length !== 5 || tag !== 'storage') throw new PickleError(`persistent id ${describe(pid)} is not a storage`);
    if (typeof type !== 'object' || type === null || type.kind !== 'global' || !(type.path in STORAGES)) {
      throw new PickleError(`storage type ${describe(type)} is not one of bce's`);
    }
    if (typeof key !== 'string' || typeof location !== 'string') throw new PickleError('storage key or location is not a string');
    const numel = safeCount(count, 'storage size');
    return { kind: 'object', value: this.storage(type.path, key, numel) };
  }

  /** The storage under `data/KEY`, checked against its entry's size; a key is one storage, of one type. */
  private storage(typeName: string, key: string, numel: number): Storage {
    const known = this.storages.get(key);
    if (known !== undefined) {
      if (known.typeName !== typeName || known.numel !== numel) {
        throw new PickleError(`storage ${printable(key)} is used as ${known.typeName} of ${known.numel} and ${typeName} of ${numel}`);
      }
      return known;
    }
    const { bytes, view, entries, prefix } = this.archive;
    const name = `${prefix}data/${key}`;
    const entry = entries.get(name);
    if (entry === undefined) throw new PickleError(`storage ${printable(key)} has no entry ${printable(name)} in the archive`);
    const where = `${this.source}:${printable(name)}`;
    const type = { ...STORAGES[typeName], littleEndian: this.littleEndian };
    if (entry.size !== numel * type.size) {
      throw new InputError(where, `holds ${entry.size} bytes, the pickle declares ${numel} elements of ${type.size} bytes (${typeName})`);
    }
    const { raw, start } = storedData(bytes, view, entry, where);
    const storage = new Storage(key, typeName, type as ElementType, numel, raw, entry, where, start);
    this.storages.set(key, storage);
    return storage;
  }

  /** A tensor from (storage, offset, size, stride, ...), its view inside the storage checked. */
  private rebuild(args: readonly PyValue[]): View {
    const [storage, offsetValue, sizeValue, strideValue] = args;
    if (!isObject(storage) || !(storage.value instanceof Storage)) throw new PickleError(`a tensor on ${describe(storage)}, not a storage`);
    const offset = safeCount(offsetValue, 'storage offset');
    const shape = counts(sizeValue, 'size');
    const stride = counts(strideValue, 'stride');
    if (shape.length !== stride.length) throw new PickleError(`size has ${shape.length} dimensions, stride ${stride.length}`);
    const s = storage.value;
    if (!shape.includes(0)) {
      const last = lastIndex(offset, shape, stride);
      if (!Number.isSafeInteger(last) || last >= s.numel) {
        throw new PickleError(
          `a tensor of size (${shape.join(', ')}), stride (${stride.join(', ')}) and offset ${offset} reaches element ${last} ` +
            `of storage ${printable(s.key)}, which holds ${s.numel}`,
        );
      }
    }
    const n = countOf(shape);
    if (!Number.isSafeInteger(n)) throw new PickleError(`size (${shape.join(', ')}) is impossibly large`);
    if (n > s.numel && n > MAX_EXPANDED) {
      throw new PickleError(
        `a view of ${n} elements over a storage of ${s.numel}: expanded views are read up to ${MAX_EXPANDED} elements ` +
          '(save it with .contiguous())',
      );
    }
    return new View(s, offset, shape, stride);
  }
}

function isTuple(v: PyValue | undefined): v is { kind: 'tuple'; items: readonly PyValue[] } {
  return typeof v === 'object' && v !== null && v.kind === 'tuple';
}

function isObject(v: PyValue | undefined): v is { kind: 'object'; value: unknown } {
  return typeof v === 'object' && v !== null && v.kind === 'object';
}

/** A non-negative safe integer. */
function safeCount(v: PyValue | undefined, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const shown = typeof v === 'number' || typeof v === 'bigint' ? String(v) : describe(v ?? null);
  throw new PickleError(`${what} is ${shown}, not a count (an integer from 0 to 2^53 - 1)`);
}

/** A tuple of non-negative safe integers (a size or a stride). */
function counts(v: PyValue | undefined, what: string): number[] {
  if (!isTuple(v)) throw new PickleError(`${what} is ${describe(v ?? null)}, not a tuple`);
  if (v.items.length > MAX_DIMS) throw new PickleError(`${what} has ${v.items.length} dimensions, more than ${MAX_DIMS}`);
  return v.items.map((x) => safeCount(x, `a ${what} entry`));
}

/** A member's bytes; torch.save stores members, and only stored ones are read. */
function storedData(bytes: Uint8Array, view: DataView, entry: Entry, where: string): { raw: Uint8Array; start: number } {
  const data = memberData(bytes, view, entry, where);
  if (entry.method !== 0) {
    throw new InputError(where, `member is compressed (zip method ${entry.method}); torch.save stores its members uncompressed`);
  }
  return data;
}

/** The saved object of a torch.save file: tensors and storages are PyObjects holding a View or a Storage. */
export interface PtFile {
  readonly source: string;
  readonly root: PyValue;
}

/**
 * Reads a torch.save file's zip directory and its pickle: every tensor's shape is known and checked against
 * its storage; no storage data is decoded yet.
 *
 * @throws InputError naming the file (and the zip member and byte) for anything malformed or refused.
 */
export function openPt(bytes: Uint8Array, source: string): PtFile {
  refuseLegacy(bytes, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = new Map<string, Entry>();
  for (const entry of readCentralDirectory(bytes, view, source, '.pt')) {
    if (entries.has(entry.name)) {
      throw new InputError(`${source}: byte ${entry.at}`, `member ${printable(entry.name)} appears twice in the archive`);
    }
    entries.set(entry.name, entry);
  }
  const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    const what = pickles.length === 0 ? 'no FOLDER/data.pkl member' : `${pickles.length} FOLDER/data.pkl members`;
    throw new InputError(source, `a zip archive with ${what}: not a torch.save file`);
  }
  const pklName = pickles[0];
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const pklWhere = `${source}:${printable(pklName)}`;
  const pkl = storedData(bytes, view, entries.get(pklName) as Entry, pklWhere);
  checkContent(pkl.raw, entries.get(pklName) as Entry, pklWhere, pkl.start);
  const littleEndian = byteOrder(bytes, view, entries.get(`${prefix}byteorder`), source);
  const host = new TorchHost({ bytes, view, entries, prefix }, littleEndian, source);
  return { source, root: unpickle(pkl.raw, host, pklWhere, source) };
}

/** The `byteorder` record: true for little-endian (also when there is none). */
function byteOrder(bytes: Uint8Array, view: DataView, entry: Entry | undefined, source: string): boolean {
  if (entry === undefined) return true;
  const where = `${source}:${printable(entry.name)}`;
  const { raw, start } = storedData(bytes, view, entry, where);
  checkContent(raw, entry, where, start);
  const text = String.fromCharCode(...raw.subarray(0, 16));
  if (text === 'little' || text === 'big') return text === 'little';
  throw new InputError(where, `byte order ${printable(text)}, expected "little" or "big"`);
}

/** The legacy (pre-1.6) format, a pickle stream or a tar file, is refused with how to re-save it. */
function refuseLegacy(bytes: Uint8Array, source: string): void {
  const pickled = LEGACY_MAGIC.every((b, i) => bytes[i] === b);
  const tar = bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar';
  if (!pickled && !tar) return;
  throw new InputError(
    source,
    "torch.save's legacy format (_use_new_zipfile_serialization=False, or PyTorch before 1.6) is not read; " +
      "re-save it with PyTorch: torch.save(torch.load('old.pt'), 'new.pt')",
  );
}

/** A tensor (or a lone storage, as 1-D) of the file, or undefined for any other value. */
function tensorOf(v: PyValue): View | undefined {
  if (!isObject(v)) return undefined;
  if (v.value instanceof View) return v.value;
  if (v.value instanceof Storage) return new View(v.value, 0, [v.value.numel], [1]);
  return undefined;
}

/** The member for a tensor, named `source:key` in messages. */
function memberOf(t: View, source: string, key: string): Member {
  const d = t.declared(key === '' ? source : `${source}:${printable(key)}`);
  return { open: () => d };
}

/**
 * Every tensor of a torch.save file by member name: dict keys and list or tuple indices joined with '.';
 * a file that holds one tensor gives it under the name ''.
 */
export function openPtMembers(bytes: Uint8Array, source: string): Map<string, Member> {
  const { root } = openPt(bytes, source);
  const members = new Map<string, Member>();
  let visits = 0;
  const walk = (v: PyValue, key: string, depth: number): void => {
    if (++visits > MAX_VISITS) {
      throw new InputError(source, `the saved object holds more than ${MAX_VISITS} values (shared containers?)`);
    }
    const t = tensorOf(v);
    if (t !== undefined) {
      if (members.has(key)) {
        throw new InputError(source, `two tensors are named ${printable(key)} (a dotted key and a nested dict)`);
      }
      members.set(key, memberOf(t, source, key));
      return;
    }
    if (depth >= MAX_NESTING || typeof v !== 'object' || v === null) return;
    const join = (k: string | number): string => (key === '' ? String(k) : `${key}.${k}`);
    if (v.kind === 'dict') for (const [k, x] of v.entries) walk(x, join(k), depth + 1);
    else if (v.kind === 'list' || v.kind === 'tuple') v.items.forEach((x, i) => walk(x, join(i), depth + 1));
  };
  walk(root, '', 0);
  return members;
}

/** A bundle value that is not a tensor or a scalar, as a message shows it. */
function shown(v: PyValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  const text = typeof v === 'bigint' ? v.toString() : `<${describe(v)}>`;
  return { toJSON: () => text };
}

/**
 * The top-level dict of a torch.save file as a bundle's entries: tensors as members, strings, numbers,
 * booleans and None as they are.
 */
export function openPtBundle(bytes: Uint8Array, source: string): Map<string, Member | unknown> {
  const { root } = openPt(bytes, source);
  if (typeof root !== 'object' || root === null || root.kind !== 'dict') {
    const what = tensorOf(root) !== undefined ? 'one tensor' : describe(root);
    throw new InputError(source, `holds ${what}, not a dict: a bundle is a dict of tensors; for one tensor use --logits`);
  }
  const entries = new Map<string, Member | unknown>();
  for (const [k, v] of root.entries) {
    const key = String(k);
    const t = tensorOf(v);
    entries.set(key, t !== undefined ? memberOf(t, source, key) : shown(v));
  }
  return entries;
}
