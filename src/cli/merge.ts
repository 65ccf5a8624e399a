/**
 * `bce merge PARTIAL...`: combines the documents that `--format partial` writes (one per line; files, or stdin)
 * into the mean or sum over all of their rows. Their sums are added exactly and rounded once, so the result
 * does not depend on their order and is within 1 ulp of the exact mean or sum of the element losses.
 */
import * as z from 'zod/mini';
import type { Command } from 'commander';
import type { Io } from '../io/source.js';
import { SourceReader } from '../io/source.js';
import { InputError, UsageError, quote } from '../errors.js';
import { ExitCode } from '../errors.js';
import { ExactSum } from '../core/exact-sum.js';
import { sameShape } from '../core/tensor.js';
import { PARTIAL_VERSION, formatPartial } from '../format/partial.js';
import type { Partial, PartialClasses } from '../format/partial.js';
import { perClassFrom } from '../core/stats.js';
import type { PerClass } from '../core/stats.js';
import { formatJson } from '../format/json.js';
import { loadPaint } from '../format/paint.js';
import { colorLevel } from './color.js';
import { addFlags, colorFlag, formatFlags, formatOf, jsonRule, once, optionsSchema, outputFlag, parseOptions, precisionFlag, refuseEarlyOptions } from './options.js';

const mergeFlags = {
  ...formatFlags(['table', 'json', 'partial'] as const, 'output'),
  precision: precisionFlag('significant digits in table output (1-17)'),
  color: colorFlag,
  output: outputFlag,
};

const mergeSchema = once(() =>
  z.pipe(
    optionsSchema(mergeFlags).check(jsonRule),
    z.transform((o) => ({ ...o, format: formatOf(o), output: o.output === '-' ? undefined : o.output })),
  ),
);
export type MergeOptions = z.output<ReturnType<typeof mergeSchema>> & { partials: string[] };

