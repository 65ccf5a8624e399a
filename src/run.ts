/**
 * One run of bce from argv to an exit code, against an Io (main.ts passes the real process; tests pass
 * a fake). The one place that maps every error class to its exit code and its line on stderr.
 */
import { parseArgv } from './cli/program.js';
import { BceError, ExitCode, withSafeWarn } from './errors.js';
import type { Io } from './io/source.js';
import { runCompute } from './cli/compute.js';

export function isEpipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/**
 * The RangeError V8 raises when an ArrayBuffer (shared or not) cannot be allocated, or Node when a Buffer
 * cannot (Node 24 words it "Failed to allocate memory"): the machine's limit, not a bug.
 */
export function isOutOfMemory(e: unknown): boolean {
  return e instanceof RangeError && /^(Array buffer allocation failed|Invalid (typed array|array buffer) length|Failed to allocate memory)/.test(e.message);
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  io = withSafeWarn(io); // a raw control character in any diagnostic is escaped
  try {
    const inv = parseArgv(argv);
    if (inv.kind === 'exit') {
      if (inv.stdout) await io.writeStdout([inv.stdout]);
      if (inv.stderr) io.warn(inv.stderr.replace(/\n$/, ''));
      return inv.code;
    }
    if (inv.kind === 'verify') {
      // loaded only when used, like the table writer: bce's own start-up does not pay for it
      const { runVerify } = await import('./cli/verify.js');
      return await runVerify(inv.options, io);
    }
    if (inv.kind === 'explain') {
      const { runExplain } = await import('./cli/explain.js');
      return await runExplain(inv.options, io);
    }
    if (inv.kind === 'completion') {
      const { completionScript } = await import('./cli/completion.js');
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
      io.warn(`bce: ${err.path ? `${err.path}: ` : ''}${err.message.replace(/^[A-Z]+: /, '')}`);
      return ExitCode.input;
    }
    if (isOutOfMemory(e)) {
      io.warn(
        'bce: not enough memory for this computation (a mean or sum without gradients of CSV, NPY or JSON files streams; BCE_THREADS=1 needs less)',
      );
      return ExitCode.input;
    }
    io.warn(`bce: internal error (a bug in bce; please report it)\n${(e as Error)?.stack ?? String(e)}`);
    return ExitCode.internal;
  }
}
