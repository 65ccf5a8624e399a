/** Runs bce in-process against a fake Io: real files, a given stdin, captured stdout and stderr. */
import { open, readFile, stat } from 'node:fs/promises';
import { run } from '../../src/run.js';
import type { Io, OpenFile } from '../../src/io/source.js';

/** Io.openFile over real files: a regular file, or undefined. */
async function openFile(path: string): Promise<OpenFile | undefined> {
  if (!(await stat(path).catch(() => undefined))?.isFile()) return undefined;
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  return {
    size,
    read: async (buf, offset, length, position) => (await fh.read(buf, offset, length, position)).bytesRead,
    close: () => fh.close(),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** files written with -o */
  files: Map<string, string>;
}

export async function runBce(argv: string[], options: { stdin?: string | Uint8Array; env?: Record<string, string> } = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>();
  const io: Io = {
    readFile: (path) => readFile(path),
    openFile,
    readStdin: async () => (typeof options.stdin === 'string' ? new TextEncoder().encode(options.stdin) : (options.stdin ?? new Uint8Array())),
    stdinIsTTY: options.stdin === undefined,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: options.env ?? {},
    writeStdout: async (chunks) => {
      for (const c of chunks) stdout += c;
    },
    writeFileAtomic: async (path, chunks) => {
      let text = '';
      for (const c of chunks) text += c;
      files.set(path, text);
    },
    warn: (line) => {
      stderr += `${line}\n`;
    },
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, files };
}

/** An Io over real files that discards every output: for calling readers and the streaming path directly. */
export const filesOnlyIo: Io = {
  readFile: (path) => readFile(path),
  openFile,
  readStdin: async () => new Uint8Array(),
  stdinIsTTY: true,
  stdoutIsTTY: false,
  stderrIsTTY: false,
  env: {},
  writeStdout: async () => undefined,
  writeFileAtomic: async () => undefined,
  warn: () => undefined,
};
