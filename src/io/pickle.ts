/**
 * A restricted unpickler for the `data.pkl` of torch.save files, modelled on `torch.load(weights_only=True)`
 * (torch/_weights_only_unpickler.py): it runs the opcodes of pickle protocols 2-4 that build plain data
 * (None, booleans, integers, floats, strings, bytes, tuples, lists, dicts), and nothing that can execute code.
 *
 * Format: https://github.com/python/cpython/blob/main/Lib/pickletools.py (the opcode table and its documentation).
 *
 * A global (GLOBAL, STACK_GLOBAL) is looked up in ALLOWED_GLOBALS and refused otherwise, before anything else
 * happens: no name from the file is ever resolved to code. The few allowed ones are not called here; the host
 * (./pt.ts) gives each its meaning when REDUCE, NEWOBJ, BUILD or BINPERSID applies it. The opcodes that run
 * arbitrary callables (INST, OBJ, NEWOBJ_EX, the extension registry, text PERSID) are refused outright.
 *
 * Bounds: the value stack, the memo and the built containers grow by at most one entry per opcode, so memory is
 * linear in the pickle's size; MARK nesting is capped at MAX_DEPTH; a string or a long integer is only read when
 * its bytes are there.
 */
import { InputError, printable, quote } from '../errors.js';

/** A Python value as the unpickler builds it. `object` holds what the host returns (tensors, storages). */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyBytes
  | PyTuple
  | PyList
  | PyDict
  | PyGlobal
  | PyObject;

export interface PyBytes {
  readonly kind: 'bytes';
  readonly bytes: Uint8Array;
}
export interface PyTuple {
  readonly kind: 'tuple';
  readonly items: readonly PyValue[];
}
export interface PyList {
  readonly kind: 'list';
  readonly items: PyValue[];
}
export interface PyDict {
  readonly kind: 'dict';
  /** keys are strings or integers (what torch.save writes); insertion-ordered */
  readonly entries: Map<string | number, PyValue>;
}
/** An allowed global, by its dotted path (`torch._utils._rebuild_tensor_v2`). */
export interface PyGlobal {
  readonly kind: 'global';
  readonly path: string;
}
export interface PyObject {
  readonly kind: 'object';
  readonly value: unknown;
}

/**
 * What the host does with the allowed globals. Each may throw PickleError (a value of the wrong kind), which
 * the unpickler turns into an InputError at the opcode's byte.
 */
export interface PickleHost {
  /** REDUCE `fn(*args)`, and NEWOBJ `cls(*args)` */
  call(fn: PyGlobal, args: readonly PyValue[]): PyValue;
  /** BUILD: sets `state` on `target` */
  build(target: PyValue, state: PyValue): void;
  /** BINPERSID: the object a persistent id stands for */
  persistentLoad(pid: PyValue): PyValue;
}

/** A value the host cannot use; the unpickler adds where. */
export class PickleError extends Error {}

/** The globals torch.save writes for dense tensors (torch's weights-only allow list, less what bce cannot read). */
export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.storage.UntypedStorage',
  ...['Double', 'Float', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool'].map((t) => `torch.${t}Storage`),
]);

/** The deepest MARK nesting accepted (torch.save's nesting follows the saved object's, a few levels deep). */
export const MAX_DEPTH = 1000;

/** The longest GLOBAL module or name line read. */
const MAX_LINE = 1024;

/** Python 2 module names that protocol 2 writes, as Python 3 reads them (pickle's fix_imports). */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg', exceptions: 'builtins' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The message for a global that is not allowed. */
function refusal(path: string): string {
  if (path.startsWith('torch.')) {
    return `cannot load ${printable(path)}: bce reads dense tensors of real dtypes only (float, integer and bool storages)`;
  }
  return `refusing to load ${printable(path)}: bce reads tensors only (as torch.load(weights_only=True))`;
}

/**
 * Runs the pickle in `bytes` and returns the value STOP leaves.
 *
 * @throws InputError: `where: byte N: what` for a malformed pickle, `source: refusing to load module.name: ...`
 *   for a global outside the allow list.
 */
export function unpickle(bytes: Uint8Array, host: PickleHost, where: string, source: string): PyValue {
  return new Machine(bytes, host, where, source).run();
}

