/**
 * The option groups that commands share, each flag declared once: its commander option (help, choices),
 * the zod schema of the value commander hands over, and how a bad value is described. A command module
 * (compute.ts, verify.ts, explain.ts) picks groups, adds its own flags, and builds its schema with
 * `optionsSchema`; `parseOptions` turns a zod issue into one UsageError line. Finding a problem (a zod issue
 * with a path) is kept apart from wording it.
 */
import * as z from 'zod/mini';
import { Option } from 'commander';
import type { Command } from 'commander';
import { UsageError, showValue } from '../errors.js';
import { REDUCTION_NAMES, givesReduction, resolveReduction } from '../core/reduction.js';
import { TENSOR_FORMATS } from '../io/read-tensor.js';
import type { ReadOptions } from '../io/read-tensor.js';
import { CSV_ENGINES, delimiterOf } from '../io/csv-dialect.js';
import { parseNumber } from '../io/number.js';
import { COLOR_MODES } from './color.js';

/** One flag: made into commander options for each program, checked by `schema`. */
export interface Flag<S extends z.ZodMiniType = z.ZodMiniType> {
  /** the commander option(s): a pair like --header / --no-header sets one value */
  options: () => Option[];
  schema: S;
  /** a bad value is worded "--flag: expected <expected>, got <value>" */
  expected?: string;
}
export type Flags = Record<string, Flag>;

/** A flag from a commander option and the zod schema of its value. */
export function flag<S extends z.ZodMiniType>(option: () => Option | Option[], schema: S, expected?: string): Flag<S> {
  return { options: () => [option()].flat(), schema, expected };
}

/** An optional string value (a file, a list), never refused here. */
export const text = z.optional(z.string());
/** A switch. */
export const on = z.optional(z.boolean());

/** A whole number from `min` to `max`. */
export const wholeText = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/)),
    z.pipe(z.transform((s: string) => Number(s)), z.number().check(z.minimum(min), z.maximum(max))),
  );

/** A number in bce's strict grammar, checked by `ok`. */
export const numberText = (ok: (x: number) => boolean) =>
  z.pipe(
    z.string().check(z.refine((s: string) => parseNumber(s) !== undefined && ok(parseNumber(s) as number))),
    z.transform((s: string) => parseNumber(s) as number),
  );

/** Strict booleans for the legacy flags: true/false (any case), 1/0, yes/no. */
const boolText = z.pipe(
  z.string().check(z.regex(/^(true|false|1|0|yes|no)$/i)),
  z.transform((s: string) => /^(true|1|yes)$/i.test(s)),
);

const oneOf = (choices: readonly string[]) => `one of ${choices.join(', ')}`;

/** Where the inputs come from and how they are read: bce, bce verify and bce explain. */
export const inputFlags = {
  logits: flag(
    () => new Option('-l, --logits <file>', "logits: .json, .csv, .npy, file.npz:NAME / file.safetensors:NAME, or a table's columns FILE:COLUMNS; '-' reads stdin"),
    text,
  ),
  targets: flag(() => new Option('-t, --targets <file>', "targets, exactly the logits' shape; '-' reads stdin"), text),
  weight: flag(
    () => new Option('-w, --weight <file|list>', "weight, broadcastable to the logits' shape; a list like 0.7,0.2,0.1 is a 1-D tensor"),
    text,
  ),
  posWeight: flag(
    () => new Option('-p, --pos-weight <file|list>', "pos_weight, broadcastable to the logits' shape, normally one value per class"),
    text,
  ),
  reduction: flag(
    () =>
      new Option('-r, --reduction <r>', 'none | mean | sum (default: mean); elementwise_mean is a deprecated alias of mean').choices(
        REDUCTION_NAMES,
      ),
    z.optional(z.enum(REDUCTION_NAMES)),
    oneOf(REDUCTION_NAMES),
  ),
  sizeAverage: flag(
    () => new Option('--size-average <bool>', 'legacy PyTorch flag (true|false); with --reduce it decides the reduction, with a deprecation warning'),
    z.optional(boolText),
    'true or false',
  ),
  reduce: flag(
    () => new Option('--reduce <bool>', 'legacy PyTorch flag (true|false); false means reduction none'),
    z.optional(boolText),
    'true or false',
  ),
  inputFormat: flag(
    () =>
      new Option('--input-format <fmt>', 'read every input as this format instead of going by extension and content').choices(
        TENSOR_FORMATS,
      ),
    z.optional(z.enum(TENSOR_FORMATS)),
    oneOf(TENSOR_FORMATS),
  ),
  header: flag(
    () => [
      new Option('--header', 'CSV: the first row is a header (default: a header when none of its cells is a number)'),
      new Option('--no-header', 'CSV: the first row is data'),
    ],
    on,
  ),
  delimiter: flag(
    () => new Option('--delimiter <c>', "CSV: ',' ';' tab space (one space) or whitespace (runs of spaces and tabs); default: sniffed"),
    z.optional(
      z.pipe(
        z.string().check(z.refine((s: string) => delimiterOf(s) !== undefined)),
        z.transform((s: string) => delimiterOf(s) as string),
      ),
    ),
    "one of ',' ';' tab space whitespace",
  ),
  csvEngine: flag(
    () =>
      new Option('--csv-engine <e>', 'CSV reader: auto (fast scanner, csv-parse for what it does not handle), fast, csv-parse').choices(
        CSV_ENGINES,
      ),
    z.optional(z.enum(CSV_ENGINES)),
    oneOf(CSV_ENGINES),
  ),
};

