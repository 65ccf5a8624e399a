/**
 * `bce [bundle]`: read -> validate -> compute -> format -> write.
 */
import type { Io } from '../io/source.js';
import type { ComputeOptions } from '../options.js';
import { BUNDLE_KEYS, loadProblem } from '../inputs.js';
import { bceWithLogits } from '../kernel.js';
import { formatJson } from '../format/json.js';
import { formatCsv } from '../format/csv.js';
import { colorLevel } from '../color.js';
import { ExitCode } from '../errors.js';

export async function runCompute(o: ComputeOptions, io: Io): Promise<number> {
  const problem = await loadProblem(o, io, BUNDLE_KEYS);
  for (const w of problem.warnings) io.warn(`bce: warning: ${w}`);
  const result = bceWithLogits(problem.logits.tensor, problem.targets.tensor, {
    weight: problem.weight?.tensor,
    posWeight: problem.posWeight?.tensor,
    reduction: problem.reduction,
    grad: o.grad,
    gradTargets: o.gradTargets,
  });
  let chunks: Iterable<string>;
  if (o.format === 'json') chunks = formatJson(result);
  else if (o.format === 'csv') chunks = formatCsv(result, o.precision);
  else {
    const level = o.output !== undefined ? (o.color === 'always' ? 1 : 0) : colorLevel(o.color, io.env, io.stdoutIsTTY);
    const { formatTable } = await import('../format/table.js');
    const chalk = level > 0 ? new (await import('chalk')).Chalk({ level }) : undefined;
    chunks = [formatTable(result, { precision: o.precision, chalk })];
  }
  if (o.output !== undefined) await io.writeFileAtomic(o.output, chunks);
  else await io.writeStdout(chunks);
  return ExitCode.ok;
}
