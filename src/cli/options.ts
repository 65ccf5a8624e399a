/**
 * zod schemas for the command's options and the bundle's structure -> typed values; the legacy
 * size_average / reduce mapping. Finding a problem (zod issue with a path) is kept apart from wording it.
 */
import * as z from 'zod/mini';
import { UsageError, showValue } from '../errors.js';
import { REDUCTION_NAMES, givesReduction, resolveReduction } from '../core/reduction.js';
import type { ResolvedReduction } from '../core/reduction.js';
import { TENSOR_FORMATS } from '../io/read-tensor.js';
import type { ReadOptions } from '../io/read-tensor.js';
import { CSV_ENGINES, delimiterOf } from '../io/csv-dialect.js';
import { parseNumber } from '../io/number.js';
import { DTYPES, resolveTolerances } from '../core/verify.js';
import type { Dtype } from '../core/verify.js';

export const FORMATS = ['table', 'json', 'csv', 'ndjson'] as const;
export const COLOR_MODES = ['auto', 'always', 'never'] as const;
export type Format = (typeof FORMATS)[number];
export type ColorMode = (typeof COLOR_MODES)[number];

/** Strict booleans for the legacy flags: true/false (any case), 1/0, yes/no. */
const boolText = z.pipe(
  z.string().check(z.regex(/^(true|false|1|0|yes|no)$/i)),
  z.transform((s: string) => /^(true|1|yes)$/i.test(s)),
);

/** Significant digits, 1 to 17 (17 always round-trips a double). */
const precisionText = z.pipe(
  z.string().check(z.regex(/^\d+$/)),
  z.pipe(z.transform((s: string) => Number(s)), z.number().check(z.minimum(1), z.maximum(17))),
);

/** The input options shared by bce and bce verify, as commander hands them over. */
const inputOptionsShape = {
  logits: z.optional(z.string()),
  targets: z.optional(z.string()),
  weight: z.optional(z.string()),
  posWeight: z.optional(z.string()),
  reduction: z.optional(z.enum(REDUCTION_NAMES)),
  sizeAverage: z.optional(boolText),
  reduce: z.optional(boolText),
  inputFormat: z.optional(z.enum(TENSOR_FORMATS)),
  header: z.optional(z.boolean()),
  delimiter: z.optional(z.pipe(z.string().check(z.refine((s: string) => delimiterOf(s) !== undefined)), z.transform((s: string) => delimiterOf(s) as string))),
  csvEngine: z.optional(z.enum(CSV_ENGINES)),
};

/** The input fields of validated options, shared by bce and bce verify. */
export interface InputOptions {
  bundle?: string;
  logits?: string;
  targets?: string;
  weight?: string;
  posWeight?: string;
  reduction?: (typeof REDUCTION_NAMES)[number];
  sizeAverage?: boolean;
  reduce?: boolean;
  /** the reduction the flags decide, resolved once here; absent when no reduction flag is given */
  flagReduction?: ResolvedReduction;
  /** how files are read: --input-format (and the CSV dialect) */
  read: ReadOptions;
}

type RawInputOptions = { [K in keyof typeof inputOptionsShape]?: z.infer<(typeof inputOptionsShape)[K]> };

/** How files are read: only the settings given, so that the defaults stay visible as absent. */
function readOptionsOf(o: RawInputOptions): ReadOptions {
  const read: ReadOptions = { inputFormat: o.inputFormat };
  if (o.header !== undefined || o.delimiter !== undefined || o.csvEngine !== undefined) {
    read.csv = { header: o.header, delimiter: o.delimiter, engine: o.csvEngine };
  }
  return read;
}

/** The validated input fields out of a parsed option object. */
function inputOptionsOf(o: RawInputOptions, bundle: string | undefined): InputOptions {
  return {
    bundle,
    logits: o.logits,
    targets: o.targets,
    weight: o.weight,
    posWeight: o.posWeight,
    reduction: o.reduction,
    sizeAverage: o.sizeAverage,
    reduce: o.reduce,
    flagReduction: givesReduction(o) ? resolveReduction(o.reduction, o.sizeAverage, o.reduce) : undefined,
    read: readOptionsOf(o),
  };
}

/** A number in bce's strict grammar, checked by `ok`. */
const numberText = (ok: (x: number) => boolean) =>
  z.pipe(
    z.string().check(z.refine((s: string) => parseNumber(s) !== undefined && ok(parseNumber(s) as number))),
    z.transform((s: string) => parseNumber(s) as number),
  );
/** --step: a learning rate, finite and > 0. */
const learningRateText = numberText((x) => Number.isFinite(x) && x > 0);
/** --label-smoothing: eps in [0, 1]. */
const smoothingText = numberText((x) => x >= 0 && x <= 1);
/** --bins: 1 to 200 bins. */
const binsText = z.pipe(
  z.string().check(z.regex(/^\d+$/)),
  z.pipe(z.transform((s: string) => Number(s)), z.number().check(z.minimum(1), z.maximum(200))),
);

