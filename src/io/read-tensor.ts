/**
 * Bytes -> Tensor or bundle: picks the format by extension, else by sniffing the content, then hands
 * the bytes to that format's reader.
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { SourceBytes } from './source.js';
import { parseJson } from './json.js';
import type { JsonDocument } from './json.js';
import { parseNumber } from './number.js';

export type TensorFormat = 'json' | 'csv';

const EXTENSIONS: Record<string, TensorFormat> = { json: 'json', csv: 'csv', tsv: 'csv', txt: 'csv' };

/** The format of a source: by extension, else JSON when the first non-space byte is '[' or '{', else CSV. */
export function detectFormat(src: SourceBytes): TensorFormat {
  const m = /\.([A-Za-z0-9]+)$/.exec(src.name);
  const byExt = m ? EXTENSIONS[m[1].toLowerCase()] : undefined;
  if (byExt) return byExt;
  const b = src.bytes;
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return b[i] === 0x5b || b[i] === 0x7b ? 'json' : 'csv';
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** UTF-8 bytes -> text without a BOM; invalid UTF-8 is an input error. */
export function decodeText(src: SourceBytes): string {
  try {
    return decoder.decode(src.bytes);
  } catch {
    throw new InputError(src.name, 'not UTF-8 text (is it a binary file?)');
  }
}

export async function readJsonDocument(src: SourceBytes): Promise<JsonDocument> {
  return parseJson(decodeText(src), src.name);
}

/** Reads one tensor from a source in any supported format. */
export async function readTensor(src: SourceBytes): Promise<Tensor> {
  const format = detectFormat(src);
  if (format === 'json') {
    const doc = parseJson(decodeText(src), src.name);
    if (doc.kind !== 'tensor') {
      throw new InputError(src.name, 'expected a tensor (a number or nested arrays), found an object; pass a bundle as the first argument instead');
    }
    return doc.tensor;
  }
  const { parseCsv } = await import('./csv.js');
  return parseCsv(decodeText(src), src.name);
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
