/**
 * The process boundary, and the only file that touches `process`: argv, stdin/stdout/stderr, the exit
 * code, a closed pipe. It builds the real Io and hands it to run.ts, which maps errors to exit codes.
 */
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Io } from './io/source.js';
import { isEpipe, run } from './run.js';
import { UsageError } from './errors.js';

/** Set when stdout was closed by its reader (`bce ... | head`): stop writing, exit quietly. */
let stdoutClosed = false;

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function writeStdout(chunks: Iterable<string>): Promise<void> {
  const out = process.stdout;
  for (const chunk of chunks) {
    if (stdoutClosed) return;
    if (!out.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          out.off('error', done);
          resolve();
        };
        out.once('drain', done);
        out.once('close', done);
        out.once('error', done);
      });
    }
  }
}

const WRITE_FAILURES: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/**
 * -o: a regular file (or a new one) is written to a temporary file beside it and renamed over it, so a
 * failure leaves the old file whole. Anything else that exists (/dev/null, /dev/stdout, a FIFO) is
 * written in place: renaming over a device would replace the device with a plain file.
 */
async function writeFileAtomic(path: string, chunks: Iterable<string>): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    const direct = await open(path, 'w');
    try {
      for (const chunk of chunks) await direct.write(chunk);
    } finally {
      await direct.close();
    }
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, 'wx').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`-o ${path}: cannot write there: ${WRITE_FAILURES[e.code ?? ''] ?? e.message}`);
  });
  try {
    for (const chunk of chunks) await handle.write(chunk);
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

function realIo(): Io {
  return {
    readFile: (path) => readFile(path),
    readStdin,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    writeStdout,
    writeFileAtomic,
    writeStderr: (text) => {
      process.stderr.write(text);
    },
    warn: (line) => {
      process.stderr.write(`${line}\n`);
    },
  };
}

export async function main(argv: readonly string[]): Promise<void> {
  process.stdout.on('error', (e) => {
    if (isEpipe(e)) stdoutClosed = true;
    else throw e;
  });
  process.exitCode = await run(argv, realIo());
}

// Not awaited at the top level: the CLI is bundled as CommonJS, which Node starts faster and which has no
// top-level await (bin/build.mjs); main() handles every error itself.
void main(process.argv.slice(2));
