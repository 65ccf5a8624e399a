/** Runs bce in-process against a fake Io: real files, a given stdin, captured stdout and stderr. */
import { readFile } from 'node:fs/promises';
import { run } from '../../src/run.js';
import type { Io } from '../../src/io/source.js';

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
  readStdin: async () => new Uint8Array(),
  stdinIsTTY: true,
  stdoutIsTTY: false,
  stderrIsTTY: false,
  env: {},
  writeStdout: async () => undefined,
  writeFileAtomic: async () => undefined,
  warn: () => undefined,
};