/** The compute command's options as commander hands them over (strings and booleans). */
export const computeOptionsSchema = z.object({
  ...inputOptionsShape,
  grad: z.optional(z.boolean()),
  gradTargets: z.optional(z.boolean()),
  format: z.optional(z.enum(FORMATS)),
  json: z.optional(z.boolean()),
  precision: z.optional(precisionText),
  color: z.optional(z.enum(COLOR_MODES)),
  output: z.optional(z.string()),
  perClass: z.optional(z.boolean()),
  hist: z.optional(z.boolean()),
  histLog: z.optional(z.boolean()),
  bins: z.optional(binsText),
  step: z.optional(learningRateText),
  labelSmoothing: z.optional(smoothingText),
  quiet: z.optional(z.boolean()),
});

export interface ComputeOptions extends InputOptions {
  grad: boolean;
  gradTargets: boolean;
  format: Format;
  precision?: number;
  color: ColorMode;
  output?: string;
  /** --per-class: the breakdown per class (the last dimension) */
  perClass?: boolean;
  /** --hist / --hist-log: a histogram of the element losses, linear or logarithmic bins */
  hist?: 'linear' | 'log';
  /** --bins: exactly this many histogram bins */
  bins?: number;
  /** --step: the learning rate of one gradient-descent step on the logits */
  step?: number;
  /** --label-smoothing: y' = y (1 - eps) + eps / 2 */
  labelSmoothing?: number;
  /** -q, --quiet: no warnings and no progress bar on stderr */
  quiet?: boolean;
}

const FLAG_OF: Record<string, string> = {
  inputFormat: '--input-format',
  header: '--header',
  delimiter: '--delimiter',
  csvEngine: '--csv-engine',
  logits: '--logits',
  targets: '--targets',
  weight: '--weight',
  posWeight: '--pos-weight',
  reduction: '--reduction',
  sizeAverage: '--size-average',
  reduce: '--reduce',
  format: '--format',
  precision: '--precision',
  color: '--color',
  output: '--output',
  bins: '--bins',
  step: '--step',
  labelSmoothing: '--label-smoothing',
};

const EXPECTED: Record<string, string> = {
  inputFormat: `one of ${TENSOR_FORMATS.join(', ')}`,
  delimiter: "one of ',' ';' tab space whitespace",
  csvEngine: `one of ${CSV_ENGINES.join(', ')}`,
  reduction: `one of ${REDUCTION_NAMES.join(', ')}`,
  sizeAverage: 'true or false',
  reduce: 'true or false',
  format: `one of ${FORMATS.join(', ')}`,
  precision: 'a whole number of significant digits from 1 to 17',
  color: `one of ${COLOR_MODES.join(', ')}`,
  bins: 'a whole number of bins from 1 to 200',
  step: 'a learning rate, a number > 0',
  labelSmoothing: 'a number from 0 to 1',
};

/** Validates commander's raw option object; a problem becomes a UsageError naming the flag. */
export function parseComputeOptions(raw: Record<string, unknown>, bundle?: string): ComputeOptions {
  const r = computeOptionsSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = String(issue.path[0] ?? '');
    const flag = FLAG_OF[key] ?? key;
    const got = raw[key];
    throw new UsageError(`${flag}: expected ${EXPECTED[key] ?? 'a valid value'}, got ${showValue(got)}`);
  }
  const o = r.data;
  let format: Format = o.format ?? 'table';
  if (o.json) {
    if (o.format !== undefined && o.format !== 'json') throw new UsageError(`--json conflicts with --format ${o.format}`);
    format = 'json';
  }
  const views = [
    ['--per-class', o.perClass],
    ['--hist', o.hist],
    ['--hist-log', o.histLog],
    ['--step', o.step !== undefined],
  ] as const;
  for (const [flag, on] of views) {
    if (on && format !== 'table' && format !== 'json') {
      throw new UsageError(`${flag} shows in the table or json format, not ${format}`);
    }
  }
  if (o.bins !== undefined && !o.hist && !o.histLog) throw new UsageError('--bins needs --hist or --hist-log');
  return {
    ...inputOptionsOf(o, bundle),
    grad: o.grad ?? false,
    gradTargets: o.gradTargets ?? false,
    format,
    precision: o.precision,
    color: o.color ?? 'auto',
    output: o.output === '-' ? undefined : o.output,
    perClass: o.perClass,
    hist: o.histLog ? 'log' : o.hist ? 'linear' : undefined,
    bins: o.bins,
    step: o.step,
    labelSmoothing: o.labelSmoothing,
    quiet: o.quiet,
  };
}

// ------------------------------------------------------------------------------------------------
// bce explain
// ------------------------------------------------------------------------------------------------

