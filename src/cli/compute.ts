/**
 * `bce [bundle]`, the program's own command: its flags, its options schema, and its run: read -> validate
 * -> compute -> format -> write.
 */
import * as z from 'zod/mini';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { Io } from '../io/source.js';
import { BUNDLE_KEYS, loadProblem } from '../io/inputs.js';
import { bceWithLogitsParallel, csvRangeWorkers, startWorkersEarly, threadsFromEnv } from '../parallel.js';
import { onSharedTensor } from '../io/declared.js';
import { useRangeWorkers } from '../io/csv-range.js';
import { formatJson } from '../format/json.js';
import { formatCsv } from '../format/csv.js';
import { loadPaint } from '../format/paint.js';
import { colorLevel } from './color.js';
import { ExitCode } from '../errors.js';
import { commandTypo } from './suggest.js';
import { streamable } from './stream-check.js';
import { Progress } from '../format/progress.js';
import { BINARY_FORMATS } from '../format/binary.js';
import { binaryRules, checkTerminal, isBinary, outputFormatOf, writeOutputs } from './outputs.js';
import {
  addFlags,
  colorFlag,
  flag,
  formatFlags,
  inputFlags,
  jsonRule,
  labelSmoothingFlag,
  numberText,
  on,
  outputFlag,
  optionsSchema,
  parseOptions,
  precisionFlag,
  quietFlag,
  rule,
  wholeText,
  withInputs,
} from './options.js';

const FORMATS = ['table', 'json', 'csv', 'ndjson', ...BINARY_FORMATS, 'partial'] as const;

const computeFlags = {
  ...inputFlags,
  grad: flag(() => new Option('-g, --grad', 'also output d loss / d logits'), on),
  gradTargets: flag(() => new Option('--grad-targets', 'also output d loss / d targets'), on),
  ...formatFlags(FORMATS, 'output'),
  precision: precisionFlag('significant digits in table and csv output (1-17); JSON always round-trips'),
  color: colorFlag,
  output: outputFlag,
  quiet: quietFlag('no warnings and no progress bar on stderr (errors still go there)'),
  perClass: flag(
    () => new Option('--per-class', 'per class (the last dimension): mean loss, positives, pos_weight and weight in effect, share of the total loss'),
    on,
  ),
  hist: flag(() => new Option('--hist', 'a histogram of the element losses (linear bins)'), on),
  histLog: flag(
    () => new Option('--hist-log', 'the histogram with logarithmic bins, for losses spanning decades').conflicts('hist'),
    on,
  ),
  bins: flag(
    () => new Option('--bins <n>', 'exactly n histogram bins (1-200; default: about log2(n) + 1, on round edges)'),
    z.optional(wholeText(1, 200)),
    'a whole number of bins from 1 to 200',
  ),
  step: flag(
    () => new Option('--step <lr>', 'one gradient-descent step on the logits, x - lr * grad: prints the loss before and after'),
    z.optional(numberText((x) => Number.isFinite(x) && x > 0)),
    'a learning rate, a number > 0',
  ),
  labelSmoothing: labelSmoothingFlag,
};

/** The views that need every element loss in a table or a JSON document. */
const VIEWS = [
  ['--per-class', 'perClass'],
  ['--hist', 'hist'],
  ['--hist-log', 'histLog'],
  ['--step', 'step'],
] as const;

/** bce's options: commander's raw values in, ComputeOptions out; the cross-flag rules in it. */
const computeSchema = z.pipe(
  optionsSchema(computeFlags).check(
    jsonRule,
    ...binaryRules,
    rule((o) => {
      const format = outputFormatOf(o);
      if (format === 'table' || format === 'json') return undefined;
      // a partial carries the per-class sums, for bce merge to show
      const view = VIEWS.find(([, key]) => o[key] !== undefined && o[key] !== false && !(format === 'partial' && key === 'perClass'));
      return view && `${view[0]} shows in the table or json format, not ${format}`;
    }),
    rule((o) => (o.bins !== undefined && !o.hist && !o.histLog ? '--bins needs --hist or --hist-log' : undefined)),
  ),
  z.transform((o) => {
    const { json, hist, histLog, output, ...rest } = withInputs(o);
    return {
      ...rest,
      grad: rest.grad ?? false,
      gradTargets: rest.gradTargets ?? false,
      format: outputFormatOf(o),
      /** -o -: stdout */
      output: output === '-' ? undefined : output,
      /** --hist / --hist-log: a histogram of the element losses, linear or logarithmic bins */
      hist: histLog ? ('log' as const) : hist ? ('linear' as const) : undefined,
    };
  }),
);
export type ComputeOptions = z.output<typeof computeSchema>;

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
  $ bce -l x.npy -t y.npy -r none --grad -o out.npz     float64 loss and grad tensors for numpy.load
  $ bce -l part-1.npy -t labels-1.npy -f partial         a part's sum, for bce merge (see bce merge --help)
  $ bce explain fixtures/examples/seed.json              the loss taken apart, step by step
  $ eval "$(bce completion bash)"                        tab completion (also zsh, fish)

