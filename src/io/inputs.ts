/**
 * Read + validate: turns the options (a bundle and/or tensor flags) into checked tensors and a
 * reduction. Flags override the bundle's fields; shapes are checked here, naming the file of each input.
 */
import * as z from 'zod/mini';
import { ECHO_MAX, InputError, UsageError, quote, showValue } from '../errors.js';
import { editDistance } from '../core/edit-distance.js';
import type { Tensor } from '../core/tensor.js';
import { sameShape, torchSize } from '../core/tensor.js';
import { checkOperandShape, hintLine, targetShapeHint } from '../core/hints.js';
import type { Io, SourceBytes } from './source.js';
import { SourceReader, checkStdinOnce } from './source.js';
import { detectFormat, openArchive, openTensor, parseList, readJsonDocument, splitMember } from './read-tensor.js';
import type { Declared, Member } from './declared.js';
import { readTableFlags, tableShapes, tableSpec, withRoleField } from './table-open.js';
import { inMemory, isMember, opened } from './declared.js';
import type { ReadOptions } from './read-tensor.js';
import type { BundleValue } from './json.js';
import { parseNumber } from './number.js';
import { REDUCTION_NAMES, resolveReduction } from '../core/reduction.js';
import type { InputOptions } from '../cli/options.js';
import type { Reduction } from '../core/kernel.js';

/** Bundle keys for the inputs; verify adds its expected values. */
export const INPUT_KEYS = ['logits', 'targets', 'weight', 'pos_weight', 'reduction', 'size_average', 'reduce'] as const;
/** Every key a bundle may hold: the inputs, and the dumped values that bce verify checks (bce ignores them). */
export const BUNDLE_KEYS = [...INPUT_KEYS, 'loss', 'grad', 'grad_targets', 'dtype'] as const;
export const TENSOR_KEYS = new Set(['logits', 'targets', 'weight', 'pos_weight', 'loss', 'grad', 'grad_targets']);

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as Tensor).data instanceof Float64Array;
}

const tensorLike = z.custom<Tensor | Member | number | string>(
  (v) => isTensor(v) || isMember(v) || typeof v === 'number' || (typeof v === 'string' && parseNumber(v) !== undefined),
);

const bundleSchema = z.object({
  logits: z.optional(tensorLike),
  targets: z.optional(tensorLike),
  weight: z.optional(tensorLike),
  pos_weight: z.optional(tensorLike),
  loss: z.optional(tensorLike),
  grad: z.optional(tensorLike),
  grad_targets: z.optional(tensorLike),
  reduction: z.optional(z.enum(REDUCTION_NAMES)),
  size_average: z.optional(z.nullable(z.boolean())),
  reduce: z.optional(z.nullable(z.boolean())),
  dtype: z.optional(z.enum(['float16', 'bfloat16', 'float32', 'float64'])),
});

const KEY_EXPECTS: Record<string, string> = {
  reduction: `one of ${REDUCTION_NAMES.join(', ')}`,
  size_average: 'true, false or null',
  reduce: 'true, false or null',
  dtype: 'one of float16, bfloat16, float32, float64',
};

export interface Bundle {
  name: string;
  /** an archive member's header is read when it is opened, its data when loaded (after the shape checks) */
  tensors: Map<string, Member>;
  reduction?: string;
  sizeAverage?: boolean;
  reduce?: boolean;
  dtype?: string;
}

/** Checks a parsed JSON bundle or an archive's members: only `allowed` keys, each of the right kind. */
export function checkBundle(name: string, entries: Map<string, BundleValue | Member>, allowed: readonly string[]): Bundle {
  for (const key of entries.keys()) {
    if (!allowed.includes(key)) {
      const near = allowed.find((k) => editDistance(k, key) <= 2);
      const hint = near ? `; did you mean "${near}"?` : ` (expected ${allowed.join(', ')})`;
      throw new InputError(name, `unknown key ${quote(key, ECHO_MAX, '"')} in the bundle${hint}`);
    }
  }
  const plain: Record<string, unknown> = {};
  for (const [k, v] of entries) plain[k] = v;
  const r = bundleSchema.safeParse(plain);
  if (!r.success) {
    const key = String(r.error.issues[0].path[0]);
    const expects = KEY_EXPECTS[key] ?? 'a tensor (a number or nested arrays of numbers)';
    throw new InputError(`${name}: ${key}`, `expected ${expects}, got ${showValue(entries.get(key))}`);
  }
  const tensors = new Map<string, Member>();
  for (const [k, v] of entries) {
    if (!TENSOR_KEYS.has(k)) continue;
    if (isMember(v)) tensors.set(k, v);
    else if (isTensor(v)) tensors.set(k, opened(inMemory(v)));
    else {
      const x = typeof v === 'number' ? v : parseNumber(String(v));
      tensors.set(k, opened(inMemory({ data: new Float64Array([x as number]), shape: [] })));
    }
  }
  const get = <T>(k: string) => entries.get(k) as T | undefined;
  return {
    name,
    tensors,
    reduction: get<string>('reduction'),
    sizeAverage: get<boolean | null>('size_average') ?? undefined,
    reduce: get<boolean | null>('reduce') ?? undefined,
    dtype: get<string>('dtype'),
  };
}

