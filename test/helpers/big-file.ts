/** Large generated inputs, written piece by piece so that the test never holds the whole file in memory. */
import { closeSync, openSync, writeSync } from 'node:fs';

/** A run of `length` copies of one byte. */
export interface Run {
  byte: number;
  length: number;
}

/** `times` copies of a short pattern, one after the other. */
export interface Repeat {
  pattern: string;
  times: number;
}

const PIECE = 4 * 2 ** 20;

/** Writes the parts one after the other: bytes as given, runs and repeats from one buffer of at most 4 MiB. */
export function writeBig(path: string, parts: readonly (Uint8Array | Run | Repeat)[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const part of parts) {
      if (part instanceof Uint8Array) writeAll(fd, part);
      else if ('pattern' in part) writeRepeat(fd, Buffer.from(part.pattern, 'utf8'), part.times);
      else writeRepeat(fd, Buffer.of(part.byte), part.length);
    }
  } finally {
    closeSync(fd);
  }
}

/** `times` copies of `unit`, written from a buffer of as many whole copies as fit in PIECE. */
function writeRepeat(fd: number, unit: Buffer, times: number): void {
  const perPiece = Math.max(1, Math.min(times, Math.floor(PIECE / unit.length)));
  const piece = Buffer.alloc(perPiece * unit.length, unit);
  for (let left = times; left > 0; left -= perPiece) writeAll(fd, piece.subarray(0, Math.min(left, perPiece) * unit.length));
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}
