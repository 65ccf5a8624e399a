/**
 * The process boundary, and the only file that touches `process`: argv, stdin/stdout/stderr, the exit
 * code, a closed pipe, output failures, signals. It builds the real Io and hands it to run.ts, which maps
 * errors to exit codes.
 */
import { access, lstat, open, readlink, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { constants, readSync, unlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { STDIN_NAME } from './io/source.js';
import type { Io } from './io/source.js';
import { listDir } from './io/list-dir.js';
import { readBounded } from './io/bounded-read.js';
import { isEpipe, run } from './run.js';
import { BceError, ExitCode, OutputError, UsageError, printableName } from './errors.js';

/** Set when stdout was closed by its reader (`bce ... | head`): stop writing, exit quietly. */
let stdoutClosed = false;
/** The first failure writing stdout other than EPIPE (a full disk, an I/O error). */
let stdoutFailure: NodeJS.ErrnoException | undefined;

/** Reads a path: a regular file whole (its size is known), anything else (a FIFO, a device) bounded. */
async function readPath(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    // a directory fails here with EISDIR, as before
    if (st.isFile() || st.isDirectory()) return await fh.readFile();
    return await readBounded(chunksOf(fh), path);
  } finally {
    await fh.close();
  }
}

async function* chunksOf(fh: FileHandle): AsyncGenerator<Uint8Array> {
  for (;;) {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

/** The words for a failed write or open, without Node's `ENOSPC: ..., write` framing. */
const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EBADF: 'bad file descriptor (it is closed)',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return REASONS[err.code ?? ''] ?? String(err.message ?? e).replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '');
}

/** Failures that mean the data could not be stored, whatever was being done: exit 74 rather than 2. */
const STORAGE_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EFBIG']);

function onStdoutError(e: NodeJS.ErrnoException): void {
  if (isEpipe(e)) stdoutClosed = true;
  // the stream's own "destroyed" follow-up errors do not hide the system error that caused them
  else if (stdoutFailure === undefined || stdoutFailure.code?.startsWith('ERR_')) stdoutFailure = e;
}

function checkStdout(): void {
  if (stdoutFailure !== undefined && !stdoutClosed) throw new OutputError(`stdout: ${reasonOf(stdoutFailure)}`);
}

async function writeStdout(chunks: Iterable<string | Uint8Array>): Promise<void> {
  const out = process.stdout;
  for (const chunk of chunks) {
    if (stdoutClosed) return;
    checkStdout();
    let flowing: boolean;
    try {
      // a file or a terminal is written synchronously, and may throw here
      flowing = out.write(chunk);
    } catch (e) {
      onStdoutError(e as NodeJS.ErrnoException);
      break;
    }
    if (!flowing) await drained(out);
  }
  // the last write's callback: a failure in flushing is seen now, not lost at exit
  await new Promise<void>((done) => {
    try {
      out.write('', (e) => {
        if (e) onStdoutError(e);
        done();
      });
    } catch (e) {
      onStdoutError(e as NodeJS.ErrnoException);
      done();
    }
  });
  await new Promise((done) => setImmediate(done));
  checkStdout();
}

function drained(out: NodeJS.WriteStream): Promise<void> {
  return new Promise<void>((resolve) => {
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

/** Temp files of -o not yet renamed into place: removed on a signal or at exit, whatever ends the process. */
const temps = new Set<string>();
const SIGNAL_EXITS = { SIGHUP: ExitCode.hangup, SIGINT: ExitCode.interrupt, SIGTERM: ExitCode.terminated } as const;

function removeTemps(): void {
  for (const tmp of temps) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  temps.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeTemps();
  process.exit(SIGNAL_EXITS[signal as keyof typeof SIGNAL_EXITS]);
}

/**
 * The signal handlers are in place only while a temp file exists: at other times a signal ends bce at once
 * (a handler would wait for a long computation to yield), and there is nothing to clean up.
 */
function trackTemp(tmp: string, on: boolean): void {
  if (on) temps.add(tmp);
  else temps.delete(tmp);
  for (const signal of Object.keys(SIGNAL_EXITS)) {
    if (on && temps.size === 1) process.on(signal, onSignal);
    if (!on && temps.size === 0) process.off(signal, onSignal);
  }
}

/** The file a path names, following symlinks (a dangling one names the file it would create). */
async function finalTarget(path: string): Promise<string> {
  let p = path;
  for (let hops = 0; hops < 40; hops++) {
    const st = await lstat(p).catch(() => undefined);
    if (!st?.isSymbolicLink()) return p;
    p = resolve(dirname(p), await readlink(p));
  }
  throw new UsageError(`-o ${printableName(path)}: cannot write there: ${REASONS.ELOOP}`);
}

/** An error of -o PATH: storage failures exit 74, a place that cannot be written exits 2. */
function outputFailure(path: string, e: unknown, opening: boolean, reasons: Record<string, string> = {}): BceError {
  if (e instanceof BceError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const reason = reasons[code] ?? reasonOf(e);
  const shown = printableName(path);
  if (!opening || STORAGE_FAILURES.has(code)) return new OutputError(`-o ${shown}: ${reason}`);
  return new UsageError(`-o ${shown}: cannot write there: ${reason}`);
}

async function writeChunks(handle: FileHandle, chunks: Iterable<string | Uint8Array>): Promise<void> {
  for (const chunk of chunks) {
    if (typeof chunk === 'string') await handle.write(chunk);
    // a write may take part of the bytes (a pipe): the rest follows
    else for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at)).bytesWritten;
  }
}

/**
 * -o: a regular file (or a new one) is written to a temporary file beside it and renamed over it, so a
 * failure or a signal leaves the old file whole. The new file keeps the old one's mode and, where the
 * process may set them, its owner and group. A symlink is followed and its target replaced, the link kept.
 * Anything else that exists (/dev/null, a FIFO) is written in place: renaming over a device would replace
 * the device with a plain file.
 */
async function writeFileAtomic(path: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const target = await finalTarget(path);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`-o ${printableName(path)}: cannot write there: ${REASONS.EISDIR}`);
  if (existing !== undefined && !existing.isFile()) return writeInPlace(path, target, chunks);
  if (existing !== undefined) {
    await access(target, constants.W_OK).catch((e) => {
      throw outputFailure(path, e, true, { EACCES: 'the file is not writable' });
    });
  }
  // the name's start only: a name of 255 bytes, the most a folder holds, leaves no room for the suffix
  const tmp = join(dirname(target), `.${Buffer.from(basename(target)).subarray(0, 200).toString()}.${process.pid}.${Date.now()}.tmp`);
  // tracked from before it exists: a signal while it is being created removes it too
  trackTemp(tmp, true);
  const handle = await open(tmp, 'wx', existing ? existing.mode & 0o7777 : 0o666).catch((e) => {
    trackTemp(tmp, false);
    throw outputFailure(path, e, true, { EACCES: 'its folder is not writable', EPERM: 'its folder is not writable' });
  });
  try {
    if (existing !== undefined) await keepOwnerAndMode(handle, existing);
    await writeChunks(handle, chunks);
    await handle.datasync();
    await handle.close();
    await rename(tmp, target);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw outputFailure(path, e, false);
  } finally {
    trackTemp(tmp, false);
  }
}

/** The replaced file's owner and group (where the process may set them), then its mode, which umask cut. */
async function keepOwnerAndMode(handle: FileHandle, old: Stats): Promise<void> {
  const mine = await handle.stat();
  if (mine.uid !== old.uid || mine.gid !== old.gid) {
    await handle.chown(old.uid, old.gid).catch(async () => {
      // not allowed to give the file away: keep the group at least, when it is one of ours
      await handle.chown(mine.uid, old.gid).catch(() => undefined);
    });
  }
  await handle.chmod(old.mode & 0o7777);
}

async function writeInPlace(path: string, target: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const handle = await open(target, 'w').catch((e) => {
    throw outputFailure(path, e, true);
  });
  try {
    await writeChunks(handle, chunks);
  } catch (e) {
    throw outputFailure(path, e, false);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** One line on stderr; a stderr that cannot be written (a full disk) leaves the exit code to speak. */
function writeStderr(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // nowhere left to say it
  }
}

function realIo(): Io {
  return {
    readFile: readPath,
    openFile: async (path) => {
      // a FIFO or a device is not even opened: opening and closing a FIFO would lose what its writer sent
      if (!(await stat(path).catch(() => undefined))?.isFile()) return undefined;
      const fh = await open(path, 'r').catch(() => undefined);
      if (fh === undefined) return undefined;
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        return undefined;
      }
      return {
        size: st.size,
        // read on this thread: an asynchronous read goes through libuv's pool and back, two switches of
        // threads that cost more than copying a chunk from the page cache, and far more on a busy machine
        read: async (buf, offset, length, position) => readSync(fh.fd, buf, offset, length, position),
        close: () => fh.close(),
      };
    },
    listDir,
    readStdin: () => readBounded(process.stdin, STDIN_NAME),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    writeStdout,
    writeFileAtomic,
    writeStderr,
    warn: (line) => writeStderr(`${line}\n`),
  };
}

export async function main(argv: readonly string[]): Promise<void> {
  process.stdout.on('error', onStdoutError);
  process.stderr.on('error', () => undefined);
  process.on('exit', removeTemps);
  process.exitCode = await run(argv, realIo());
}

// Not awaited at the top level: the CLI is bundled as CommonJS, which Node starts faster and which has no
// top-level await (bin/build.mjs); main() handles every error itself.
void main(process.argv.slice(2));