A bundle is a JSON object {"logits": ..., "targets": ..., "weight"?: ..., "pos_weight"?: ...,
"reduction"?: ...}; flags override its fields. A tensor is a number or nested arrays (JSON), or a
matrix with one row per sample (CSV). Exit codes: 0 ok, 2 usage or input error.
To check PyTorch's loss and gradients against bce's, see bce verify --help.`;

/** Declares bce's own command on the program; `parsed` receives the validated options. */
export function declareCompute(program: Command, parsed: (o: ComputeOptions) => void): void {
  program
    .description("PyTorch's BCEWithLogitsLoss (binary cross-entropy on logits) from files: loss and gradients, exactly.")
    .usage('[bundle] [options]')
    .argument('[bundle]', "a JSON bundle file; '-' or piped stdin when no --logits is given");
  addFlags(program, computeFlags)
    .addHelpText('after', EXAMPLES)
    .action((bundle: string | undefined, raw: Record<string, unknown>) => parsed(parseOptions(computeSchema, computeFlags, raw, bundle)));
}

/** The flags that need ./views.js (kept here so a plain run does not load it). */
function wantsViews(o: ComputeOptions): boolean {
  return Boolean(o.perClass || o.hist || o.step !== undefined || o.format === 'ndjson');
}

/** The inputs, streamed (with the result) where the reduction allows, else read whole. */
async function readInputs(o: ComputeOptions, io: Io) {
  const streamed = streamable(o) ? await (await import('../io/stream.js')).computeStreamed(o, io) : undefined;
  return { streamed, problem: streamed?.problem ?? (await loadProblem(o, io, BUNDLE_KEYS)) };
}

export async function runCompute(o: ComputeOptions, io: Io): Promise<number> {
  // a bad BCE_THREADS is refused before any input is read
  const threads = threadsFromEnv(io.env);
  checkTerminal(o.format, o.output, io);
  // the worker threads start when a big input is allocated, and boot while it is read
  if (threads !== 1) onSharedTensor((n) => startWorkersEarly(n, threads));
  // big CSV files are scanned on two threads
  useRangeWorkers(threads === 1 ? undefined : csvRangeWorkers(threads));
  // mean or sum of CSV / NPY files without gradients: read in chunks, in memory that does not grow with them
  const progress = (total: number) => new Progress(io, total, !o.quiet);
  const { streamed, problem } = await readInputs({ ...o, read: { ...o.read, progress } }, io).catch((e: unknown) => {
    throw commandTypo(e, o.bundle);
  });
  if (!o.quiet) for (const w of problem.warnings) io.warn(`bce: warning: ${w}`);
  // --label-smoothing: the loss runs on y' = y (1 - eps) + eps / 2
  const targets =
    o.labelSmoothing !== undefined
      ? (await import('../core/step.js')).smoothTargets(problem.targets.tensor, o.labelSmoothing)
      : problem.targets.tensor;
  // big inputs use every core (BCE_THREADS=1 for one); the result is the same, bit for bit
  const result = streamed?.result ?? await bceWithLogitsParallel(
    problem.logits.tensor,
    targets,
    {
      weight: problem.weight?.tensor,
      posWeight: problem.posWeight?.tensor,
      reduction: problem.reduction,
      grad: o.grad,
      gradTargets: o.gradTargets,
    },
    { threads },
  );
  // --per-class, --hist, --step and ndjson need more numbers: computed by a module loaded only then
  const views = wantsViews(o) ? (await import('./views.js')).computeViews(o, problem, targets, result) : {};
  if (isBinary(o.format) || o.format === 'partial') {
    await writeOutputs(o.format, o.output, io, result, views.perClass);
    return ExitCode.ok;
  }
  const extras = { labelSmoothing: o.labelSmoothing, ...views };
  let chunks: Iterable<string>;
  if (o.format === 'json') chunks = formatJson(result, extras);
  else if (o.format === 'csv') chunks = formatCsv(result, o.precision);
  else if (o.format === 'ndjson') {
    const { formatNdjson } = await import('../format/ndjson.js');
    chunks = formatNdjson({ shape: result.shape, loss: views.elementLoss as Float64Array, grad: result.grad, gradTargets: result.gradTargets });
  } else {
    const level = o.output !== undefined ? (o.color === 'always' ? 1 : 0) : colorLevel(o.color, io.env, io.stdoutIsTTY);
    const { formatTable } = await import('../format/table.js');
    const paint = await loadPaint(level);
    chunks = [formatTable(result, { precision: o.precision, paint, ...extras })];
  }
  if (o.output !== undefined) await io.writeFileAtomic(o.output, chunks);
  else await io.writeStdout(chunks);
  return ExitCode.ok;
}