class Machine {
  private pos = 0;
  private stack: PyValue[] = [];
  private readonly marks: PyValue[][] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly host: PickleHost,
    private readonly where: string,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): PyValue {
    for (;;) {
      const at = this.pos;
      const op = this.take(1)[0];
      try {
        if (op === 0x2e /* . STOP */) return this.pop();
        this.step(op);
      } catch (e) {
        if (e instanceof PickleError) throw new InputError(`${this.where}: byte ${at}`, e.message);
        throw e;
      }
    }
  }

  /** Runs one opcode (all but STOP). */
  private step(op: number): void {
    switch (op) {
      case 0x80 /* PROTO */: {
        const v = this.take(1)[0];
        if (v < 2 || v > 5) throw new PickleError(`pickle protocol ${v}; torch.save writes protocol 2`);
        return;
      }
      case 0x95 /* FRAME */:
        this.take(8);
        return;
      case 0x28 /* ( MARK */:
        if (this.marks.length >= MAX_DEPTH) throw new PickleError(`nested more than ${MAX_DEPTH} deep`);
        this.marks.push(this.stack);
        this.stack = [];
        return;
      case 0x7d /* } EMPTY_DICT */:
        return this.push({ kind: 'dict', entries: new Map() });
      case 0x5d /* ] EMPTY_LIST */:
        return this.push({ kind: 'list', items: [] });
      case 0x29 /* ) EMPTY_TUPLE */:
        return this.push({ kind: 'tuple', items: [] });
      case 0x4e /* N NONE */:
        return this.push(null);
      case 0x88 /* NEWTRUE */:
        return this.push(true);
      case 0x89 /* NEWFALSE */:
        return this.push(false);
      case 0x4a /* J BININT */:
        return this.push(this.view.getInt32(this.skip(4), true));
      case 0x4b /* K BININT1 */:
        return this.push(this.take(1)[0]);
      case 0x4d /* M BININT2 */:
        return this.push(this.view.getUint16(this.skip(2), true));
      case 0x8a /* LONG1 */:
        return this.push(decodeLong(this.take(this.take(1)[0])));
      case 0x47 /* G BINFLOAT */:
        return this.push(this.view.getFloat64(this.skip(8), false));
      case 0x58 /* X BINUNICODE */:
        return this.push(this.text(this.view.getUint32(this.skip(4), true)));
      case 0x8c /* SHORT_BINUNICODE */:
        return this.push(this.text(this.take(1)[0]));
      case 0x55 /* U SHORT_BINSTRING (a Python 2 str; read as latin-1, as encoding='latin1' does) */:
        return this.push(String.fromCharCode(...this.take(this.take(1)[0])));
      case 0x43 /* C SHORT_BINBYTES */:
        return this.push({ kind: 'bytes', bytes: this.take(this.take(1)[0]) });
      case 0x42 /* B BINBYTES */:
        return this.push({ kind: 'bytes', bytes: this.take(this.view.getUint32(this.skip(4), true)) });
      case 0x74 /* t TUPLE */:
        return this.push({ kind: 'tuple', items: this.popMark() });
      case 0x85 /* TUPLE1 */:
      case 0x86 /* TUPLE2 */:
      case 0x87 /* TUPLE3 */:
        return this.push({ kind: 'tuple', items: this.popN(op - 0x84) });
      case 0x71 /* q BINPUT */:
        return this.put(this.take(1)[0]);
      case 0x72 /* r LONG_BINPUT */:
        return this.put(this.view.getUint32(this.skip(4), true));
      case 0x94 /* MEMOIZE */:
        return this.put(this.memo.size);
      case 0x68 /* h BINGET */:
        return this.get(this.take(1)[0]);
      case 0x6a /* j LONG_BINGET */:
        return this.get(this.view.getUint32(this.skip(4), true));
      case 0x63 /* c GLOBAL */: {
        const module = this.line();
        return this.push(this.global(module, this.line()));
      }
      case 0x93 /* STACK_GLOBAL */: {
        const [module, name] = this.popN(2);
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL needs two strings');
        return this.push(this.global(module, name));
      }
      default:
        return this.apply(op);
    }
  }

  /** The opcodes that combine values: calls, containers, persistent ids. */
  private apply(op: number): void {
    switch (op) {
      case 0x52 /* R REDUCE */: {
        const args = this.pop();
        const fn = this.top();
        if (!isKind(fn, 'global')) throw new PickleError(`REDUCE on ${describe(fn)}, not an allowed global`);
        if (!isKind(args, 'tuple')) throw new PickleError(`REDUCE with ${describe(args)} as arguments, not a tuple`);
        this.stack[this.stack.length - 1] = this.host.call(fn, args.items);
        return;
      }
      case 0x81 /* NEWOBJ */: {
        const [cls, args] = this.popN(2);
        if (!isKind(cls, 'global') || !isKind(args, 'tuple')) throw new PickleError('NEWOBJ needs a class and a tuple');
        if (cls.path !== 'torch.nn.parameter.Parameter') throw new PickleError(`NEWOBJ of ${quote(cls.path)}: only a Parameter is built`);
        return this.push(this.host.call(cls, args.items));
      }
      case 0x62 /* b BUILD */: {
        const state = this.pop();
        this.host.build(this.top(), state);
        return;
      }
      case 0x51 /* Q BINPERSID */:
        return this.push(this.host.persistentLoad(this.pop()));
      case 0x73 /* s SETITEM */: {
        const [key, value] = this.popN(2);
        setItems(this.top(), [key, value]);
        return;
      }
      case 0x75 /* u SETITEMS */: {
        const items = this.popMark();
        setItems(this.top(), items);
        return;
      }
      case 0x61 /* a APPEND */: {
        const item = this.pop();
        listOf(this.top()).push(item);
        return;
      }
      case 0x65 /* e APPENDS */: {
        const items = this.popMark();
        const list = listOf(this.top());
        for (const item of items) list.push(item);
        return;
      }
      default:
        throw new PickleError(`opcode 0x${op.toString(16).padStart(2, '0')} is not one that torch.save writes for tensors`);
    }
  }

  private global(module: string, name: string): PyGlobal {
    const path = `${PY2_MODULES[module] ?? module}.${name}`;
    // Said without the byte: the one line names the global and the file (the source, not the pickle inside).
    if (!ALLOWED_GLOBALS.has(path)) throw new InputError(this.source, refusal(path));
    return { kind: 'global', path };
  }

  /** Consumes n bytes and returns them; past the end of the pickle is an error. */
  private take(n: number): Uint8Array {
    const at = this.skip(n);
    return this.bytes.subarray(at, at + n);
  }

  /** Consumes n bytes and returns where they start. */
  private skip(n: number): number {
    const at = this.pos;
    if (n > this.bytes.length - at) {
      const what = 'the pickle ends early (no STOP opcode); the file is truncated or corrupt';
      throw new InputError(`${this.where}: byte ${this.bytes.length}`, what);
    }
    this.pos = at + n;
    return at;
  }

  /** A GLOBAL argument: UTF-8 up to a newline. */
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > MAX_LINE) throw new PickleError('GLOBAL without a newline-terminated module and name');
    return this.text(end - this.pos, 1);
  }

  /** n bytes of UTF-8 (then `skipAfter` more). */
  private text(n: number, skipAfter = 0): string {
    const raw = this.take(n);
    this.take(skipAfter);
    try {
      return utf8.decode(raw);
    } catch {
      throw new PickleError('a string that is not UTF-8');
    }
  }

  private push(v: PyValue): void {
    this.stack.push(v);
  }

  private pop(): PyValue {
    if (this.stack.length === 0) throw new PickleError('the stack is empty (corrupt pickle)');
    return this.stack.pop() as PyValue;
  }

  private top(): PyValue {
    if (this.stack.length === 0) throw new PickleError('the stack is empty (corrupt pickle)');
    return this.stack[this.stack.length - 1];
  }

  /** The top n values, in the order they were pushed. */
  private popN(n: number): PyValue[] {
    if (this.stack.length < n) throw new PickleError(`the stack holds ${this.stack.length} values, ${n} are needed (corrupt pickle)`);
    return this.stack.splice(this.stack.length - n, n);
  }

  /** The values pushed since the last MARK, which is closed. */
  private popMark(): PyValue[] {
    const items = this.stack;
    const outer = this.marks.pop();
    if (outer === undefined) throw new PickleError('no MARK to close (corrupt pickle)');
    this.stack = outer;
    return items;
  }

  private put(index: number): void {
    this.memo.set(index, this.top());
  }

  private get(index: number): void {
    const v = this.memo.get(index);
    if (v === undefined) throw new PickleError(`memo entry ${index} was never stored (corrupt pickle)`);
    this.push(v);
  }
}

