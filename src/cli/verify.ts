/**
 * `bce verify [bundle]`: its flags, its options schema, and its run: read the inputs and the values PyTorch
 * dumped -> round the inputs to the dtype PyTorch computed in -> bce's float64 loss and gradients -> compare
 * as torch.testing.assert_close -> report. The exit code: 0 when everything is within tolerance, 1 on any
 * mismatch (a wrong shape included); bad input throws (exit 2).
 */
import * as z from 'zod/mini';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { Io } from '../io/source.js';
import { SourceReader, checkStdinOnce } from '../io/source.js';
import { parseNumber } from '../io/number.js';
import { parseList } from '../io/read-tensor.js';
import type { Bundle, Input as Operand } from '../io/inputs.js';
import { BUNDLE_KEYS, bundleMember, bundleSpec, loadInput, loadProblem, readTensorFlag } from '../io/inputs.js';
import { bceWithLogits } from '../core/kernel.js';
import type { Tensor } from '../core/tensor.js';
import { sameShape, shapeString } from '../core/tensor.js';
import type { Comparison, Dtype } from '../core/verify.js';
import { DTYPES, allPass, compareTensors, isDtype, resolveTolerances, roundToDtype } from '../core/verify.js';
import { formatVerifyJson, formatVerifyText } from '../format/verify-report.js';
import type { Paint } from '../format/paint.js';
import { loadPaint } from '../format/paint.js';
import { colorLevel } from './color.js';
import { ExitCode, UsageError, quote } from '../errors.js';
import {
  addFlags,
  colorFlag,
  flag,
  formatFlags,
  formatOf,
  inputFlags,
  jsonRule,
  on,
  once,
  optionsSchema,
  parseOptions,
  quietFlag,
  refuseEarlyOptions,
  rule,
  text,
  withInputs,
} from './options.js';

/** A tolerance: the strict number grammar, finite and >= 0. */
const toleranceText = z.optional(
  z.pipe(
    z.string(),
    z.pipe(z.transform((s: string) => parseNumber(s.trim()) ?? NaN), z.number().check(z.minimum(0))),
  ),
);

const verifyFlags = {
  ...inputFlags,
  expectedLoss: flag(
    () => new Option('--expected-loss <file|number>', 'the dumped loss, a file or a number (overrides the bundle\'s "loss")'),
    text,
  ),
  expectedGrad: flag(() => new Option('--expected-grad <file>', 'the dumped d loss / d logits (overrides the bundle\'s "grad")'), text),
  expectedGradTargets: flag(
    () => new Option('--expected-grad-targets <file>', 'the dumped d loss / d targets (overrides the bundle\'s "grad_targets")'),
    text,
  ),
  dtype: flag(
    () =>
      new Option(
        '--dtype <dtype>',
        'the dtype PyTorch computed in: rounds the inputs and picks the tolerances (default: the bundle\'s "dtype", else float32)',
      ).choices(DTYPES),
    z.optional(z.enum(DTYPES)),
    `one of ${DTYPES.join(', ')}`,
  ),
  rtol: flag(
    () => new Option('--rtol <r>', 'relative tolerance; needs --atol too (default: by dtype, as assert_close)'),
    toleranceText,
    'a finite number >= 0',
  ),
  atol: flag(() => new Option('--atol <a>', 'absolute tolerance; needs --rtol too'), toleranceText, 'a finite number >= 0'),
  equalNan: flag(() => new Option('--equal-nan', 'NaN matches NaN'), on),
  quiet: quietFlag('print no report; the exit code tells (errors still go to stderr)'),
  ...formatFlags(['table', 'json'], 'report'),
  color: colorFlag,
};

