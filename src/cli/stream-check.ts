/**
 * Whether a compute command may stream its inputs (../io/stream.ts, loaded only then): reduction mean or sum,
 * no gradients and no view that needs every element, logits and targets given as files or as columns of tables
 * (not stdin, not an archive member, not a bundle), weight and pos_weight not columns of a table.
 */
import type { ComputeOptions } from './compute.js';
import { DEFAULT_REDUCTION } from '../core/reduction.js';
import { splitMember } from '../io/read-tensor.js';
import { tableSpec, withRoleField } from '../io/table-open.js';

/** Whether the options allow streaming at all (the files are looked at by computeStreamed). */
export function streamable(o: ComputeOptions): boolean {
  const file = (v: string | undefined) => v !== undefined && v !== '-' && (splitMember(v).member === undefined || tableSpec(v) !== undefined);
  if (o.bundle !== undefined || !file(o.logits) || !file(o.targets)) return false;
  if (o.weight === '-' || o.posWeight === '-') return false;
  if (tableSpec(withRoleField(o.weight, 'weight')) !== undefined || tableSpec(withRoleField(o.posWeight, 'pos_weight')) !== undefined) return false;
  if (o.grad || o.gradTargets || o.perClass || o.hist || o.step !== undefined || o.labelSmoothing !== undefined) return false;
  if (o.format === 'ndjson') return false;
  const reduction = o.flagReduction?.reduction ?? DEFAULT_REDUCTION;
  return reduction === 'mean' || reduction === 'sum';
}

