/**
 * Which files are Parquet: a `.parquet` name, Parquet's magic bytes, and the part files of a directory (Spark,
 * Dask, Polars and pandas output, hive-style key=value/ folders included). Cheap: hyparquet is not loaded.
 */
import { InputError, printableName } from '../errors.js';
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

/** key=value/ folders nested deeper than this are refused (a symlink loop would otherwise never end). */
const MAX_DEPTH = 32;

const isHiveFolder = (name: string): boolean => /^[^=]+=/.test(name);
const isPartFile = (name: string): boolean => isParquetName(name) && !name.startsWith('.') && !name.startsWith('_');

/**
 * The part files of a directory, relative to it, in sorted path order: its *.parquet files and those of its
 * key=value/ folders, recursively; undefined when `dir` is not a directory.
 */
export async function listParts(io: Io, dir: string): Promise<string[] | undefined> {
  const top = await io.listDir?.(dir);
  if (top === undefined) return undefined;
  const found: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = rel === '' ? top : ((await io.listDir?.(joinPath(dir, rel))) ?? []);
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (!e.isDirectory) {
        if (isPartFile(e.name)) found.push(path);
      } else if (isHiveFolder(e.name)) {
        if (depth >= MAX_DEPTH) throw new InputError(printableName(dir), `key=value folders nested deeper than ${MAX_DEPTH} levels`);
        await walk(path, depth + 1);
      }
    }
  };
  await walk('', 0);
  return found.sort();
}

export const joinPath = (dir: string, rel: string): string => (dir.endsWith('/') ? `${dir}${rel}` : `${dir}/${rel}`);