function isKind<K extends string>(v: PyValue, kind: K): v is Extract<PyValue, { kind: K }> {
  return typeof v === 'object' && v !== null && (v as { kind: string }).kind === kind;
}

/** A value's kind, for messages. */
export function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'object') return v.kind === 'global' ? printable(v.path) : `a ${v.kind === 'object' ? 'tensor or storage' : v.kind}`;
  return `a ${typeof v === 'bigint' ? 'number' : typeof v}`;
}

function listOf(v: PyValue): PyValue[] {
  if (!isKind(v, 'list')) throw new PickleError(`APPEND to ${describe(v)}, not a list`);
  return v.items;
}

/** SETITEM(S): key, value pairs into a dict; keys must be strings or integers. */
function setItems(target: PyValue, items: readonly PyValue[]): void {
  if (!isKind(target, 'dict')) throw new PickleError(`SETITEM on ${describe(target)}, not a dict`);
  if (items.length % 2 !== 0) throw new PickleError('SETITEMS with an odd number of values');
  for (let i = 0; i < items.length; i += 2) {
    const key = items[i];
    if (typeof key !== 'string' && typeof key !== 'number') throw new PickleError(`a dict key that is ${describe(key)}`);
    target.entries.set(key, items[i + 1]);
  }
}

/** LONG1's bytes: a little-endian two's complement integer; a number when it is exact (up to 2^53), else a bigint. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
}
