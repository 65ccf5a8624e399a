/**
 * `bce [bundle]`: read -> validate -> compute -> format -> write.
 */
import type { Io } from '../io/source.js';
import type { ComputeOptions } from './options.js';
import { BUNDLE_KEYS, loadProblem } from '../io/inputs.js';
import { bceWithLogitsParallel, threadsFromEnv } from '../parallel.js';
import { formatJson } from '../format/json.js';
import { formatCsv } from '../format/csv.js';
import { loadPaint } from '../format/paint.js';
import { colorLevel } from './color.js';
import { ExitCode } from '../errors.js';
import { commandTypo } from './suggest.js';
import { streamable } from './stream-check.js';
import { enableReadProgress } from '../format/progress.js';

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
  // mean or sum of CSV / NPY files without gradients: read in chunks, in memory that does not grow with them
  enableReadProgress(io, !o.quiet);
  const { streamed, problem } = await readInputs(o, io).catch((e: unknown) => {
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
