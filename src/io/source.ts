/**
 * Where input bytes come from: the process boundary handed over as an interface (main.ts builds it
 * from `process`; tests fake it), plus the rule that stdin can be read only once.
 */
import { BceError, InputError, UsageError, printableName } from '../errors.js';

/** A regular file opened for reading at any offset (how the streaming readers see a file). */
export interface OpenFile {
  readonly size: number;
  /** reads up to `length` bytes at file offset `position` into buf[offset..); returns how many (0 at the end) */
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** An entry of a directory listing; a symlink counts as what it points to. */
export interface DirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** The side-effecting world a command may touch. Only main.ts builds a real one. */
export interface Io {
  /** reads a file; a FIFO or a device is read with the limits of readStdin */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * opens a regular file to read it in chunks; undefined for anything else (a FIFO or a device is not even
   * opened: opening and closing a FIFO would lose what its writer sent) and for a file that cannot be opened
   */
  openFile(path: string): Promise<OpenFile | undefined>;
  /**
   * the entries of a directory, unsorted; undefined when `path` is not a directory (a directory of Parquet
   * part files is read as one table). Optional: without it every path is taken for a file.
   */
  listDir?(path: string): Promise<DirEntry[] | undefined>;
  /** reads stdin in chunks, within the limits of ./bounded-read.ts (main.ts iterates process.stdin) */
  readStdin(): Promise<Uint8Array>;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** writes the result (text, or bytes for the binary formats) to stdout, honouring backpressure */
  writeStdout(chunks: Iterable<string | Uint8Array>): Promise<void>;
  /**
   * writes the result (text or bytes) to a file atomically: temp file + rename; on failure the old file stays. The new
   * file keeps the old one's mode and owner; a symlink is written through to its target.
   */
  writeFileAtomic(path: string, chunks: Iterable<string | Uint8Array>): Promise<void>;
  /** one diagnostic line on stderr */
  warn(line: string): void;
  /** raw text on stderr (a progress bar redrawn in place); absent where there is no terminal to draw on */
  writeStderr?(text: string): void;
}

export const STDIN_NAME = '<stdin>';

export interface SourceBytes {
  /** how messages name it: the path, or <stdin> */
  name: string;
  bytes: Uint8Array;
}

/** Reads named inputs, '-' meaning stdin, and refuses a second use of stdin. */
export class SourceReader {
  private stdinUser: string | undefined;
  constructor(readonly io: Io) {}

  async read(spec: string, role: string): Promise<SourceBytes> {
    if (spec === '-') {
      if (this.stdinUser !== undefined) {
        throw new UsageError(`stdin is asked for twice: by ${this.stdinUser} and by ${role}`);
      }
      this.stdinUser = role;
      return { name: STDIN_NAME, bytes: await this.io.readStdin() };
    }
    try {
      return { name: printableName(spec), bytes: await this.io.readFile(spec) };
    } catch (e) {
      // a bounded read of a FIFO or a device has already worded its refusal
      if (e instanceof BceError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const why: Record<string, string> = {
        ENOENT: 'no such file',
        EISDIR: 'is a directory, expected a file',
        EACCES: 'permission denied',
        EPERM: 'permission denied',
        ENOTDIR: 'no such file (a part of the path is not a directory)',
      };
      if (code !== undefined && why[code] !== undefined) throw new InputError(printableName(spec), why[code]);
      if (code === 'ERR_FS_FILE_TOO_LARGE' || (e as Error).message?.includes('too large')) {
        throw new InputError(printableName(spec), 'file too large to read into memory');
      }
      throw e;
    }
  }
}

/**
 * stdin feeds one input only: refuses a second '-' among `users` (each a role and its value) before anything
 * is read. (SourceReader refuses it too, at the second read; this says so up front, naming both.)
 */
export function checkStdinOnce(users: readonly (readonly [string, string | undefined])[]): void {
  const dashes = users.filter(([, v]) => v === '-');
  if (dashes.length > 1) throw new UsageError(`stdin is asked for twice: by ${dashes[0][0]} and by ${dashes[1][0]}`);
}
