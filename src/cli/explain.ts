/**
 * `bce explain [bundle]`: read -> validate -> take the loss apart step by step -> word it -> write.
 */
import type { Io } from '../io/source.js';
import type { ExplainOptions } from './options.js';
import { BUNDLE_KEYS, loadProblem } from '../io/inputs.js';
import { explain } from '../core/explain.js';
import { smoothTargets } from '../core/step.js';
import { formatExplain } from '../format/explain.js';
import { loadPaint } from '../format/paint.js';
import { colorLevel } from './color.js';
import { ExitCode } from '../errors.js';

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