export interface ExplainOptions extends InputOptions {
  labelSmoothing?: number;
  /** rows of the last dimension to walk through */
  rows: number;
  precision?: number;
  color: ColorMode;
}

const rowsText = z.pipe(
  z.string().check(z.regex(/^\d+$/)),
  z.pipe(z.transform((s: string) => Number(s)), z.number().check(z.minimum(1), z.maximum(100))),
);

/** bce explain's options: the inputs, --label-smoothing, --rows, --precision and --color. */
export function parseExplainOptions(raw: Record<string, unknown>, bundle?: string): ExplainOptions {
  const { rows, ...rest } = raw;
  const r = rowsText.safeParse(rows ?? '2');
  if (!r.success) throw new UsageError(`--rows: expected a whole number of rows from 1 to 100, got ${showValue(rows)}`);
  const c = parseComputeOptions(rest, bundle);
  const { bundle: b, logits, targets, weight, posWeight, reduction, sizeAverage, reduce, flagReduction, read } = c;
  return {
    ...{ bundle: b, logits, targets, weight, posWeight, reduction, sizeAverage, reduce, flagReduction, read },
    labelSmoothing: c.labelSmoothing,
    rows: r.data,
    precision: c.precision,
    color: c.color,
  };
}

// ------------------------------------------------------------------------------------------------
// bce verify
// ------------------------------------------------------------------------------------------------

export const VERIFY_FORMATS = ['table', 'json'] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

/** A tolerance: the strict number grammar, finite and >= 0. */
const toleranceText = z.pipe(
  z.string(),
  z.pipe(z.transform((s: string) => parseNumber(s.trim()) ?? NaN), z.number().check(z.minimum(0))),
);

/** The verify command's options as commander hands them over. */
export const verifyOptionsSchema = z.object({
  ...inputOptionsShape,
  expectedLoss: z.optional(z.string()),
  expectedGrad: z.optional(z.string()),
  expectedGradTargets: z.optional(z.string()),
  dtype: z.optional(z.enum(DTYPES)),
  rtol: z.optional(toleranceText),
  atol: z.optional(toleranceText),
  equalNan: z.optional(z.boolean()),
  quiet: z.optional(z.boolean()),
  format: z.optional(z.enum(VERIFY_FORMATS)),
  json: z.optional(z.boolean()),
  color: z.optional(z.enum(COLOR_MODES)),
});

export interface VerifyOptions extends InputOptions {
  /** a file, or a number given on the command line */
  expectedLoss?: string;
  expectedGrad?: string;
  expectedGradTargets?: string;
  /** --dtype; when absent, the bundle's "dtype", else float32 */
  dtype?: Dtype;
  /** both or neither (checked here, as assert_close does) */
  rtol?: number;
  atol?: number;
  equalNan: boolean;
  quiet: boolean;
  format: VerifyFormat;
  color: ColorMode;
}

const VERIFY_FLAG_OF: Record<string, string> = {
  ...FLAG_OF,
  expectedLoss: '--expected-loss',
  expectedGrad: '--expected-grad',
  expectedGradTargets: '--expected-grad-targets',
  dtype: '--dtype',
  rtol: '--rtol',
  atol: '--atol',
};

const VERIFY_EXPECTED: Record<string, string> = {
  ...EXPECTED,
  format: `one of ${VERIFY_FORMATS.join(', ')}`,
  dtype: `one of ${DTYPES.join(', ')}`,
  rtol: 'a finite number >= 0',
  atol: 'a finite number >= 0',
};

/** Validates commander's raw option object for `bce verify`; a problem becomes a UsageError naming the flag. */
export function parseVerifyOptions(raw: Record<string, unknown>, bundle?: string): VerifyOptions {
  const r = verifyOptionsSchema.safeParse(raw);
  if (!r.success) {
    const key = String(r.error.issues[0].path[0] ?? '');
    const flag = VERIFY_FLAG_OF[key] ?? key;
    throw new UsageError(`${flag}: expected ${VERIFY_EXPECTED[key] ?? 'a valid value'}, got ${showValue(raw[key])}`);
  }
  const o = r.data;
  let format: VerifyFormat = o.format ?? 'table';
  if (o.json) {
    if (o.format !== undefined && o.format !== 'json') throw new UsageError(`--json conflicts with --format ${o.format}`);
    format = 'json';
  }
  // Only one of rtol/atol is an error, as in assert_close: checked before any input is read.
  resolveTolerances('float64', o.rtol, o.atol);
  return {
    ...inputOptionsOf(o, bundle),
    expectedLoss: o.expectedLoss,
    expectedGrad: o.expectedGrad,
    expectedGradTargets: o.expectedGradTargets,
    dtype: o.dtype,
    rtol: o.rtol,
    atol: o.atol,
    equalNan: o.equalNan ?? false,
    quiet: o.quiet ?? false,
    format,
    color: o.color ?? 'auto',
  };
}
