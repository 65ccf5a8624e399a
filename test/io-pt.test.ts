/**
 * The torch.save reader against files written by PyTorch 1.13 (fixtures/torch/generate_pt.py): every tensor
 * bit for bit as torch.load gives it, the malformed and refused corpus (messages pinned), the unpickler against
 * Python's own pickles, and fuzzing of both the archive and its pickle.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import type { Tensor } from '../src/core/tensor.js';
import { openPtBundle, openPtMembers } from '../src/io/pt.js';
import { MAX_DEPTH, unpickle } from '../src/io/pickle.js';
import type { PickleHost, PyValue } from '../src/io/pickle.js';
import { memberData, readCentralDirectory } from '../src/io/npz.js';
import { isMember } from '../src/io/declared.js';
import { expectTensors, failure as failureOf, readsOrRefuses } from './helpers/binary.js';
import type { Want } from './helpers/binary.js';
import { fuzzRuns } from './helpers/fuzz.js';
import { stored, zip } from './helpers/npz-build.js';

const PT = new URL('../fixtures/torch/pt/', import.meta.url);
const BAD = new URL('bad/', PT);
const expected = JSON.parse(readFileSync(new URL('expected.json', PT), 'utf8')) as { files: Record<string, Record<string, Want>> };
const pickles = JSON.parse(readFileSync(new URL('pickles.json', PT), 'utf8')) as {
  pickles: { protocol: number; hex: string; value: unknown }[];
};

/** Every tensor of a .pt file, loaded. */
function readPt(bytes: Uint8Array, source: string): Map<string, Tensor> {
  return new Map([...openPtMembers(bytes, source)].map(([k, m]) => [k, m.open().load()]));
}

/** The InputError message of a file of the bad corpus (one line, naming the file first). */
const failure = (name: string): string => failureOf(readPt, name, BAD);

describe('torch.save files written by PyTorch', () => {
  it.each(Object.keys(expected.files))('%s', (name) => {
    expectTensors(readPt(readFileSync(new URL(name, PT)), name), expected.files[name]);
  });

  it('names nested members by dotted keys and indices, in the saved order', () => {
    const got = openPtMembers(readFileSync(new URL('nested.pt', PT)), 'nested.pt');
    expect([...got.keys()]).toEqual(['model.weight', 'model.bias', 'stats.mean', 'stats.count', 'history.0', 'history.1.0']);
  });

  it('gives a file of one tensor (a Parameter too) under the name ""', () => {
    expect([...openPtMembers(readFileSync(new URL('parameter.pt', PT)), 'p.pt').keys()]).toEqual(['']);
  });

  it('reads an archive at an unaligned offset', () => {
    const file = readFileSync(new URL('dtypes.pt', PT));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expectTensors(readPt(shifted.subarray(1), 'x.pt'), expected.files['dtypes.pt']);
  });

  it('knows every shape before any storage is decoded', () => {
    const file = new Uint8Array(readFileSync(new URL('views.pt', PT)));
    // a storage whose bytes are corrupt: opening checks shapes only, loading checks the CRC-32
    const members = openPtMembers(corruptStorage(file), 'views.pt');
    expect(members.get('transposed')?.open().shape).toEqual([6, 4]);
    expect(() => members.get('transposed')?.open().load()).toThrow(/CRC-32 mismatch/);
  });

  it('a dict is a bundle: tensors as members, strings and numbers as they are', () => {
    const entries = openPtBundle(readFileSync(new URL('dump-mean.pt', PT)), 'dump-mean.pt');
    expect([...entries.keys()]).toEqual(['logits', 'targets', 'weight', 'pos_weight', 'reduction', 'dtype', 'loss', 'grad']);
    expect(entries.get('reduction')).toBe('mean');
    expect(entries.get('dtype')).toBe('float64');
    expect(isMember(entries.get('loss'))).toBe(true);
  });

  it('a single tensor is not a bundle', () => {
    expect(() => openPtBundle(readFileSync(new URL('single.pt', PT)), 'single.pt')).toThrow(
      'single.pt: holds one tensor, not a dict: a bundle is a dict of tensors; for one tensor use --logits',
    );
  });
});

