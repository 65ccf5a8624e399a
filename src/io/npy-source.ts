/**
 * An .npy file read in chunks: its header once (./npy.ts), then its elements a block at a time, decoded as the
 * in-memory reader decodes them (./elements.ts).
 */
import { InputError } from '../errors.js';
import { checkNpyLength, readNpyHeader } from './npy.js';
import type { NpyHeader } from './npy.js';
import { decodeElements, isHostFloat64 } from './elements.js';
import type { OpenFile } from './source.js';
import type { ElementSource, OnBytes } from './chunked-file.js';

/** The bytes of an .npy file that always hold its header (numpy caps it at 10000 characters). */
export const NPY_HEAD_BYTES = 65536;

export class NpySource implements ElementSource {
  private header!: NpyHeader;
  private count = 0;
  private done = 0;
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly file: OpenFile,
    readonly where: string,
    private readonly size: number,
    private readonly onBytes: OnBytes,
  ) {}

  /** Reads the header; false when the file cannot be streamed (Fortran order). Throws InputError. */
  async start(): Promise<boolean> {
    const head = Buffer.allocUnsafe(Math.min(this.size, NPY_HEAD_BYTES));
    await this.file.read(head, 0, head.length, 0);
    this.header = readNpyHeader(head, this.where);
    this.count = checkNpyLength(this.header, this.size, this.where);
    this.onBytes(this.header.dataStart);
    return !this.header.fortranOrder || this.header.shape.filter((d) => d > 1).length <= 1;
  }

  knownShape(): number[] {
    return [...this.header.shape];
  }

  async read(dst: Float64Array): Promise<number> {
    const k = Math.min(dst.length, this.count - this.done);
    if (k <= 0) return 0;
    const { type } = this.header;
    const size = type.size;
    // float64 in the host's order: the bytes are the values, read straight into dst
    const direct = isHostFloat64(type);
    if (!direct && this.buf.length < k * size) this.buf = Buffer.allocUnsafe(k * size);
    const buf = direct ? new Uint8Array(dst.buffer, dst.byteOffset, k * 8) : this.buf.subarray(0, k * size);
    const at = this.header.dataStart + this.done * size;
    let got = 0;
    while (got < buf.length) {
      const bytesRead = await this.file.read(buf, got, buf.length - got, at + got);
      if (bytesRead === 0) throw new InputError(`${this.where}: byte ${at + got}`, 'the file got shorter while it was read');
      got += bytesRead;
    }
    this.onBytes(got);
    if (!direct) dst.set(decodeElements(buf, 0, k, type, this.where));
    this.done += k;
    return k;
  }

  shape(): number[] {
    return [...this.header.shape];
  }
}
