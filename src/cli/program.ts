/**
 * commander wiring: declares the commands and options, help with examples, and turns argv into a plain
 * Invocation. Nothing here touches the process: help, version and usage errors come back as text.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { COLOR_MODES, FORMATS, VERIFY_FORMATS, parseComputeOptions, parseVerifyOptions } from './options.js';
import { REDUCTION_NAMES } from '../core/reduction.js';
import type { ComputeOptions, ExplainOptions, VerifyOptions } from './options.js';
import { parseExplainOptions } from './options.js';
import { SHELLS } from './completion.js';
import type { CompletionCommand, CompletionSpec, Shell } from './completion.js';
import { DTYPES } from '../core/verify.js';
import { TENSOR_FORMATS } from '../io/read-tensor.js';
import { CSV_ENGINES } from '../io/csv-dialect.js';
import { ExitCode, UsageError } from '../errors.js';

declare const __BCE_VERSION__: string | undefined;
export const VERSION = typeof __BCE_VERSION__ === 'string' ? __BCE_VERSION__ : '0.0.0-dev';

export type Invocation =
  | { kind: 'compute'; options: ComputeOptions }
  | { kind: 'verify'; options: VerifyOptions }
  | { kind: 'explain'; options: ExplainOptions }
  /** print a completion script for `shell`, written from `spec` */
  | { kind: 'completion'; shell: Shell; spec: CompletionSpec }
  /** help or version was shown, or commander rejected the command line: print and exit */
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

const EXAMPLES = `
Examples:
  $ bce fixtures/examples/seed.json                      loss of a JSON bundle (mean)
  $ bce -l logits.csv -t targets.csv -r sum --grad       sum and d loss / d logits
  $ bce -l logits.csv -t targets.csv -p 3,1,1 --json     pos_weight per class, JSON out
  $ bce -l logits.json -t targets.json -w weight.json -r none -f csv -o loss.csv
  $ python dump.py | bce --json                          a bundle on stdin
  $ bce run.json --per-class                             which class contributes most to the loss
  $ bce run.json --hist-log                              how the element losses spread, in decades
  $ bce run.json --step 0.1                              the loss before and after one SGD step
  $ bce explain fixtures/examples/seed.json              the loss taken apart, step by step
  $ eval "$(bce completion bash)"                        tab completion (also zsh, fish)

A bundle is a JSON object {"logits": ..., "targets": ..., "weight"?: ..., "pos_weight"?: ...,
"reduction"?: ...}; flags override its fields. A tensor is a number or nested arrays (JSON), or a
matrix with one row per sample (CSV). Exit codes: 0 ok, 2 usage or input error.
To check PyTorch's loss and gradients against bce's, see bce verify --help.`;

/** Where the inputs come from, shared by bce and bce verify. */
function addInputOptions(cmd: Command): Command {
  return cmd
    .option('-l, --logits <file>', "logits: .json, .csv, .npy, or file.npz:NAME / file.safetensors:NAME; '-' reads stdin")
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
    .addOption(
      new Option('--input-format <fmt>', 'read every input as this format instead of going by extension and content').choices(
        TENSOR_FORMATS,
      ),
    )
    .option('--header', "CSV: the first row is a header (default: a header when none of its cells is a number)")
    .option('--no-header', 'CSV: the first row is data')
    .option('--delimiter <c>', "CSV: ',' ';' tab space (one space) or whitespace (runs of spaces and tabs); default: sniffed")
    .addOption(
      new Option('--csv-engine <e>', 'CSV reader: auto (fast scanner, csv-parse for what it does not handle), fast, csv-parse').choices(
        CSV_ENGINES,
      ),
    );
}