/** The file with one byte of its first storage (`FOLDER/data/0`) flipped. */
function corruptStorage(file: Uint8Array): Uint8Array {
  const copy = file.slice();
  const view = new DataView(copy.buffer);
  const entry = readCentralDirectory(copy, view, 'x').find((e) => e.name.endsWith('/data/0'));
  const { start } = memberData(copy, view, entry as NonNullable<typeof entry>, 'x');
  copy[start] ^= 1;
  return copy;
}

describe('malformed and refused files', () => {
  it('pins every message', () => {
    expect(failure('os-system.pt')).toMatchInlineSnapshot(
      `"os-system.pt: refusing to load posix.system: bce reads tensors only (as torch.load(weights_only=True))"`,
    );
    expect(failure('complex.pt')).toMatchInlineSnapshot(
      `"complex.pt: cannot load torch.ComplexFloatStorage: bce reads dense tensors of real dtypes only (float, integer and bool storages)"`,
    );
    expect(failure('sparse.pt')).toMatchInlineSnapshot(
      `"sparse.pt: cannot load torch._utils._rebuild_sparse_tensor: bce reads dense tensors of real dtypes only (float, integer and bool storages)"`,
    );
    expect(failure('protocol0.pt')).toMatchInlineSnapshot(
      `"protocol0.pt:protocol0/data.pkl: byte 1: opcode 0x64 is not one that torch.save writes for tensors"`,
    );
    expect(failure('stride-outside.pt')).toMatchInlineSnapshot(
      `"stride-outside.pt:good/data.pkl: byte 167: a tensor of size (2, 3), stride (4, 1) and offset 0 reaches element 6 of storage 0, which holds 6"`,
    );
    expect(failure('offset-outside.pt')).toMatchInlineSnapshot(
      `"offset-outside.pt:good/data.pkl: byte 167: a tensor of size (2, 3), stride (3, 1) and offset 1 reaches element 6 of storage 0, which holds 6"`,
    );
    expect(failure('huge-size.pt')).toMatchInlineSnapshot(
      `"huge-size.pt:good/data.pkl: byte 176: a size entry is 1180591620717411303424, not a count (an integer from 0 to 2^53 - 1)"`,
    );
    expect(failure('missing-storage.pt')).toMatchInlineSnapshot(
      `"missing-storage.pt:good/data.pkl: byte 115: storage 0 has no entry good/data/0 in the archive"`,
    );
    expect(failure('short-storage.pt')).toMatchInlineSnapshot(
      `"short-storage.pt:good/data/0: holds 20 bytes, the pickle declares 6 elements of 4 bytes (torch.FloatStorage)"`,
    );
    expect(failure('truncated-pickle.pt')).toMatchInlineSnapshot(
      `"truncated-pickle.pt:good/data.pkl: byte 119: the pickle ends early (no STOP opcode); the file is truncated or corrupt"`,
    );
    expect(failure('no-pickle.pt')).toMatchInlineSnapshot(
      `"no-pickle.pt: a zip archive with no FOLDER/data.pkl member: not a torch.save file"`,
    );
    expect(failure('expanded-huge.pt')).toMatchInlineSnapshot(
      `"expanded-huge.pt:expanded-huge/data.pkl: byte 149: a view of 33554432 elements over a storage of 1: expanded views are read up to 16777216 elements (save it with .contiguous())"`,
    );
    expect(failure('ambiguous-names.pt')).toMatchInlineSnapshot(
      `"ambiguous-names.pt: two tensors are named a.b (a dotted key and a nested dict)"`,
    );
    expect(failure('deflated.pt')).toMatchInlineSnapshot(
      `"deflated.pt:good/data.pkl: member is compressed (zip method 8); torch.save stores its members uncompressed"`,
    );
  });

  it('refuses the forbidden global and the legacy format of the good fixtures', () => {
    const read = (name: string) => () => readPt(readFileSync(new URL(name, PT)), name);
    expect(read('forbidden.pt')).toThrow(/^forbidden\.pt: refusing to load builtins\.exec: bce reads tensors only \(as torch\.load\(weights_only=True\)\)$/);
    expect(read('legacy.pt')).toThrow(
      "legacy.pt: torch.save's legacy format (_use_new_zipfile_serialization=False, or PyTorch before 1.6) is not read; " +
        "re-save it with PyTorch: torch.save(torch.load('old.pt'), 'new.pt')",
    );
  });

  it('the bundle-level cases are files that read as members', () => {
    for (const name of ['bad-reduction.pt', 'extra-key.pt']) expect(readPt(readFileSync(new URL(name, BAD)), name).size).toBe(2);
  });

  it('every file of the corpus is pinned', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const pinned = new Set([...source.matchAll(/failure\('([^']+)'\)/g)].map((m) => m[1]));
    const corpus = readdirSync(BAD).filter((f) => f.endsWith('.pt') && !['bad-reduction.pt', 'extra-key.pt'].includes(f));
    expect(corpus.filter((f) => !pinned.has(f))).toEqual([]);
  });
});

/** A host for plain pickles: OrderedDict() makes a dict; any other call, BUILD or persistent id is a bug of the test. */
const plainHost: PickleHost = {
  call: (fn, args) => {
    if (fn.path === 'collections.OrderedDict' && args.length === 0) return { kind: 'dict', entries: new Map() };
    throw new Error('called');
  },
  build: () => {
    throw new Error('built');
  },
  persistentLoad: () => {
    throw new Error('persistent load');
  },
};

/** pickles.json's value with its finite floats as plain numbers (-0 kept), as the unpickler gives them. */
function plainFloats(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainFloats);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if ('float' in o && typeof o.float === 'number') return o.float;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plainFloats(x)]));
}

