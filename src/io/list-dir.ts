/**
 * Io.listDir over the file system: main.ts puts it in the real Io, and tests in theirs. Readers never call
 * it directly: they go through the Io they are given.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirEntry } from './source.js';

/** A directory's entries, symlinks resolved to what they point to; undefined for anything but a directory. */
export async function listDir(path: string): Promise<DirEntry[] | undefined> {
  if (!(await stat(path).catch(() => undefined))?.isDirectory()) return undefined;
  const entries = await readdir(path, { withFileTypes: true });
  return Promise.all(
    entries.map(async (e) => ({
      name: e.name,
      isDirectory: e.isSymbolicLink() ? Boolean((await stat(join(path, e.name)).catch(() => undefined))?.isDirectory()) : e.isDirectory(),
    })),
  );
}