/** -f, --format and --json, for a command whose outputs are `formats` (`what` names them in the help). */
export function formatFlags<const F extends readonly [string, ...string[]]>(formats: F, what: string) {
  return {
    format: flag(
      () => new Option('-f, --format <f>', `${what} format (default: table)`).choices(formats),
      z.optional(z.enum(formats)),
      oneOf(formats),
    ),
    json: flag(() => new Option('--json', 'same as --format json'), on),
  };
}

/** --precision, with the help of the command (what its digits apply to). */
export const precisionFlag = (help: string) =>
  flag(
    () => new Option('--precision <digits>', help),
    z.optional(wholeText(1, 17)),
    'a whole number of significant digits from 1 to 17',
  );

/** -o, --output: a file written atomically, or - for stdout. */
export const outputFlag = flag(
  () => new Option('-o, --output <file>', 'write the result to this file atomically instead of stdout'),
  z.optional(z.string().check(z.minLength(1))),
  'a file name, or - for stdout',
);

/** -q, --quiet, with the help of the command (what it keeps off stderr or stdout). */
export const quietFlag = (help: string) => flag(() => new Option('-q, --quiet', help), on);

export const colorFlag = flag(
  () =>
    new Option('--color <when>', 'colour in table and text output; auto = only on a terminal and never when NO_COLOR is set')
      .choices(COLOR_MODES)
      .default('auto'),
  z._default(z.enum(COLOR_MODES), 'auto'),
  oneOf(COLOR_MODES),
);

export const labelSmoothingFlag = flag(
  () =>
    new Option('--label-smoothing <eps>', "smooth the targets first, y' = y (1 - eps) + eps / 2, as Keras does (0 <= eps <= 1)"),
  z.optional(numberText((x) => x >= 0 && x <= 1)),
  'a number from 0 to 1',
);

/** Adds the flags' commander options to a command. */
export function addFlags(cmd: Command, flags: Flags): Command {
  for (const f of Object.values(flags)) for (const o of f.options()) cmd.addOption(o);
  return cmd;
}

type ShapeOf<F extends Flags> = { [K in keyof F]: F[K]['schema'] };

/** The zod object of a command's options: the positional bundle and its flags. */
export function optionsSchema<F extends Flags>(flags: F) {
  const shape = Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, f.schema])) as ShapeOf<F>;
  return z.object({ bundle: text, ...shape });
}

/** A command's schema, built when first asked for: a run builds only the schema of its command. */
export function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

/** A rule across flags, for `.check()`: the message of what is wrong, or undefined. */
export function rule<T>(problem: (o: T) => string | undefined) {
  return z.check<T>((ctx) => {
    const message = problem(ctx.value);
    if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  });
}

/** `--json` is `--format json`, and conflicts with another --format. */
export const jsonRule = rule<{ json?: boolean; format?: string }>((o) =>
  o.json && o.format !== undefined && o.format !== 'json' ? `--json conflicts with --format ${o.format}` : undefined,
);

/** The output format: --json, else --format, else table. */
export function formatOf<F extends string>(o: { json?: boolean; format?: F }): F | 'json' | 'table' {
  return o.json ? 'json' : (o.format ?? 'table');
}

/** sizeAverage -> --size-average: commander's attribute name back to its flag. */
const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Validates commander's raw options (and the bundle argument); a problem becomes a UsageError. */
export function parseOptions<S extends z.ZodMiniType>(
  schema: S,
  flags: Flags,
  raw: Record<string, unknown>,
  bundle: string | undefined,
): z.output<S> {
  // every flag of the command is a key of the options, undefined when not given
  const given = Object.fromEntries(Object.keys(flags).map((k) => [k, raw[k]]));
  const r = schema.safeParse({ ...given, bundle });
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // a rule across flags words its own message; a bad value is worded from its flag
  if (issue.path.length === 0) throw new UsageError(issue.message);
  const key = String(issue.path[0]);
  throw new UsageError(`${flagOf(key)}: expected ${flags[key]?.expected ?? 'a valid value'}, got ${showValue(raw[key])}`);
}

type RawInputs = z.output<ReturnType<typeof optionsSchema<typeof inputFlags>>>;

/**
 * The input fields as the readers take them: the CSV settings gathered in `read` (only those given, so
 * that the defaults stay visible as absent), and the reduction the flags decide, resolved once here.
 */
export function withInputs<T extends RawInputs>(o: T) {
  const { inputFormat, header, delimiter, csvEngine, ...rest } = o;
  const read: ReadOptions = { inputFormat };
  if (header !== undefined || delimiter !== undefined || csvEngine !== undefined) {
    read.csv = { header, delimiter, engine: csvEngine };
  }
  const flagReduction = givesReduction(o) ? resolveReduction(o.reduction, o.sizeAverage, o.reduce) : undefined;
  return { ...rest, flagReduction, read };
}

/** The input options of every command, as io/inputs.ts reads them. */
export type InputOptions = ReturnType<typeof withInputs<RawInputs>>;

/** Refuses bce's own options given before a subcommand's name: they would be silently dropped. */
export function refuseEarlyOptions(program: Command, name: string, usage: string): void {
  const early = program.options.find((opt) => program.getOptionValueSource(opt.attributeName()) === 'cli');
  if (early) throw new UsageError(`${early.long ?? early.flags} goes after ${name}: bce ${name} ${usage}`);
}
