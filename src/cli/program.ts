/**
 * The program: assembles the commands (each module declares its own flags, schema and run) and turns argv
 * into a plain Invocation. Nothing here touches the process: help, version and usage errors come back as text.
 */
import { Command, CommanderError } from 'commander';
import { declareCompute } from './compute.js';
import type { ComputeOptions } from './compute.js';
import { declareVerify } from './verify.js';
import type { VerifyOptions } from './verify.js';
import { declareExplain } from './explain.js';
import type { ExplainOptions } from './explain.js';
import { declareMerge } from './merge.js';
import type { MergeOptions } from './merge.js';
import { declareCompletion } from './completion.js';
import type { CompletionSpec, Shell } from './completion.js';
import { ExitCode, UsageError } from '../errors.js';

declare const __BCE_VERSION__: string | undefined;
const VERSION = typeof __BCE_VERSION__ === 'string' ? __BCE_VERSION__ : '0.0.0-dev';

export type Invocation =
  | { kind: 'compute'; options: ComputeOptions }
  | { kind: 'verify'; options: VerifyOptions }
  | { kind: 'explain'; options: ExplainOptions }
  | { kind: 'merge'; options: MergeOptions }
  /** print a completion script for `shell`, written from `spec` */
  | { kind: 'completion'; shell: Shell; spec: CompletionSpec }
  /** help or version was shown, or commander rejected the command line: print and exit */
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

/** Builds the program; the command that runs leaves its Invocation in `result`. */
function buildProgram(out: { stdout: string; stderr: string }, result: { invocation?: Invocation }): Command {
  const program = new Command('bce');
  program
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .configureOutput({
      writeOut: (s) => {
        out.stdout += s;
      },
      writeErr: (s) => {
        out.stderr += s;
      },
      outputError: (s, write) => write(`bce: ${s.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError()
    .showHelpAfterError('(run bce --help for usage)')
    .exitOverride()
    .allowExcessArguments(false);
  declareCompute(program, (options) => (result.invocation = { kind: 'compute', options }));
  // bce's own options stop at the subcommand, so `bce verify -l x` gives -l to verify
  program.enablePositionalOptions();
  declareVerify(program, (options) => (result.invocation = { kind: 'verify', options }));
  declareExplain(program, (options) => (result.invocation = { kind: 'explain', options }));
  declareMerge(program, (options) => (result.invocation = { kind: 'merge', options }));
  declareCompletion(program, (shell, spec) => (result.invocation = { kind: 'completion', shell, spec }));
  return program;
}

/** argv (without node and the script) -> what to do. Usage errors become an 'exit' with code 2. */
export function parseArgv(argv: readonly string[]): Invocation {
  const out = { stdout: '', stderr: '' };
  const result: { invocation?: Invocation } = {};
  const program = buildProgram(out, result);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; commander's own usage errors (its exit code 1) become 2
      const code = e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return { kind: 'exit', code, stdout: out.stdout, stderr: out.stderr };
    }
    if (e instanceof UsageError) {
      return { kind: 'exit', code: ExitCode.usage, stdout: '', stderr: `bce: ${e.message}\n` };
    }
    throw e;
  }
  if (result.invocation === undefined) throw new Error('no command was run');
  return result.invocation;
}
