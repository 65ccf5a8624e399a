/**
 * Running bce in tests: in-process against a fake Io (runBce, bce), and, for the few tests of the real process
 * boundary (exit codes, pipes, signals, files written with -o, the bin itself), as a spawned child (spawnBce).
 */
import { spawnSync } from 'node:child_process';
import { spawnAsync } from './spawn.js';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/run.js';
import { listDir } from '../../src/io/list-dir.js';
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
  /** the bytes written by the binary formats: to stdout (key 'stdout') or with -o */
  bytes: Map<string, Uint8Array>;
  /** the paths read whole (Io.readFile), in order */
  readWhole: string[];
}

/** Text chunks joined, byte chunks gathered in `bytes` under `key`. */
function collect(chunks: Iterable<string | Uint8Array>, key: string, bytes: Map<string, Uint8Array>): string {
  let text = '';
  for (const c of chunks) {
    if (typeof c === 'string') text += c;
    else bytes.set(key, new Uint8Array(Buffer.concat([bytes.get(key) ?? new Uint8Array(0), c])));
  }
  return text;
}

/**
 * bce in-process against a fake Io over real files. `inMemory`: no file is opened for streaming, so every input
 * is read whole.
 */
export async function runBce(
  argv: string[],
  options: { stdin?: string | Uint8Array; env?: Record<string, string>; stdoutIsTTY?: boolean; inMemory?: boolean } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>();
  const bytes = new Map<string, Uint8Array>();
  const readWhole: string[] = [];
  const io: Io = {
    readFile: (path) => {
      readWhole.push(path);
      return readFile(path);
    },
    openFile: options.inMemory ? async () => undefined : openFile,
    listDir,
    readStdin: async () => (typeof options.stdin === 'string' ? new TextEncoder().encode(options.stdin) : (options.stdin ?? new Uint8Array())),
    stdinIsTTY: options.stdin === undefined,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    stderrIsTTY: false,
    env: options.env ?? {},
    writeStdout: async (chunks) => {
      stdout += collect(chunks, 'stdout', bytes);
    },
    writeFileAtomic: async (path, chunks) => {
      files.set(path, collect(chunks, path, bytes));
    },
    warn: (line) => {
      stderr += `${line}\n`;
    },
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, files, bytes, readWhole };
}

/** What a run gave: the exit code, stdout and stderr. */
export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** bce in-process, as a piped run sees it: stdin is `input` (empty by default), the environment only `env`. */
export async function bce(args: string[], input = '', env: Record<string, string> = {}): Promise<Outcome> {
  const { code, stdout, stderr } = await runBce(args, { stdin: input, env });
  return { code, stdout, stderr };
}

/** The repository's root: the spawned bin runs there, so fixture paths are relative to it. */
export const root = new URL('../..', import.meta.url).pathname;
/** The built bin (npm test builds it before vitest runs). */
export const bin = join(root, 'bin/bce.js');

/** bce as a child process of the built bin, in the root, with stdin `input` and no NO_COLOR or FORCE_COLOR. */
export function spawnBce(args: string[], input = '', env: Record<string, string> = {}): Outcome {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', env: childEnv(env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** spawnBce with no stdin, without blocking the test's thread: several runs at once. */
export async function spawnBceAsync(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const r = await spawnAsync(process.execPath, [bin, ...args], { cwd: root, env: childEnv(env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** This process's environment with `env`, without NO_COLOR or FORCE_COLOR. */
function childEnv(env: Record<string, string>): Record<string, string | undefined> {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  return { ...base, ...env };
}

/** An Io over real files that discards every output: for calling readers and the streaming path directly. */
export const filesOnlyIo: Io = {
  readFile: (path) => readFile(path),
  openFile,
  listDir,
  readStdin: async () => new Uint8Array(),
  stdinIsTTY: true,
  stdoutIsTTY: false,
  stderrIsTTY: false,
  env: {},
  writeStdout: async () => undefined,
  writeFileAtomic: async () => undefined,
  warn: () => undefined,
};
