/**
 * The process boundary, and the only file that touches `process`: argv, stdin/stdout/stderr, exit
 * codes, a closed pipe. Every error class maps to its exit code here, in one place.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { parseArgv } from './cli.js';
import { BceError, ExitCode } from './errors.js';
import type { Io } from './io/source.js';
import { runCompute } from './commands/compute.js';

/** Set when stdout was closed by its reader (`bce ... | head`): stop writing, exit quietly. */
let stdoutClosed = false;

function isEpipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

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

async function writeFileAtomic(path: string, chunks: Iterable<string>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, 'w');
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
  try {
    const inv = parseArgv(argv);
    if (inv.kind === 'exit') {
      if (inv.stdout) process.stdout.write(inv.stdout);
      if (inv.stderr) process.stderr.write(inv.stderr);
      process.exitCode = inv.code;
      return;
    }
    if (inv.kind === 'verify') {
      // loaded only when used, like the table writer: bce's own start-up does not pay for it
      const { runVerify } = await import('./commands/verify.js');
      process.exitCode = await runVerify(inv.options, realIo());
      return;
    }
    process.exitCode = await runCompute(inv.options, realIo());
  } catch (e) {
    if (isEpipe(e)) {
      process.exitCode = ExitCode.ok;
      return;
    }
    if (e instanceof BceError) {
      process.stderr.write(`bce: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) && err.syscall) {
      // an operating-system failure (disk full, permission on the output...): say it in one line
      process.stderr.write(`bce: ${err.path ? `${err.path}: ` : ''}${err.message.replace(/^[A-Z]+: /, '')}\n`);
      process.exitCode = ExitCode.input;
      return;
    }
    process.stderr.write(`bce: internal error (a bug in bce; please report it)\n${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = ExitCode.internal;
  }
}

await main(process.argv.slice(2));
