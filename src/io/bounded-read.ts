/**
 * Reading a source whose size is not known up front (stdin, a pipe, a FIFO, a character device) in memory
 * that does not grow without end. The first bytes pick the format (the name's extension first, then the
 * content, as for files); then:
 * - JSON and CSV text is read up to MAX_TEXT_BYTES, and refused as soon as a NUL byte, invalid UTF-8 at the
 *   start, or JSON nested deeper than a tensor can be is seen;
 * - NPY and safetensors are read to the size their header declares and no further;
 * - anything else (NPZ) up to MAX_BINARY_BYTES.
 * A stream past its limit is refused after reading at most the limit (plus one chunk, not kept).
 */
import { InputError } from '../errors.js';
import { MAX_RANK } from './json.js';
import {
  MAX_TEXT_BYTES,
  SAFETENSORS_READ_MAX_HEADER,
  decodeText,
  formatOfName,
  safetensorsHeaderLength,
  sniffFormat,
  textTooLarge,
} from './read-tensor.js';
import type { TensorFormat } from './read-tensor.js';

/** The most bytes of binary input (NPY, NPZ, safetensors) read from a stream: 2 GiB, as Node reads from a file. */
export const MAX_BINARY_BYTES = 2 ** 31 - 1;
/** The first bytes looked at before reading on. */
export const HEAD_BYTES = 64 * 1024;

/** Pulls chunks from an async source, keeping them, until a byte count or the end is reached. */
class Chunks {
  readonly parts: Uint8Array[] = [];
  length = 0;
  ended = false;
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Reads until at least n bytes are held or the source ends; `check` sees each new chunk and its offset. */
  async fill(n: number, check?: (chunk: Uint8Array, offset: number) => void): Promise<void> {
    while (this.length < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      const chunk = r.value;
      check?.(chunk, this.length);
      this.parts.push(chunk);
      this.length += chunk.length;
    }
  }

  /** Stops reading: the source is released (process.stdin is destroyed, a file handle closed). */
  async stop(): Promise<void> {
    if (!this.ended) await this.it.return?.();
    this.ended = true;
  }

  /** The bytes held, cut to at most n. */
  bytes(n = this.length): Uint8Array {
    const size = Math.min(n, this.length);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of this.parts) {
      if (at >= size) break;
      const take = Math.min(p.length, size - at);
      out.set(take === p.length ? p : p.subarray(0, take), at);
      at += take;
    }
    return out;
  }
}

/** The format of a stream's first bytes: by its name, else by what they look like. */
function streamFormat(name: string, head: Uint8Array): TensorFormat {
  return formatOfName(name) ?? sniffFormat(head);
}

function mib(n: number | bigint): string {
  return `${(Number(n) / 2 ** 20).toFixed(0)} MiB`;
}

/**
 * Reads a source of unknown size. `name` names it in errors (a path, or <stdin>) and, by its extension,
 * may give the format.
 * @throws InputError when it is over its limit or cannot be any format
 */
export async function readBounded(source: AsyncIterable<Uint8Array>, name: string): Promise<Uint8Array> {
  const chunks = new Chunks(source);
  try {
    await chunks.fill(HEAD_BYTES);
    const format = streamFormat(name, chunks.bytes(HEAD_BYTES));
    if (format === 'json' || format === 'csv') return await readText(chunks, name, format);
    const declared =
      format === 'npy' ? await npyLength(chunks, name) : format === 'safetensors' ? await safetensorsLength(chunks) : undefined;
    if (declared === undefined) {
      // NPZ: no size up front (the central directory is at the end)
      await chunks.fill(MAX_BINARY_BYTES + 1);
      if (chunks.length > MAX_BINARY_BYTES) throw binaryTooLarge(name, 'more than 2 GiB');
      return chunks.bytes();
    }
    if (declared > MAX_BINARY_BYTES) throw binaryTooLarge(name, `its header declares ${mib(declared)}`);
    // a stream that ends early is handed over short: the format's reader says where it ends
    await chunks.fill(declared);
    return chunks.bytes(declared);
  } finally {
    await chunks.stop();
  }
}

function binaryTooLarge(name: string, size: string): InputError {
  return new InputError(
    name,
    `${size}: too large to read from a stream (the limit for stdin, pipes and devices is 2 GiB); save it to a file`,
  );
}