/** True when the bytes hold nothing but white space. */
function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

/** Where a bundle is read from: the positional argument, or piped stdin when no --logits is given. */
export function bundleSpec(bundle: string | undefined, logitsFlag: string | undefined, io: Io): string | undefined {
  if (bundle !== undefined) return bundle;
  if (logitsFlag === undefined && !io.stdinIsTTY) return '-';
  return undefined;
}

export async function readBundle(
  reader: SourceReader,
  spec: string,
  allowed: readonly string[],
  options: ReadOptions = {},
): Promise<Bundle> {
  const src = await reader.read(spec, 'the bundle');
  if (spec === '-' && isBlank(src.bytes)) {
    // stdin is read as the bundle only when no --logits is given: empty, it cannot hold the logits either
    throw new UsageError('no logits: give --logits FILE, or a bundle as a file or on stdin (stdin was empty)');
  }
  const format = detectFormat(src, options.inputFormat);
  if (format === 'pt') {
    // a torch.save bundle: its dict's tensors are the bundle's tensors, its strings and numbers the settings
    const entries = (await import('./pt.js')).openPtBundle(src.bytes, src.name);
    return checkBundle(src.name, entries as Map<string, BundleValue | Member>, allowed);
  }
  if (format === 'npz' || format === 'safetensors') {
    // an archive bundle: its members are the bundle's tensors, each read only if it is used
    const members = await openArchive(src, format);
    return checkBundle(src.name, new Map(members), allowed);
  }
  if (format !== 'json') {
    throw new InputError(
      src.name,
      'a bundle must be a JSON object {"logits": ..., "targets": ...}, an .npz, a .safetensors or a .pt file; for one tensor use --logits',
    );
  }
  const doc = await readJsonDocument(src);
  if (doc.kind !== 'bundle') {
    throw new InputError(
      src.name,
      'expected a bundle, a JSON object {"logits": ..., "targets": ...}; to pass one tensor use --logits',
    );
  }
  return checkBundle(src.name, doc.entries, allowed);
}

/** An input tensor and where it came from, for messages. */
export interface Input {
  tensor: Tensor;
  /** e.g. "logits.csv", "bundle.json: weight" or "--weight 1,2" */
  where: string;
}

/** An input whose shape is known and whose data is read when loaded (an archive member), for the shape checks. */
export interface DeclaredInput {
  tensor: Declared;
  where: string;
}

/**
 * Opens a tensor flag: a file (or '-'), `file.npz:member`, and, where `allowList`, a comma-separated list of
 * numbers. `role` names the member picked from an .npz or .safetensors file when none is given.
 */
export async function openTensorFlag(
  reader: SourceReader,
  value: string,
  flag: string,
  allowList: boolean,
  options: ReadOptions = {},
  role = '',
): Promise<DeclaredInput> {
  if (allowList && value !== '-') {
    const list = parseList(value);
    if (list !== undefined) return { tensor: inMemory(list), where: `${flag} ${value}` };
  }
  if (tableSpec(withRoleField(value, role)) !== undefined) {
    const read = await readTableFlags(reader.io, [{ flag, value: withRoleField(value, role) as string }], options);
    const t = read.get(flag) as Input;
    return { tensor: inMemory(t.tensor), where: t.where };
  }
  const { path, member } = splitMember(value);
  const src: SourceBytes = await reader.read(path, flag);
  const tensor = await openTensor(src, options, member, role);
  return { tensor, where: member !== undefined ? `${src.name}:${member}` : src.name };
}

/** Reads a tensor flag (openTensorFlag, then its data). */
export async function readTensorFlag(...args: Parameters<typeof openTensorFlag>): Promise<Input> {
  return loadInput(await openTensorFlag(...args));
}

export function loadInput(op: DeclaredInput): Input {
  return { tensor: op.tensor.load(), where: op.where };
}

export interface Problem {
  logits: Input;
  targets: Input;
  weight?: Input;
  posWeight?: Input;
  reduction: Reduction;
  /** deprecation warnings to print on stderr */
  warnings: string[];
  bundle?: Bundle;
}

/** The validated input options (../cli/options.ts), with the read settings optional. */
export type InputFlags = Omit<InputOptions, 'read'> & { read?: ReadOptions };

/** What the shape checks need of an input: its shape (declared or read) and where it came from. */
type ShapedInput = { tensor: { readonly shape: readonly number[] }; where: string };

