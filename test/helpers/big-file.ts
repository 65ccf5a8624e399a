/** Large generated inputs, written piece by piece so that the test never holds the whole file in memory. */
import { closeSync, openSync, writeSync } from 'node:fs';

/** A run of `length` copies of one byte. */
export interface Run {
  byte: number;
  length: number;
}

const PIECE = 4 * 2 ** 20;

/** Writes the parts one after the other: bytes as given, runs from one buffer of at most 4 MiB. */
export function writeBig(path: string, parts: readonly (Uint8Array | Run)[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const part of parts) {
      if (part instanceof Uint8Array) {
        writeAll(fd, part);
        continue;
      }
      const piece = Buffer.alloc(Math.min(PIECE, part.length), part.byte);
      for (let left = part.length; left > 0; left -= piece.length) writeAll(fd, piece.subarray(0, Math.min(left, piece.length)));
    }
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}