/** A PyValue as pickles.json spells Python values. */
function asJson(v: PyValue): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : { float: String(v) };
  if (typeof v === 'bigint') return { int: v.toString() };
  if (v === null || typeof v !== 'object') return v;
  switch (v.kind) {
    case 'dict':
      return { dict: [...v.entries].map(([k, x]) => [k, asJson(x)]) };
    case 'tuple':
      return { tuple: v.items.map(asJson) };
    case 'list':
      return v.items.map(asJson);
    default:
      return v;
  }
}

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const run = (bytes: Uint8Array | number[]): PyValue => unpickle(Uint8Array.from(bytes), plainHost, 'x.pkl', 'x.pt');
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

describe('the unpickler', () => {
  it.each(pickles.pickles.map((p, i) => [i, p.protocol, p] as const))('Python pickle %i (protocol %i)', (_i, _p, p) => {
    // toEqual tells -0 from 0
    expect(asJson(run(hex(p.hex)))).toEqual(plainFloats(p.value));
  });

  it('refuses a global outside the allow list before anything else happens', () => {
    expect(() => run([0x80, 2, ...ascii('cos\nsystem\n'), 0x2e])).toThrow(/^x\.pt: refusing to load os\.system: /);
    expect(() => run([0x80, 4, 0x8c, 8, ...ascii('builtins'), 0x8c, 4, ...ascii('eval'), 0x93, 0x2e])).toThrow(
      /^x\.pt: refusing to load builtins\.eval: /,
    );
    // a name with control characters is echoed escaped
    expect(() => run([0x80, 2, ...ascii('c\x1b[31m\nx\n'), 0x2e])).toThrow('x.pt: refusing to load \\x1b[31m.x: ');
  });

  it('refuses the opcodes that call things, and malformed pickles', () => {
    const cases: [number[], string][] = [
      [[0x80, 2, ...ascii('ios\nsystem\n'), 0x2e], 'x.pkl: byte 2: opcode 0x69'],
      [[0x80, 2, 0x28, 0x6f, 0x2e], 'x.pkl: byte 3: opcode 0x6f'],
      [[0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e], 'x.pkl: byte 5: REDUCE on a number, not an allowed global'],
      [[0x80, 2, 0x68, 7, 0x2e], 'x.pkl: byte 2: memo entry 7 was never stored (corrupt pickle)'],
      [[0x80, 2, 0x4b, 1, 0x4b, 2, 0x73, 0x2e], 'x.pkl: byte 6: the stack is empty (corrupt pickle)'],
      [[0x80, 2, 0x5d, 0x4b, 1, 0x5d, 0x73, 0x2e], 'x.pkl: byte 6: SETITEM on a list, not a dict'],
      [[0x80, 2, 0x7d, 0x5d, 0x4b, 1, 0x73, 0x2e], 'x.pkl: byte 6: a dict key that is a list'],
      [[0x80, 2, 0x4b, 1, 0x4b, 1, 0x61, 0x2e], 'x.pkl: byte 6: APPEND to a number, not a list'],
      [[0x80, 2, 0x65, 0x2e], 'x.pkl: byte 2: no MARK to close'],
      [[0x80, 2, 0x2e], 'x.pkl: byte 2: the stack is empty'],
      [[0x80, 9, 0x2e], 'x.pkl: byte 0: pickle protocol 9'],
      [[0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff], 'x.pkl: byte 7: the pickle ends early'],
      [[0x80, 2, 0x8c, 1, 0xff, 0x2e], 'x.pkl: byte 2: a string that is not UTF-8'],
      [[0x80, 2, ...ascii('ccollections'), 0x2e], 'x.pkl: byte 2: GLOBAL without a newline-terminated module and name'],
    ];
    for (const [bytes, message] of cases) {
      expect(() => run(bytes), message).toThrow(InputError);
      expect(() => run(bytes)).toThrow(message);
    }
  });

  it(`caps MARK nesting at ${MAX_DEPTH}`, () => {
    expect(() => run([0x80, 2, ...new Array(MAX_DEPTH + 1).fill(0x28), 0x2e])).toThrow(`x.pkl: byte ${2 + MAX_DEPTH}: nested more than ${MAX_DEPTH} deep`);
  });

  it('a list that holds itself is read, and its members walk stops', () => {
    // L = []; L.append(L); L.append(L): a cycle, each level twice (2^100 paths without a bound)
    const self = [0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x68, 0, 0x61, 0x2e];
    const v = run(self) as { kind: 'list'; items: PyValue[] };
    expect(v.items[0]).toBe(v);
    const file = ptWithPickle(readFileSync(new URL('single.pt', PT)), Uint8Array.from(self));
    expect(() => openPtMembers(file, 'cycle.pt')).toThrow('cycle.pt: the saved object holds more than 1000000 values (shared containers?)');
  });
});

