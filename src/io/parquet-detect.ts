/**
 * Whether an input is a Parquet table: a `.parquet` name, a directory (of part files), or a file that
 * starts with Parquet's magic bytes. Cheap: hyparquet is not loaded for it.
 */
import type { Io } from './source.js';

/** 'PAR1', at both ends of a Parquet file. */
export const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31] as const;

/** Whether bytes (a file's head) start with PAR1. */
export function hasParquetMagic(b: Uint8Array): boolean {
  return b.length >= 4 && PARQUET_MAGIC.every((m, i) => b[i] === m);
}

/** Whether a name ends in .parquet (any case). */
export function isParquetName(path: string): boolean {
  return /\.parquet$/i.test(path);
}

/** Whether `path` is a Parquet table: a .parquet name, a directory, or a regular file starting with PAR1. */
export async function isParquetTable(io: Io, path: string): Promise<boolean> {
  if (isParquetName(path)) return true;
  if ((await io.listDir?.(path)) !== undefined) return true;
  const file = await io.openFile(path);
  if (file === undefined) return false;
  try {
    const head = new Uint8Array(4);
    return (await file.read(head, 0, 4, 0)) === 4 && hasParquetMagic(head);
  } finally {
    await file.close();
  }
}