/** Only one of rtol/atol is an error, as in assert_close: checked before any input is read. */
const toleranceRule = rule<{ rtol?: number; atol?: number }>((o) => {
  try {
    resolveTolerances('float64', o.rtol, o.atol);
    return undefined;
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
});

/** bce verify's options: commander's raw values in, VerifyOptions out; the cross-flag rules in it. */
const verifySchema = once(() =>
  z.pipe(
    optionsSchema(verifyFlags).check(jsonRule, toleranceRule),
    z.transform((o) => {
      const { json, ...rest } = withInputs(o);
      return { ...rest, format: formatOf(o), equalNan: rest.equalNan ?? false, quiet: rest.quiet ?? false };
    }),
  ),
);
export type VerifyOptions = z.output<ReturnType<typeof verifySchema>>;

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

/** Declares `bce verify` on the program; `parsed` receives the validated options. */
export function declareVerify(program: Command, parsed: (o: VerifyOptions) => void): void {
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
  addFlags(cmd, verifyFlags)
    .addHelpText('after', VERIFY_EXAMPLES)
    .action((bundle: string | undefined, raw: Record<string, unknown>) => {
      // bce's options before the word verify would be parsed by bce and silently dropped: refuse them
      refuseEarlyOptions(program, 'verify', '[bundle] [options]');
      parsed(parseOptions(verifySchema(), verifyFlags, raw, bundle));
    });
}

/** The dumped quantities, in report order: name (= bundle key) and the flag that overrides it. */
const QUANTITIES = [
  { name: 'loss', flag: '--expected-loss', option: 'expectedLoss' },
  { name: 'grad', flag: '--expected-grad', option: 'expectedGrad' },
  { name: 'grad_targets', flag: '--expected-grad-targets', option: 'expectedGradTargets' },
] as const;

/** What PyTorch computed in when neither --dtype nor the bundle says: the default of torch.tensor and of models. */
const DEFAULT_DTYPE: Dtype = 'float32';

export async function runVerify(o: VerifyOptions, io: Io): Promise<number> {
  checkStdinOnce([
    ['the bundle', bundleSpec(o.bundle, o.logits, io)],
    ['--logits', o.logits],
    ['--targets', o.targets],
    ['--weight', o.weight],
    ['--pos-weight', o.posWeight],
    ['--expected-loss', o.expectedLoss],
    ['--expected-grad', o.expectedGrad],
    ['--expected-grad-targets', o.expectedGradTargets],
  ]);
  const problem = await loadProblem(o, io, BUNDLE_KEYS);
  const bundle = problem.bundle;

  // The dumped values: a flag overrides the bundle's key. --expected-loss may be a number.
  const reader = new SourceReader(io);
  const dumped = new Map<string, Operand>();
  for (const q of QUANTITIES) {
    const value = o[q.option];
    const op = value !== undefined ? await readExpected(reader, value, q, o) : loadMember(bundle, q.name);
    if (op) dumped.set(q.name, op);
  }
  if (dumped.size === 0) {
    const where = bundle ? `${bundle.name} has no "loss", "grad" or "grad_targets"` : 'no dumped values were given';
    throw new UsageError(`nothing to verify: ${where}; give --expected-loss, --expected-grad or --expected-grad-targets`);
  }

  const dtype: Dtype = o.dtype ?? (bundle?.dtype !== undefined && isDtype(bundle.dtype) ? bundle.dtype : DEFAULT_DTYPE);
  const tol = resolveTolerances(dtype, o.rtol, o.atol);

  // bce's values, in float64, from the inputs as PyTorch held them: rounded to the dtype.
  const round = (t: Tensor): Tensor => ({ data: roundToDtype(t.data, dtype), shape: t.shape });
  const result = bceWithLogits(round(problem.logits.tensor), round(problem.targets.tensor), {
    weight: problem.weight && round(problem.weight.tensor),
    posWeight: problem.posWeight && round(problem.posWeight.tensor),
    reduction: problem.reduction,
    grad: dumped.has('grad'),
    gradTargets: dumped.has('grad_targets'),
  });
  const shape = result.shape;
  const ours: Record<string, Tensor | undefined> = {
    loss: typeof result.loss === 'number' ? { data: new Float64Array([result.loss]), shape: [] } : { data: result.loss, shape },
    grad: result.grad && { data: result.grad, shape },
    grad_targets: result.gradTargets && { data: result.gradTargets, shape },
  };

  const options = { ...tol, equalNan: o.equalNan };
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  for (const q of QUANTITIES) {
    const d = dumped.get(q.name);
    const expected = ours[q.name];
    if (d === undefined || expected === undefined) continue;
    let got = d.tensor;
    // A reduced loss dumped as a one-element tensor ([0.69], or a one-cell CSV) is that number: only its
    // value can be wrong. (assert_close would call [1] vs [] a shape mismatch; the value is what matters.)
    if (q.name === 'loss' && expected.shape.length === 0 && got.shape.length > 0 && got.data.length === 1) {
      got = { data: got.data, shape: [] };
    }
    if (q.name === 'loss' && !sameShape(got.shape, expected.shape)) notes.push(reductionHint(got, problem.reduction, shape));
    comparisons.push(compareTensors(q.name, got, expected, options));
  }

  if (!o.quiet) {
    for (const w of problem.warnings) io.warn(`bce: warning: ${w}`);
    for (const n of notes) if (n) io.warn(`bce: note: ${n}`);
    const meta = {
      dtype,
      ...tol,
      equalNan: o.equalNan,
      customTolerances: o.rtol !== undefined,
      skipped: QUANTITIES.filter((q) => !dumped.has(q.name)).map((q) => q.name),
    };
    const text =
      o.format === 'json' ? formatVerifyJson(comparisons, meta) : formatVerifyText(comparisons, meta, await paintFor(o, io));
    await io.writeStdout([text]);
  }
  return allPass(comparisons) ? ExitCode.ok : ExitCode.mismatch;
}

/** A dumped value from the bundle, loaded; undefined when the bundle has none. */
function loadMember(bundle: Bundle | undefined, key: string): Operand | undefined {
  const member = bundleMember(bundle, key);
  return member && loadInput(member);
}

/**
 * A dumped value from a flag: a file (or '-', or file.npz:member; an archive without a member gives the
 * member named like the quantity), or for the loss a number written on the command line.
 */
async function readExpected(
  reader: SourceReader,
  value: string,
  flag: (typeof QUANTITIES)[number],
  o: VerifyOptions,
): Promise<Operand> {
  const isLoss = flag.name === 'loss';
  if (value.trim() === '') throw new UsageError(`${flag.flag}: expected a file${isLoss ? ' or a number' : ''}, got ${quote(value)}`);
  if (isLoss && value !== '-') {
    const x = parseNumber(value.trim());
    if (x !== undefined) return { tensor: { data: new Float64Array([x]), shape: [] }, where: `${flag.flag} ${value}` };
    if (value.includes(',') && parseList(value) !== undefined) {
      throw new UsageError(`${flag.flag}: expected one number or a file, got the list ${value}; put a tensor in a file`);
    }
  }
  return readTensorFlag(reader, value, flag.flag, false, o.read, flag.name);
}

/** When the loss's shape is off, the usual cause is the reduction: say so (stderr), or return ''. */
function reductionHint(got: Tensor, reduction: string, shape: readonly number[]): string {
  if (reduction !== 'none' && sameShape(got.shape, shape)) {
    return (
      `the dumped loss has the logits' shape ${shapeString(shape)}: was it computed with reduction='none'? ` +
      `This check used reduction='${reduction}'; put "reduction": "none" in the bundle or pass -r none`
    );
  }
  if (reduction === 'none' && got.data.length === 1) {
    return (
      "the dumped loss is a single number: was it computed with reduction='mean' or 'sum'? " +
      `This check used reduction='none'; set "reduction" in the bundle or pass -r`
    );
  }
  return '';
}

/** Green pass, red FAIL, only when colour is wanted (a terminal, no NO_COLOR, or --color always). */
function paintFor(o: VerifyOptions, io: Io): Promise<Paint> {
  return loadPaint(colorLevel(o.color, io.env, io.stdoutIsTTY));
}