/** The records of a torch.save fixture, by name. */
function records(file: Uint8Array): Map<string, Uint8Array> {
  const bytes = new Uint8Array(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Map(readCentralDirectory(bytes, view, 'seed').map((e) => [e.name, memberData(bytes, view, e, 'seed').raw.slice()]));
}

/** A .pt file: a fixture's records with `data.pkl` replaced (the zip's CRCs made for the new bytes). */
function ptWithPickle(file: Uint8Array, pkl: Uint8Array): Uint8Array {
  const parts = [...records(file)].map(([name, data]) => stored(name, name.endsWith('/data.pkl') ? pkl : data));
  return zip(parts);
}

/** Every member opened and, when small, loaded: a tensor or an InputError, nothing else. */
function readsOrRefusesPt(bytes: Uint8Array): void {
  readsOrRefuses(() => {
    const out = new Map<string, Tensor>();
    for (const [name, m] of openPtMembers(bytes, 'fuzz.pt')) {
      const d = m.open();
      if (d.shape.reduce((a, b) => a * b, 1) <= 100_000) out.set(name, d.load());
    }
    return out;
  });
}

describe('fuzzing', () => {
  const seeds = ['views.pt', 'nested.pt', 'dtypes.pt', 'dump-mean.pt', 'big-endian.pt'].map((f) => new Uint8Array(readFileSync(new URL(f, PT))));
  const pkls = seeds.map((s) => [...records(s)].find(([n]) => n.endsWith('/data.pkl'))?.[1] as Uint8Array);

  it('random bytes, as a file and as its pickle', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (body, asPickle) => {
        readsOrRefusesPt(asPickle ? ptWithPickle(seeds[0], Uint8Array.from([0x80, 2, ...body])) : body);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('mutations and truncations of the pickles (with valid CRCs)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (k, edits, cut) => {
          const pkl = pkls[k].slice(0, cut === undefined ? pkls[k].length : cut % (pkls[k].length + 1));
          for (const [at, value] of edits) if (pkl.length > 0) pkl[at % pkl.length] = value;
          readsOrRefusesPt(ptWithPickle(seeds[k], pkl));
        },
      ),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('mutations and truncations of the files', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (k, edits, cut) => {
          const seed = seeds[k];
          const bytes = seed.slice(0, cut === undefined ? seed.length : cut % (seed.length + 1));
          for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
          readsOrRefusesPt(bytes);
        },
      ),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