function addComputeOptions(cmd: Command): Command {
  return addInputOptions(cmd)
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
    .option('-o, --output <file>', 'write the result to this file atomically instead of stdout')
    .option('-q, --quiet', 'no warnings and no progress bar on stderr (errors still go there)')
    .option('--per-class', 'per class (the last dimension): mean loss, positives, pos_weight and weight in effect, share of the total loss')
    .option('--hist', 'a histogram of the element losses (linear bins)')
    .addOption(new Option('--hist-log', 'the histogram with logarithmic bins, for losses spanning decades').conflicts('hist'))
    .option('--bins <n>', 'exactly n histogram bins (1-200; default: about log2(n) + 1, on round edges)')
    .option('--step <lr>', "one gradient-descent step on the logits, x - lr * grad: prints the loss before and after")
    .option('--label-smoothing <eps>', "smooth the targets first, y' = y (1 - eps) + eps / 2, as Keras does (0 <= eps <= 1)");
}

const VERIFY_EXAMPLES = `
Examples:
  $ bce verify step.json                                 loss and gradients dumped by a float32 training step
  $ bce verify step.json --dtype float64 --format json   float64 tolerances, a JSON report
  $ bce verify -l logits.csv -t targets.csv --expected-loss 0.6931 --expected-grad grad.csv
  $ bce verify step.json --rtol 1e-4 --atol 1e-6 -q && echo ok
  $ python dump.py | bce verify                          a bundle on stdin

The bundle holds the inputs as for bce, and the dumped values: "loss" (a number, or nested arrays for
reduction none), "grad" (d loss / d logits), "grad_targets" (d loss / d targets), and optionally
"dtype". At least one dumped value is needed. Each is compared as torch.testing.assert_close(dumped,
bce's float64 value) would: |dumped - bce| <= atol + rtol * |bce|. Inputs are first rounded to the dtype.
A reduced loss may be dumped as a number or as a one-element tensor ([0.69]).
Exit codes: 0 all within tolerance, 1 a mismatch (a wrong shape included), 2 usage or input error.`;

/** `bce verify`: a subcommand with the input options, the expected values and the tolerances. */
function addVerifyCommand(program: Command, result: { invocation?: Invocation }): void {
  const cmd = program
    .command('verify')
    .description(
      "check a loss and gradients computed by PyTorch against bce's exact values, as torch.testing.assert_close would",
    )
    .usage('[bundle] [options]')
    .helpOption('-h, --help', 'show this help')
    .argument('[bundle]', "a JSON bundle with the inputs and the dumped values; '-' or piped stdin when no --logits is given")
    .showHelpAfterError('(run bce verify --help for usage)')
    .allowExcessArguments(false);
  addInputOptions(cmd)
    .option('--expected-loss <file|number>', 'the dumped loss, a file or a number (overrides the bundle\'s "loss")')
    .option('--expected-grad <file>', 'the dumped d loss / d logits (overrides the bundle\'s "grad")')
    .option('--expected-grad-targets <file>', 'the dumped d loss / d targets (overrides the bundle\'s "grad_targets")')
    .addOption(
      new Option('--dtype <dtype>', 'the dtype PyTorch computed in: rounds the inputs and picks the tolerances (default: the bundle\'s "dtype", else float32)').choices(
        DTYPES,
      ),
    )
    .option('--rtol <r>', 'relative tolerance; needs --atol too (default: by dtype, as assert_close)')
    .option('--atol <a>', 'absolute tolerance; needs --rtol too')
    .option('--equal-nan', 'NaN matches NaN')
    .option('-q, --quiet', 'print no report; the exit code tells (errors still go to stderr)')
    .addOption(new Option('-f, --format <f>', 'report format (default: table)').choices(VERIFY_FORMATS))
    .option('--json', 'same as --format json')
    .addOption(
      new Option('--color <when>', 'colour in the table report; auto = only on a terminal and never when NO_COLOR is set')
        .choices(COLOR_MODES)
        .default('auto'),
    )
    .addHelpText('after', VERIFY_EXAMPLES)
    .action((bundle: string | undefined, raw: Record<string, unknown>) => {
      // bce's options before the word verify would be parsed by bce and silently dropped: refuse them
      const early = program.options.find((opt) => program.getOptionValueSource(opt.attributeName()) === 'cli');
      if (early) throw new UsageError(`${early.long ?? early.flags} goes after verify: bce verify [bundle] [options]`);
      result.invocation = { kind: 'verify', options: parseVerifyOptions(raw, bundle) };
    });
}

