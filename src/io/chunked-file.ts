/**
 * What the sources share: the ElementSource they implement, a file read forward in chunks into one buffer (so
 * that memory does not depend on the file's size), bytes in memory seen as a file, and a source drained whole.
 */
import { InputError } from '../errors.js';
import type { OpenFile } from './source.js';
import { NOT_UTF8 } from './read-tensor.js';

/** Bytes read from a file at a time. */
export const READ_BYTES = 1 << 20;

/** A tensor's values in order, a block at a time. */
export interface ElementSource {
  readonly where: string;
  /** the shape as far as it is known before the end: -1 for a dimension not known yet (CSV rows) */
  knownShape(): number[];
  /** fills dst from its start; returns how many values it got (fewer than dst.length only at the end) */
  read(dst: Float64Array): Promise<number>;
  /** the whole shape, once read() has returned fewer values than asked for */
  shape(): number[];
}

/** Bytes in memory as an OpenFile: a source reads them as it reads a file. */
export function bytesFile(bytes: Uint8Array): OpenFile {
  return {
    size: bytes.length,
    read: async (buf, offset, length, position) => {
      const n = Math.max(0, Math.min(length, bytes.length - position));
      buf.set(bytes.subarray(position, position + n), offset);
      return n;
    },
    close: async () => undefined,
  };
}

/** A source read to its end into one array (grown from `guess` values): reading in memory. */
export async function drain(source: ElementSource, guess: number): Promise<Float64Array> {
  let all = new Float64Array(Math.max(1, guess));
  let n = 0;
  const chunk = new Float64Array(Math.min(1 << 16, Math.max(1024, guess)));
  for (;;) {
    const k = await source.read(chunk);
    if (n + k > all.length) {
      const bigger = new Float64Array(Math.max(2 * all.length, n + k));
      bigger.set(all.subarray(0, n));
      all = bigger;
    }
    all.set(chunk.subarray(0, k), n);
    n += k;
    if (k < chunk.length) return n === all.length ? all : all.slice(0, n);
  }
}

/** How many bytes have been read so far, for the progress bar. */
export type OnBytes = (n: number) => void;

/**
 * A file read forward into one growing buffer: buf[0..len) holds bytes read but not yet consumed, and
 * readMore() appends up to READ_BYTES more (doubling the buffer for a record longer than it).
 */
export abstract class ChunkedFile {
  protected buf: Buffer;
  protected len = 0;
  /** file offset of the next byte to read */
  protected pos = 0;
  protected eof = false;

  constructor(
    protected readonly file: OpenFile,
    readonly where: string,
    protected readonly size: number,
    protected readonly onBytes: OnBytes,
  ) {
    // a small file gets a small buffer; readMore() grows it when it must
    this.buf = Buffer.allocUnsafe(Math.min(2 * READ_BYTES, Math.max(64, size)));
  }

  /** Appends up to READ_BYTES more of the file to buf. */
  protected async readMore(): Promise<void> {
    const want = Math.min(READ_BYTES, this.size - this.pos);
    if (want <= 0) {
      this.eof = true;
      return;
    }
    if (this.buf.length - this.len < want) {
      // a line longer than the buffer: make room for it
      const bigger = Buffer.allocUnsafe(2 * (this.len + want));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const bytesRead = await this.file.read(this.buf, this.len, want, this.pos);
    this.pos += bytesRead;
    this.len += bytesRead;
    this.onBytes(bytesRead);
    if (bytesRead === 0 || this.pos >= this.size) this.eof = true;
  }

  /**
   * Throws `e`, an error met in the text, unless the bytes not consumed yet and the rest of the file are not
   * UTF-8: the in-memory readers decode a text file whole before they read it, so that is its first error.
   */
  protected async utf8First(e: unknown): Promise<never> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    try {
      for (;;) {
        decoder.decode(this.buf.subarray(0, this.len), { stream: true });
        if (this.eof) break;
        this.len = 0;
        await this.readMore();
      }
      decoder.decode();
    } catch (d) {
      if (d instanceof TypeError) throw new InputError(this.where, NOT_UTF8);
      throw d;
    }
    throw e;
  }
}
