/**
 * Bytes -> Tensor or bundle: picks the format (--input-format, else the extension, else the content's
 * magic bytes or first character), then hands the bytes to that format's reader.
 */
import { InputError, printableName, quote } from '../errors.js';
import type { Tensor } from '../core/tensor.js';
import type { SourceBytes } from './source.js';
import { parseJson } from './json.js';
import type { JsonDocument } from './json.js';
import { parseNumber } from './number.js';
import type { CsvOptions } from './csv-dialect.js';
import { isUtf8 } from 'node:buffer';
import type { Declared, Member } from './declared.js';
import { inMemory } from './declared.js';

export const TENSOR_FORMATS = ['json', 'csv', 'npy', 'npz', 'safetensors', 'pt'] as const;
export type TensorFormat = (typeof TENSOR_FORMATS)[number];

/** Progress of one read: the bytes consumed as they are, then the end (a bar on a terminal clears itself). */
export interface ReadProgress {
  add(bytes: number): void;
  finish(): void;
}

/** How inputs are read; every field is optional and has a detected default. */
export interface ReadOptions {
  /** overrides detection for every input */
  inputFormat?: TensorFormat;
  csv?: CsvOptions;
  /** called when a long read of `total` bytes begins (a CSV file, a streamed computation); absent: no progress */
  progress?: (total: number) => ReadProgress;
}

const EXTENSIONS: Record<string, TensorFormat> = {
  json: 'json',
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  npy: 'npy',
  npz: 'npz',
  safetensors: 'safetensors',
  pt: 'pt',
  pth: 'pt',
};

/** The format named by a file name's extension, if any. */
export function formatOfName(name: string): TensorFormat | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  return m ? EXTENSIONS[m[1].toLowerCase()] : undefined;
}

/** The safetensors format's own limit on its header's length (what its reference reader accepts). */
export const SAFETENSORS_FORMAT_MAX_HEADER = 100_000_000;
/** bce's limit on a safetensors header: parsing costs grow with it; real model headers are far smaller. */
export const SAFETENSORS_READ_MAX_HEADER = 16 * 2 ** 20;

/** A safetensors file's header length, its first 8 bytes read as a little-endian integer (exact below 2^53). */
export function safetensorsHeaderLength(b: Uint8Array): number {
  let n = 0;
  for (let k = 7; k >= 0; k--) n = n * 256 + b[k];
  return n;
}

/** The format the bytes look like: NPY or ZIP magic, a safetensors header, '[' or '{' for JSON, else CSV. */
export function sniffFormat(b: Uint8Array): TensorFormat {
  // \x93NUMPY
  if (b[0] === 0x93 && b[1] === 0x4e && b[2] === 0x55 && b[3] === 0x4d && b[4] === 0x50 && b[5] === 0x59) return 'npy';
  // PK\x03\x04 (a zip's first member) or PK\x05\x06 (an empty zip): torch.save's when its first member is one of its records
  if (b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6)) return isTorchZip(b) ? 'pt' : 'npz';
  // pickle protocol 2 then a long integer: torch.save's legacy format, which the .pt reader refuses with advice
  if (b[0] === 0x80 && b[1] === 0x02 && b[2] === 0x8a) return 'pt';
  // safetensors: an 8-byte little-endian header length the format allows, then '{' (a stream's head may hold
  // only the start of a long header)
  if (b.length >= 10 && b[8] === 0x7b && b[6] === 0 && b[7] === 0) {
    const n = safetensorsHeaderLength(b);
    if (n >= 2 && n <= SAFETENSORS_FORMAT_MAX_HEADER) return 'safetensors';
  }
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return b[i] === 0x5b || b[i] === 0x7b ? 'json' : 'csv';
}