/**
 * The shape checks, in order: targets exactly the logits' shape, weight and pos_weight by broadcasting that
 * never enlarges the logits (also used by the streaming path, which knows a CSV file's shape at its end).
 */
export function checkShapes(
  shape: readonly number[],
  targetShape: readonly number[],
  targetsWhere: string,
  weight?: ShapedInput,
  posWeight?: ShapedInput,
): void {
  if (!sameShape(targetShape, shape)) {
    throw new InputError(
      targetsWhere,
      `Target size (${torchSize(targetShape)}) must be the same as input size (${torchSize(shape)})` +
        hintLine(targetShapeHint(targetShape, shape)),
    );
  }
  if (weight) checkOperandShape('weight', weight.tensor.shape, shape, weight.where);
  if (posWeight) checkOperandShape('pos_weight', posWeight.tensor.shape, shape, posWeight.where);
}

/** A bundle's tensor by key, opened (its declared shape), with where it came from; undefined when absent. */
export function bundleMember(bundle: Bundle | undefined, key: string): DeclaredInput | undefined {
  const t = bundle?.tensors.get(key);
  return t && bundle ? { tensor: t.open(), where: `${bundle.name}: ${key}` } : undefined;
}

/** Reads and checks everything the loss needs. `allowedKeys` are the bundle keys the command accepts. */
export async function loadProblem(flags: InputFlags, io: Io, allowedKeys: readonly string[] = INPUT_KEYS): Promise<Problem> {
  const reader = new SourceReader(io);
  const spec = bundleSpec(flags.bundle, flags.logits, io);
  if (spec === undefined && flags.logits === undefined) {
    throw new UsageError('no input: give a bundle file, or --logits and --targets (see bce --help)');
  }
  // stdin can feed one input only: say so before reading anything
  checkStdinOnce([
    ['the bundle', spec],
    ['--logits', flags.logits],
    ['--targets', flags.targets],
    ['--weight', flags.weight],
    ['--pos-weight', flags.posWeight],
  ]);
  const bundle = spec !== undefined ? await readBundle(reader, spec, allowedKeys, flags.read) : undefined;
  // the flags that name a table's columns: each table is read once for all of them
  const named: [string, string | undefined][] = [
    ['--logits', withRoleField(flags.logits, 'logits')],
    ['--targets', withRoleField(flags.targets, 'targets')],
    ['--weight', withRoleField(flags.weight, 'weight')],
    ['--pos-weight', withRoleField(flags.posWeight, 'pos_weight')],
  ];
  const tableFlags = named.flatMap(([flag, value]) => (tableSpec(value) !== undefined ? [{ flag, value: value as string }] : []));
  const tables = tableFlags.length > 0 ? await readTableFlags(io, tableFlags, flags.read ?? {}) : new Map<string, Input>();
  const pick = async (flag: string | undefined, name: string, key: string, allowList: boolean): Promise<DeclaredInput | undefined> => {
    const t = tables.get(name);
    if (t !== undefined) return { tensor: inMemory(t.tensor), where: t.where };
    return flag !== undefined ? openTensorFlag(reader, flag, name, allowList, flags.read, key) : bundleMember(bundle, key);
  };

  const logits = await pick(flags.logits, '--logits', 'logits', false);
  const targets = await pick(flags.targets, '--targets', 'targets', false);
  const weight = await pick(flags.weight, '--weight', 'weight', true);
  const posWeight = await pick(flags.posWeight, '--pos-weight', 'pos_weight', true);
  if (logits === undefined) {
    throw new UsageError(`no logits: give --logits${bundle ? ` or put "logits" in ${bundle.name}` : ''}`);
  }
  if (targets === undefined) {
    throw new UsageError(`no targets: give --targets${bundle ? ` or put "targets" in ${bundle.name}` : ''}`);
  }

  if (tables.size > 0) {
    const loaded = [logits, targets, weight].map((d) => d && { tensor: d.tensor.load(), where: d.where });
    tableShapes(loaded[0] as Input, loaded[1] as Input, loaded[2], tables);
    if (weight && loaded[2]) weight.tensor = inMemory(loaded[2].tensor);
  }
  // The shapes are checked as declared, before an archive member's data is inflated or decoded.
  checkShapes(logits.tensor.shape, targets.tensor.shape, targets.where, weight, posWeight);

  // Any reduction flag overrides all of the bundle's reduction fields together (the flags' one is resolved with them).
  const { reduction, warnings } = flags.flagReduction ?? resolveReduction(bundle?.reduction, bundle?.sizeAverage, bundle?.reduce);
  return {
    logits: loadInput(logits),
    targets: loadInput(targets),
    weight: weight && loadInput(weight),
    posWeight: posWeight && loadInput(posWeight),
    reduction,
    warnings,
    bundle,
  };
}