/** JSON or CSV: up to MAX_TEXT_BYTES, refused at the first NUL byte, invalid UTF-8 at the start, or deep nesting. */
async function readText(chunks: Chunks, name: string, format: 'json' | 'csv'): Promise<Uint8Array> {
  const depth = format === 'json' ? new NestingCheck(name) : undefined;
  const check = (chunk: Uint8Array, offset: number): void => {
    const nul = chunk.indexOf(0);
    if (nul >= 0) throw new InputError(name, `NUL bytes at byte ${offset + nul}: binary data, not JSON or CSV text`);
    depth?.scan(chunk, offset);
  };
  let offset = 0;
  for (const part of chunks.parts) {
    check(part, offset);
    offset += part.length;
  }
  // invalid UTF-8 at the start is refused now, in decodeText's words (a sequence cut by the head's end is not)
  const head = chunks.bytes(HEAD_BYTES);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    decodeText({ name, bytes: head });
  }
  await chunks.fill(MAX_TEXT_BYTES + 1, check);
  if (chunks.length > MAX_TEXT_BYTES) throw textTooLarge(name, 'more than 512 MiB');
  return chunks.bytes();
}

/**
 * Bracket depth of JSON text outside strings, across chunks: arrays nested deeper than MAX_RANK (the JSON
 * reader's limit), or brackets deeper than a bundle object holding such a tensor, are refused at the bracket
 * that goes too deep. Valid JSON is counted exactly; invalid JSON is refused by the reader anyway.
 */
class NestingCheck {
  private arrays = 0;
  private objects = 0;
  private inString = false;
  private escaped = false;
  constructor(private readonly name: string) {}

  scan(b: Uint8Array, offset: number): void {
    let { arrays, objects, inString, escaped } = this;
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x5b) arrays++;
      else if (c === 0x7b) objects++;
      else if (c === 0x5d) arrays = Math.max(0, arrays - 1);
      else if (c === 0x7d) objects = Math.max(0, objects - 1);
      else continue;
      if (arrays > MAX_RANK || arrays + objects > MAX_RANK + 1) {
        throw new InputError(
          `${this.name}: byte ${offset + i}`,
          `JSON nested deeper than ${MAX_RANK} levels (a tensor has at most ${MAX_RANK} dimensions)`,
        );
      }
    }
    Object.assign(this, { arrays, objects, inString, escaped });
  }
}

/** NPY: the header's end plus itemsize * numel, or the bytes held when the header is bad (its reader says why). */
async function npyLength(chunks: Chunks, name: string): Promise<number | undefined> {
  const { readNpyHeader } = await import('./npy.js');
  const head = chunks.bytes(HEAD_BYTES);
  let header;
  try {
    header = readNpyHeader(head, name);
  } catch (e) {
    // the whole stream was read: its reader words the error
    if (chunks.ended) return chunks.length;
    // every header numpy writes or reads fits in the head: one that ends past it is refused by its length
    const start = head[6] === 1 ? 10 : 12;
    const declared = head[6] === 1 ? head[8] | (head[9] << 8) : new DataView(head.buffer, head.byteOffset).getUint32(8, true);
    if (start + declared > head.length) {
      throw new InputError(`${name}: byte 8`, `the .npy header declares ${declared} bytes; numpy reads headers of at most 10000 characters`);
    }
    throw e;
  }
  let numel = 1n;
  for (const d of header.shape) numel *= BigInt(d);
  const total = BigInt(header.dataStart) + numel * BigInt(header.type.size);
  return Number(total);
}

/** safetensors: 8 + the header length + the largest data offset, or the bytes held when the header is bad. */
async function safetensorsLength(chunks: Chunks): Promise<number> {
  const head = chunks.bytes(HEAD_BYTES);
  if (head.length < 8) return chunks.length;
  const n = safetensorsHeaderLength(head);
  // a header bce does not parse: what is held goes to the safetensors reader, which says so
  if (n > SAFETENSORS_READ_MAX_HEADER) return chunks.length;
  await chunks.fill(8 + n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(chunks.bytes(8 + n).subarray(8)));
  } catch {
    return Math.min(chunks.length, 8 + n);
  }
  let end = 0;
  for (const entry of Object.values(header as Record<string, unknown>)) {
    const offsets = (entry as { data_offsets?: unknown } | null)?.data_offsets;
    if (Array.isArray(offsets) && typeof offsets[1] === 'number' && offsets[1] > end) end = offsets[1];
  }
  return 8 + n + end;
}
