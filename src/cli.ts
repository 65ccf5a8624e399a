/**
 * commander wiring: declares the commands and options, help with examples, and turns argv into a plain
 * Invocation. Nothing here touches the process: help, version and usage errors come back as text.
 */
import { Command, CommanderError, Option } from 'commander';
import { COLOR_MODES, FORMATS, REDUCTION_NAMES, parseComputeOptions } from './options.js';
import type { ComputeOptions } from './options.js';
import { ExitCode, UsageError } from './errors.js';

declare const __BCE_VERSION__: string | undefined;
export const VERSION = typeof __BCE_VERSION__ === 'string' ? __BCE_VERSION__ : '0.0.0-dev';

export type Invocation =
  | { kind: 'compute'; options: ComputeOptions }
  /** help or version was shown, or commander rejected the command line: print and exit */
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

const EXAMPLES = `
Examples:
  $ bce fixtures/examples/seed.json                      loss of a JSON bundle (mean)
  $ bce -l logits.csv -t targets.csv -r sum --grad       sum and d loss / d logits
  $ bce -l logits.csv -t targets.csv -p 3,1,1 --json     pos_weight per class, JSON out
  $ bce -l logits.json -t targets.json -w weight.json -r none -f csv -o loss.csv
  $ python dump.py | bce --json                          a bundle on stdin

A bundle is a JSON object {"logits": ..., "targets": ..., "weight"?: ..., "pos_weight"?: ...,
"reduction"?: ...}; flags override its fields. A tensor is a number or nested arrays (JSON), or a
matrix with one row per sample (CSV). Exit codes: 0 ok, 2 usage or input error.`;

function addComputeOptions(cmd: Command): Command {
  return cmd
    .option('-l, --logits <file>', "logits tensor (.json or .csv); '-' reads stdin")
    .option('-t, --targets <file>', "targets, exactly the logits' shape; '-' reads stdin")
    .option('-w, --weight <file|list>', "weight, broadcastable to the logits' shape; a list like 0.7,0.2,0.1 is a 1-D tensor")
    .option('-p, --pos-weight <file|list>', "pos_weight, broadcastable to the logits' shape, normally one value per class")
    .addOption(
      new Option('-r, --reduction <r>', 'none | mean | sum (default: mean); elementwise_mean is a deprecated alias of mean').choices(
        REDUCTION_NAMES,
      ),
    )
    .option('--size-average <bool>', "legacy PyTorch flag (true|false); with --reduce it decides the reduction, with a deprecation warning")
    .option('--reduce <bool>', 'legacy PyTorch flag (true|false); false means reduction none')
    .option('-g, --grad', 'also output d loss / d logits')
    .option('--grad-targets', 'also output d loss / d targets')
    .addOption(new Option('-f, --format <f>', 'output format (default: table)').choices(FORMATS))
    .option('--json', 'same as --format json')
    .option('--precision <digits>', 'significant digits in table and csv output (1-17); JSON always round-trips')
    .addOption(
      new Option('--color <when>', 'colour in table output; auto = only on a terminal and never when NO_COLOR is set')
        .choices(COLOR_MODES)
        .default('auto'),
    )
    .option('-o, --output <file>', 'write the result to this file atomically instead of stdout');
}

/** Builds the program. `onCompute` receives the validated options. */
function buildProgram(out: { stdout: string; stderr: string }, result: { invocation?: Invocation }): Command {
  const program = new Command('bce');
  program
    .description("PyTorch's BCEWithLogitsLoss (binary cross-entropy on logits) from files: loss and gradients, exactly.")
    .usage('[bundle] [options]')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .argument('[bundle]', "a JSON bundle file; '-' or piped stdin when no --logits is given")
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
  addComputeOptions(program);
  program.addHelpText('after', EXAMPLES);
  program.action((bundle: string | undefined, raw: Record<string, unknown>) => {
    result.invocation = { kind: 'compute', options: parseComputeOptions(raw, bundle) };
  });
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
