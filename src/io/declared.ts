/**
 * Tensors whose shape is known before their data is read (an archive member: its header declares it), and
 * the one place that allocates a tensor of a declared shape, so that running out of memory is its own error.
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../core/tensor.js';
import { numel } from '../core/tensor.js';
import { PARALLEL_MIN_ELEMENTS } from '../core/pool.js';

/** A tensor's declared shape, and its data read (inflated, decoded) only when `load` is called. */
export interface Declared {
  readonly shape: readonly number[];
  /** reads the data; may throw InputError (corrupt data, not enough memory) */
  load(): Tensor;
}

/** A member of an archive: opening it reads and checks its header only, so unused members cost nothing. */
export interface Member {
  open(): Declared;
}

/** A tensor already in memory, as a Declared. */
export function inMemory(t: Tensor): Declared {
  return { shape: t.shape, load: () => t };
}

/** A Declared known already, as a Member. */
export function opened(d: Declared): Member {
  return { open: () => d };
}

export function isMember(v: unknown): v is Member {
  return typeof v === 'object' && v !== null && typeof (v as Member).open === 'function';
}

/** Bytes in the largest unit that keeps them at 1 or more: 512 bytes, 3 KiB, 2 GiB, 1.5 TiB. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${Number(v.toFixed(1))} ${units[u]}`;
}

/** The error for a tensor that cannot be held: `not enough memory for a [268435456] tensor (2 GiB)`. */
export function notEnoughMemory(shape: readonly number[], where: string): InputError {
  return new InputError(where, `not enough memory for a [${shape.join(', ')}] tensor (${formatBytes(8 * numel(shape))})`);
}

/** True for the RangeError a failed ArrayBuffer or Buffer allocation raises (not a buffer-length limit of zlib). */
export function isAllocationFailure(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE';
}

let onShared: ((n: number) => void) | undefined;

/**
 * `f` runs with the element count of each tensor allocated in shared memory, before its data is read: the
 * CLI starts its worker threads then, so that they boot while the inputs are read.
 */
export function onSharedTensor(f: ((n: number) => void) | undefined): void {
  onShared = f;
}

/**
 * A zero-filled Float64Array for a tensor of `shape`. Tensors big enough for several threads
 * (PARALLEL_MIN_ELEMENTS) are in shared memory, so that worker threads read them where they are.
 *
 * @throws InputError `not enough memory for a [shape] tensor (size)` when the host cannot allocate it.
 */
export function allocateTensor(shape: readonly number[], where: string): Float64Array {
  try {
    const n = numel(shape);
    if (n < PARALLEL_MIN_ELEMENTS) return new Float64Array(n);
    const shared = new Float64Array(new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT));
    onShared?.(n);
    return shared;
  } catch (err) {
    if (isAllocationFailure(err)) throw notEnoughMemory(shape, where);
    throw err;
  }
}
