/**
 * `bce explain [bundle]`: its flags, its options schema, and its run: read -> validate -> take the loss apart
 * step by step -> word it -> write.
 */
import * as z from 'zod/mini';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { Io } from '../io/source.js';
import { BUNDLE_KEYS, loadProblem } from '../io/inputs.js';
import { explain } from '../core/explain.js';
import { smoothTargets } from '../core/step.js';
import { formatExplain } from '../format/explain.js';
import { loadPaint } from '../format/paint.js';
import { colorLevel } from './color.js';
import { ExitCode } from '../errors.js';
import {
  addFlags,
  colorFlag,
  flag,
  inputFlags,
  labelSmoothingFlag,
  once,
  optionsSchema,
  parseOptions,
  precisionFlag,
  refuseEarlyOptions,
  wholeText,
  withInputs,
} from './options.js';

const explainFlags = {
  ...inputFlags,
  labelSmoothing: labelSmoothingFlag,
  rows: flag(
    () => new Option('--rows <n>', 'rows of the last dimension to walk through (1-100, default 2); the reduction uses every row'),
    z._default(wholeText(1, 100), 2),
    'a whole number of rows from 1 to 100',
  ),
  precision: precisionFlag('significant digits of the numbers shown (1-17, default 6)'),
  color: colorFlag,
};

/** bce explain's options: commander's raw values in, ExplainOptions out; checked in bce's order, --rows first. */
const { rows, labelSmoothing, ...others } = explainFlags;
const explainSchema = once(() => z.pipe(optionsSchema({ rows, ...others, labelSmoothing }), z.transform(withInputs)));
export type ExplainOptions = z.output<ReturnType<typeof explainSchema>>;

const EXPLAIN_EXAMPLES = `
Examples:
  $ bce explain fixtures/examples/seed.json              the tutorial's example, step by step
  $ bce explain run.json -p 3,1,1 --rows 1               what pos_weight does to the first row
  $ bce explain -l logits.csv -t targets.csv --size-average false

It shows, for the first rows of the input: x, y and sigmoid(x); the log terms, the pos_weight factor and
the weight; the element loss and its gradient. Then the reductions over every element, and what each
parameter does, including how PyTorch's legacy size_average / reduce flags map to a reduction.`;

/** Declares \`bce explain\` on the program; `parsed` receives the validated options. */
export function declareExplain(program: Command, parsed: (o: ExplainOptions) => void): void {
  const cmd = program
    .command('explain')
    .description('walk through the loss of an input step by step: sigmoid, log terms, pos_weight, weight, gradient, reduction')
    .usage('[bundle] [options]')
    .helpOption('-h, --help', 'show this help')
    .argument('[bundle]', "a JSON bundle file; '-' or piped stdin when no --logits is given")
    .showHelpAfterError('(run bce explain --help for usage)')
    .allowExcessArguments(false);
  addFlags(cmd, explainFlags)
    .addHelpText('after', EXPLAIN_EXAMPLES)
    .action((bundle: string | undefined, raw: Record<string, unknown>) => {
      refuseEarlyOptions(program, 'explain', '[options]');
      parsed(parseOptions(explainSchema(), explainFlags, raw, bundle));
    });
}

/** How the input was named on the command line, for the closing hint. */
function inputWords(o: ExplainOptions): string {
  if (o.logits !== undefined) return `-l ${o.logits}${o.targets !== undefined ? ` -t ${o.targets}` : ''}`;
  return o.bundle ?? '<bundle>';
}

export async function runExplain(o: ExplainOptions, io: Io): Promise<number> {
  const problem = await loadProblem(o, io, BUNDLE_KEYS);
  for (const w of problem.warnings) io.warn(`bce: warning: ${w}`);
  const given = problem.targets.tensor;
  const smoothed = o.labelSmoothing !== undefined ? smoothTargets(given, o.labelSmoothing) : undefined;
  const ex = explain(
    {
      logits: problem.logits.tensor,
      targets: smoothed ?? given,
      givenTargets: smoothed ? given : undefined,
      labelSmoothing: o.labelSmoothing,
      weight: problem.weight?.tensor,
      posWeight: problem.posWeight?.tensor,
      reduction: problem.reduction,
    },
    { rows: o.rows },
  );
  const level = colorLevel(o.color, io.env, io.stdoutIsTTY);
  const paint = await loadPaint(level);
  await io.writeStdout([formatExplain(ex, { precision: o.precision, paint, input: inputWords(o), legacy: { sizeAverage: o.sizeAverage, reduce: o.reduce } })]);
  return ExitCode.ok;
}