/** True when a zip's first local header names a torch.save record (`FOLDER/data.pkl`, `FOLDER/byteorder`, ...). */
function isTorchZip(b: Uint8Array): boolean {
  if (b.length < 30) return false;
  const n = b[26] | (b[27] << 8);
  const name = String.fromCharCode(...b.subarray(30, 30 + Math.min(n, 256)));
  return /^[^/]+\/(?:data\.pkl|byteorder|version|\.format_version)$/.test(name);
}

/** The format of a source: the override, else by extension, else by sniffing the content. */
export function detectFormat(src: SourceBytes, override?: TensorFormat): TensorFormat {
  return override ?? formatOfName(src.name) ?? sniffFormat(src.bytes);
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** What a text input that is not UTF-8 is told. */
export const NOT_UTF8 = 'not UTF-8 text (is it a binary file? --input-format names the format)';

/** UTF-8 bytes -> text without a BOM; invalid UTF-8 is an input error. */
export function decodeText(src: SourceBytes): string {
  try {
    return decoder.decode(src.bytes);
  } catch (e) {
    // V8's longest string is 2^29 - 24 characters (~512 MiB): a larger text file cannot be held as one
    if (src.bytes.length > MAX_TEXT_BYTES || (e as Error).name === 'RangeError') {
      throw textTooLarge(src.name, `${(src.bytes.length / 2 ** 20).toFixed(0)} MiB`);
    }
    throw new InputError(src.name, NOT_UTF8);
  }
}

/** The longest text read as one string: V8's longest string, 2^29 - 24 UTF-16 code units (~512 MiB). */
export const MAX_TEXT_BYTES = 2 ** 29 - 24;

/** A text input over MAX_TEXT_BYTES; `size` says how large ("600 MiB", "more than 512 MiB"). */
export function textTooLarge(name: string, size: string): InputError {
  return new InputError(
    name,
    `${size} is too large to read as one text (the limit is 512 MiB): for mean or sum without gradients, ` +
      'a CSV or a flat JSON array file streams; otherwise save the tensor as .npy',
  );
}

export async function readJsonDocument(src: SourceBytes): Promise<JsonDocument> {
  return parseJson(decodeText(src), src.name);
}

/**
 * A file spec with an optional member or column selector: `data.npz:logits`, `model.safetensors:targets`,
 * `step.pt:logits`, `preds.csv:logit_*`, `samples.jsonl:meta.label`, `eval/:logit` (a directory of tables).
 * The part after ':' is split off only after those extensions (or a trailing slash), so ordinary paths with
 * colons are left alone; an archive's member holds no ':', '/' or '\\', a table's selector may (quoted names).
 */
export function splitMember(spec: string): { path: string; member?: string } {
  const m =
    /^(.+\.(?:npz|safetensors|pt|pth)):([^/\\:]+)$/i.exec(spec) ??
    /^(.+\.(?:csv|tsv|txt|jsonl|ndjson|parquet)):(.+)$/is.exec(spec) ??
    /^(.+[/\\]):(.+)$/s.exec(spec);
  return m ? { path: m[1], member: m[2] } : { path: spec };
}

/**
 * A CSV file by the engine asked for: `auto` (the default) scans it with the fast engine and hands what that
 * does not handle (quotes, odd line ends) to csv-parse; `fast` refuses such files; `csv-parse` always uses it.
 */
async function readCsv(src: SourceBytes, options: ReadOptions): Promise<Tensor> {
  const csv = options.csv ?? {};
  const engine = csv.engine ?? 'auto';
  if (engine !== 'csv-parse') {
    // invalid UTF-8 is refused with decodeText's words before either engine looks at the text
    if (!isUtf8(src.bytes)) decodeText(src);
    const { CsvFallback } = await import('./csv-fast.js');
    const { readCsvBytes } = await import('./csv-source.js');
    // a bar on a terminal when the scan takes more than about 2 s
    const progress = options.progress?.(src.bytes.length);
    try {
      return await readCsvBytes(src.bytes, src.name, csv, progress && ((n) => progress.add(n)));
    } catch (e) {
      if (!(e instanceof CsvFallback)) throw e;
      if (engine === 'fast') throw new InputError(src.name, `${e.message}: the fast CSV engine does not read it (try --csv-engine auto)`);
    } finally {
      progress?.finish();
    }
  }
  // csv-parse reads one string, and V8's longest string is 2^29 - 24 characters
  if (src.bytes.length > MAX_TEXT_BYTES) {
    throw new InputError(src.name, 'larger than 512 MiB, too large for csv-parse; the fast CSV engine reads it if it has no quoted cells');
  }
  const { parseCsv } = await import('./csv.js');
  return parseCsv(decodeText(src), src.name, csv);
}

/**
 * Opens a multi-tensor file (npz, safetensors, pt): a member's shape is read from its header (a .pt file's
 * pickle) when it is opened, and its data when it is loaded, so that shapes are checked before anything is
 * inflated or decoded.
 */
export async function openArchive(src: SourceBytes, format: 'npz' | 'safetensors' | 'pt'): Promise<Map<string, Member>> {
  if (format === 'npz') return (await import('./npz.js')).openNpz(src.bytes, src.name);
  if (format === 'pt') return (await import('./pt.js')).openPtMembers(src.bytes, src.name);
  return (await import('./safetensors.js')).openSafetensors(src.bytes, src.name);
}

/** Member names for a message: escaped, the first 20 of them. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).map(printableName).join(', ');
  return names.length > 20 ? `${shown}, ... (${names.length} in all)` : shown;
}

/** Picks one tensor of an archive: the member asked for, else the one named like the role, else the only one. */
function pickMember(members: Map<string, Member>, src: SourceBytes, member: string | undefined, role: string): Member {
  const names = [...members.keys()];
  const list = names.length > 0 ? listNames(names) : 'none';
  if (member !== undefined) {
    const t = members.get(member);
    if (t === undefined) throw new InputError(src.name, `no tensor named ${quote(member)} (it has: ${list})`);
    return t;
  }
  const byRole = members.get(role);
  if (byRole !== undefined) return byRole;
  if (members.size === 1) return members.values().next().value as Member;
  throw new InputError(src.name, `holds ${members.size} tensors (${list}): pick one as ${src.name}:NAME`);
}

/**
 * Opens one tensor from a source in any supported format: an .npz or .safetensors member is read when it is
 * loaded; the other formats are read now. `role` (logits, targets, weight, pos_weight) picks the member of an
 * archive when none is named.
 */
export async function openTensor(
  src: SourceBytes,
  options: ReadOptions = {},
  member?: string,
  role = '',
): Promise<Declared> {
  const format = detectFormat(src, options.inputFormat);
  switch (format) {
    case 'json': {
      const doc = parseJson(decodeText(src), src.name);
      if (doc.kind !== 'tensor') {
        throw new InputError(src.name, 'expected a tensor (a number or nested arrays), found an object; pass a bundle as the first argument instead');
      }
      return inMemory(doc.tensor);
    }
    case 'csv':
      return inMemory(await readCsv(src, options));
    case 'npy':
      return inMemory((await import('./npy.js')).readNpy(src.bytes, src.name));
    case 'npz':
    case 'safetensors':
    case 'pt':
      return pickMember(await openArchive(src, format), src, member, role).open();
  }
}

/** Reads one tensor from a source in any supported format (openTensor, then its data). */
export async function readTensor(
  src: SourceBytes,
  options: ReadOptions = {},
  member?: string,
  role = '',
): Promise<Tensor> {
  return (await openTensor(src, options, member, role)).load();
}

/** A comma-separated list of numbers given on the command line -> a 1-D tensor, or undefined when it is not one. */
export function parseList(text: string): Tensor | undefined {
  const parts = text.split(',').map((s) => s.trim());
  const values: number[] = [];
  for (const p of parts) {
    const x = parseNumber(p);
    if (x === undefined) return undefined;
    values.push(x);
  }
  return { data: Float64Array.from(values), shape: [values.length] };
}