/** Declares `bce merge`; `parsed` receives the validated options. */
export function declareMerge(program: Command, parsed: (o: MergeOptions) => void): void {
  const cmd = program
    .command('merge')
    .description('combine the results of bce --format partial on parts of the rows into one mean or sum')
    .usage('[partial...] [options]')
    .argument('[partial...]', "files written by bce -f partial (one document per line); '-' or none: stdin")
    .helpOption('-h, --help', 'show this help')
    .showHelpAfterError('(run bce merge --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ ls parts/*.npz | xargs -P 4 -I{} bce -l {}:logits -t {}:targets -f partial -o {}.partial
  $ bce merge parts/*.partial                           the mean over every part's rows
  $ parallel bce -l {}:logits -t {}:targets -f partial ::: parts/*.npz | bce merge --json`,
    );
  addFlags(cmd, mergeFlags).action((partials: string[], raw: Record<string, unknown>) => {
    refuseEarlyOptions(program, 'merge', '[partial...] [options]');
    parsed({ ...parseOptions(mergeSchema(), mergeFlags, raw, undefined), partials });
  });
}

/** A number as JSON holds it: the non-finite ones as the strings the writers use. */
const jsonNum = z.union([
  z.number(),
  z.pipe(
    z.enum(['NaN', 'Infinity', '-Infinity']),
    z.transform((s) => Number(s)),
  ),
]);
const whole = z.number().check(z.int(), z.minimum(0));

const pair = z.tuple([jsonNum, jsonNum]);
const partialSchema = z.object({
  bce_partial: z.literal(PARTIAL_VERSION),
  reduction: z.enum(['mean', 'sum']),
  count: whole,
  rows: whole,
  shape: z.array(whole),
  sum: pair,
  scale: z.union([z.literal(0), z.literal(64)]),
  per_class: z.optional(
    z.object({ count: whole, sums: z.array(pair), positives: z.array(whole), pos_weight: z.array(pair), weight: z.array(pair) }),
  ),
});

/** A partial and where it was read, for messages. */
interface Located {
  partial: Partial;
  where: string;
}

/** The partials in one input: each non-blank line is a document. */
function parsePartials(name: string, text: string): Located[] {
  const found: Located[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${name}:${i + 1}`;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new InputError(where, `not a JSON document: ${quote(line)}`);
    }
    const r = partialSchema.safeParse(doc);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the document';
      throw new InputError(where, `not a partial of bce -f partial (version ${PARTIAL_VERSION}): ${field} is missing or wrong`);
    }
    const { per_class: k, ...p } = r.data;
    const count = p.rows * p.shape.reduce((a, b) => a * b, 1);
    if (count !== p.count) throw new InputError(where, `count ${p.count} is not rows x shape (${count})`);
    const partial: Partial = { ...p, sum: [p.sum[0], p.sum[1]] };
    if (k) {
      const classes = p.shape.length > 0 ? p.shape[p.shape.length - 1] : 1;
      if ([k.sums, k.positives, k.pos_weight, k.weight].some((a) => a.length !== classes) || k.count * classes !== count) {
        throw new InputError(where, `"per_class" does not hold ${classes} classes of ${count / classes} elements, as the shape says`);
      }
      partial.perClass = { count: k.count, sums: k.sums, positives: k.positives, posWeight: k.pos_weight, weight: k.weight };
    }
    found.push({ partial, where });
  }
  return found;
}

/** The partials' exact total, checked to agree in reduction and shape. */
export function mergePartials(parts: readonly Located[]): Partial {
  const first = parts[0];
  const total = new ExactSum();
  let count = 0;
  let rows = 0;
  for (const { partial: p, where } of parts) {
    if (p.reduction !== first.partial.reduction) {
      throw new InputError(where, `reduction ${p.reduction}, but ${first.where} has ${first.partial.reduction}`);
    }
    if (!sameShape(p.shape, first.partial.shape)) {
      throw new InputError(where, `rows of shape [${p.shape.join(', ')}], but ${first.where} has rows of shape [${first.partial.shape.join(', ')}]`);
    }
    if (Boolean(p.perClass) !== Boolean(first.partial.perClass)) {
      const [has, hasNot] = p.perClass ? [where, first.where] : [first.where, where];
      throw new InputError(where, `${has} has per-class sums and ${hasNot} has not: give --per-class to every part or to none`);
    }
    total.add(p.sum[0], p.scale);
    total.add(p.sum[1], p.scale);
    count += p.count;
    rows += p.rows;
  }
  const plain = total.value();
  const scale: 0 | 64 = plain - plain === 0 || plain !== plain ? 0 : 64;
  const merged: Partial = { reduction: first.partial.reduction, count, rows, shape: first.partial.shape, sum: total.pair(-scale), scale };
  if (first.partial.perClass) merged.perClass = mergeClasses(parts.map((l) => l.partial.perClass as PartialClasses));
  return merged;
}

/** The lower of two minima and the higher of two maxima; NaN in either stays NaN. */
function widen(a: readonly [number, number], b: readonly [number, number]): [number, number] {
  const nan = a[0] !== a[0] || b[0] !== b[0];
  return nan ? [NaN, NaN] : [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

/** Per class: the sums added exactly, the counts and positives added, the ranges widened. */
function mergeClasses(parts: readonly PartialClasses[]): PartialClasses {
  const sums = parts[0].sums.map(() => new ExactSum());

  const first = parts[0];
  const out: PartialClasses = { ...first, count: 0, positives: first.positives.map(() => 0), posWeight: [...first.posWeight], weight: [...first.weight] };
  for (const k of parts) {
    out.count += k.count;
    k.sums.forEach((s, c) => {
      sums[c].add(s[0]);
      sums[c].add(s[1]);
      out.positives[c] += k.positives[c];
      out.posWeight[c] = widen(out.posWeight[c], k.posWeight[c]);
      out.weight[c] = widen(out.weight[c], k.weight[c]);
    });
  }
  return { ...out, sums: sums.map((s) => s.pair()) };
}

/** The per-class statistics of a merged partial, for the table and JSON writers. */
function perClassOf(p: Partial): PerClass | undefined {
  const k = p.perClass;
  if (!k) return undefined;
  const range = ([min, max]: readonly [number, number]) => ({ min, max });
  const total = lossOf({ ...p, reduction: 'sum' });
  return perClassFrom({ sums: k.sums, positives: k.positives, count: k.count, weight: k.weight.map(range), posWeight: k.posWeight.map(range), total });
}

/** The mean or sum a partial stands for, as the kernel gives it (ChunkSums.result): rounded once, then divided. */
export function lossOf(p: Partial): number {
  const v = p.sum[0] + p.sum[1];
  const mean = p.reduction === 'mean';
  if (p.scale === 0) return mean ? v / p.count : v;
  return (mean ? v / p.count : v) * 2 ** 64;
}

export async function runMerge(o: MergeOptions, io: Io): Promise<number> {
  const specs = o.partials.length > 0 ? o.partials : ['-'];
  if (o.partials.length === 0 && io.stdinIsTTY) throw new UsageError('merge: give the partial files, or pipe them to stdin');
  const reader = new SourceReader(io);
  const parts: Located[] = [];
  const names: string[] = [];
  for (const spec of specs) {
    const src = await reader.read(spec, 'a partial');
    names.push(src.name);
    parts.push(...parsePartials(src.name, new TextDecoder().decode(src.bytes)));
  }
  if (parts.length === 0) throw new InputError(names.join(', '), 'no partials in it (one per line, as bce -f partial writes them)');
  const merged = mergePartials(parts);
  const result = { reduction: merged.reduction, shape: [merged.rows, ...merged.shape], loss: lossOf(merged) };
  let chunks: Iterable<string>;
  if (o.format === 'partial') chunks = [formatPartial(merged)];
  else if (o.format === 'json') chunks = formatJson(result, { perClass: perClassOf(merged) });
  else {
    const { formatTable } = await import('../format/table.js');
    const level = o.output !== undefined ? (o.color === 'always' ? 1 : 0) : colorLevel(o.color, io.env, io.stdoutIsTTY);
    chunks = [formatTable(result, { precision: o.precision, paint: await loadPaint(level), perClass: perClassOf(merged) })];
  }
  if (o.output !== undefined) await io.writeFileAtomic(o.output, chunks);
  else await io.writeStdout(chunks);
  return ExitCode.ok;
}
