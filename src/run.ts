/**
 * One run of bce from argv to an exit code, against an Io (main.ts passes the real process; tests pass
 * a fake). The one place that maps every error class to its exit code and its line on stderr.
 */
import { parseArgv } from './cli/program.js';
import { BceError, ExitCode, printableName, withSafeWarn } from './errors.js';
import type { Io } from './io/source.js';
import { runCompute } from './cli/compute.js';
import { runVerify } from './cli/verify.js';
import { runExplain } from './cli/explain.js';
import { runMerge } from './cli/merge.js';
import { completionScript } from './cli/completion.js';

export function isEpipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/**
 * The RangeError V8 raises when an ArrayBuffer (shared or not) cannot be allocated, or Node when a Buffer
 * cannot (Node 24 words it "Failed to allocate memory"): the machine's limit, not a bug.
 */
export function isOutOfMemory(e: unknown): boolean {
  if (!(e instanceof RangeError)) return false;
  // a length that is too large, not a negative one (that is a bug)
  const length = /^Invalid (?:typed array|array buffer) length: (\d+)$/.exec(e.message);
  return /^(Array buffer allocation failed|Failed to allocate memory)/.test(e.message) || (length !== null && Number(length[1]) >= 2 ** 31);
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  io = withSafeWarn(io); // a raw control character in any diagnostic is escaped
  try {
    const inv = parseArgv(argv);
    if (inv.kind === 'exit') {
      if (inv.stdout) await io.writeStdout([inv.stdout]);
      // commander's lines: its message (one line, whatever the argument it echoes holds), then its hints '(...)'
      if (inv.stderr) for (const line of inv.stderr.replace(/\n$/, '').split(/\n(?=\()/)) io.warn(line);
      return inv.code;
    }
    if (inv.kind === 'verify') return await runVerify(inv.options, io);
    if (inv.kind === 'explain') return await runExplain(inv.options, io);
    if (inv.kind === 'merge') return await runMerge(inv.options, io);
    if (inv.kind === 'completion') {
      await io.writeStdout([completionScript(inv.shell, inv.spec)]);
      return ExitCode.ok;
    }
    return await runCompute(inv.options, io);
  } catch (e) {
    if (isEpipe(e)) return ExitCode.ok;
    if (e instanceof BceError) {
      io.warn(`bce: ${e.message}`);
      return e.exitCode;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) && err.syscall) {
      // an operating-system failure (disk full, permission on the output...): say it in one line
      io.warn(`bce: ${err.path ? `${printableName(err.path)}: ` : ''}${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`);
      return ExitCode.input;
    }
    if (isOutOfMemory(e)) {
      io.warn(
        'bce: not enough memory for this computation (a mean or sum without gradients of CSV, NPY or JSON files streams; BCE_THREADS=1 needs less)',
      );
      return ExitCode.input;
    }
    const report = `bce: internal error (a bug in bce; please report it)\n${(e as Error)?.stack ?? String(e)}`;
    for (const line of report.split('\n')) io.warn(line);
    return ExitCode.internal;
  }
}