/** Refuses bce's own options given before a subcommand's name: they would be silently dropped. */
function refuseEarlyOptions(program: Command, name: string): void {
  const early = program.options.find((opt) => program.getOptionValueSource(opt.attributeName()) === 'cli');
  if (early) throw new UsageError(`${early.long ?? early.flags} goes after ${name}: bce ${name} [options]`);
}

const EXPLAIN_EXAMPLES = `
Examples:
  $ bce explain fixtures/examples/seed.json              the tutorial's example, step by step
  $ bce explain run.json -p 3,1,1 --rows 1               what pos_weight does to the first row
  $ bce explain -l logits.csv -t targets.csv --size-average false

It shows, for the first rows of the input: x, y and sigmoid(x); the log terms, the pos_weight factor and
the weight; the element loss and its gradient. Then the reductions over every element, and what each
parameter does, including how PyTorch's legacy size_average / reduce flags map to a reduction.`;

/** \`bce explain\`: the loss of an input taken apart, step by step. */
function addExplainCommand(program: Command, result: { invocation?: Invocation }): void {
  const cmd = program
    .command('explain')
    .description('walk through the loss of an input step by step: sigmoid, log terms, pos_weight, weight, gradient, reduction')
    .usage('[bundle] [options]')
    .helpOption('-h, --help', 'show this help')
    .argument('[bundle]', "a JSON bundle file; '-' or piped stdin when no --logits is given")
    .showHelpAfterError('(run bce explain --help for usage)')
    .allowExcessArguments(false);
  addInputOptions(cmd)
    .option('--label-smoothing <eps>', "smooth the targets first, y' = y (1 - eps) + eps / 2 (0 <= eps <= 1)")
    .option('--rows <n>', 'rows of the last dimension to walk through (1-100, default 2); the reduction uses every row')
    .option('--precision <digits>', 'significant digits of the numbers shown (1-17, default 6)')
    .addOption(
      new Option('--color <when>', 'colour; auto = only on a terminal and never when NO_COLOR is set').choices(COLOR_MODES).default('auto'),
    )
    .addHelpText('after', EXPLAIN_EXAMPLES)
    .action((bundle: string | undefined, raw: Record<string, unknown>) => {
      refuseEarlyOptions(program, 'explain');
      result.invocation = { kind: 'explain', options: parseExplainOptions(raw, bundle) };
    });
}

/** What the completion scripts need to know of a command, read from commander. */
function describeCommand(cmd: Command, argChoices?: readonly string[]): CompletionCommand {
  return {
    name: cmd.name(),
    description: cmd.description(),
    options: cmd.options.map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
      description: o.description,
      takesValue: o.required || o.optional,
      takesFile: /<file/.test(o.flags),
      ...(o.argChoices ? { choices: o.argChoices } : {}),
    })),
    ...(argChoices ? { argChoices } : {}),
  };
}

/** \`bce completion bash|zsh|fish\`: prints a completion script written from the commands declared here. */
function addCompletionCommand(program: Command, result: { invocation?: Invocation }): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .usage('bash|zsh|fish')
    .addHelpText(
      'after',
      `
Load it for this shell:
  $ eval "$(bce completion bash)"
  $ source <(bce completion zsh)
  $ bce completion fish | source
or save it where the shell looks: ~/.local/share/bash-completion/completions/bce, a directory of
zsh's $fpath as _bce, ~/.config/fish/completions/bce.fish.`,
    )
    .helpOption('-h, --help', 'show this help')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .showHelpAfterError('(run bce completion --help for usage)')
    .allowExcessArguments(false)
    .action((shell: Shell) => {
      refuseEarlyOptions(program, 'completion');
      const spec: CompletionSpec = {
        program: describeCommand(program),
        commands: program.commands.map((c) => describeCommand(c, c.name() === 'completion' ? SHELLS : undefined)),
      };
      result.invocation = { kind: 'completion', shell, spec };
    });
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
  // bce's own options stop at the subcommand, so `bce verify -l x` gives -l to verify
  program.enablePositionalOptions();
  addVerifyCommand(program, result);
  addExplainCommand(program, result);
  addCompletionCommand(program, result);
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
