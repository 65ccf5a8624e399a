/**
 * PyTorch's reduction rules (torch/nn/_reduction.py): the reduction a loss uses, from `reduction` or from
 * the legacy `size_average` / `reduce` flags, with the deprecation warnings PyTorch gives for the old
 * spellings.
 *
 *   resolveReduction(undefined, false, undefined)
 *   // { reduction: 'sum', warnings: ["size_average and reduce args will be deprecated, please use reduction='sum' instead."] }
 */
import { UsageError } from '../errors.js';
import type { Reduction } from './kernel.js';

const REDUCTIONS: readonly string[] = ['none', 'mean', 'sum'] satisfies Reduction[];
/** what --reduction and a bundle's "reduction" accept; elementwise_mean is PyTorch's old alias of mean */
export const REDUCTION_NAMES = ['none', 'mean', 'sum', 'elementwise_mean'] as const;

/** The reduction when nothing says otherwise, as in PyTorch. */
export const DEFAULT_REDUCTION: Reduction = 'mean';

/** The fields that decide a reduction: a bundle's, or the command line's. */
export interface ReductionFields {
  reduction?: string;
  sizeAverage?: boolean;
  reduce?: boolean;
}

export interface ResolvedReduction {
  reduction: Reduction;
  /** deprecation warnings, in PyTorch's words */
  warnings: string[];
}

/** Whether any of the fields is given: then they decide together, over another source's fields. */
export function givesReduction(f: ReductionFields): boolean {
  return f.reduction !== undefined || f.sizeAverage !== undefined || f.reduce !== undefined;
}

/** The reduction the legacy flags give, an absent one counting as true (torch/nn/_reduction.py). */
export function legacyReduction(sizeAverage: boolean | undefined, reduce: boolean | undefined): Reduction {
  if (reduce === false) return 'none';
  return sizeAverage === false ? 'sum' : 'mean';
}

/**
 * When size_average or reduce is given they decide, an absent one counting as true; 'elementwise_mean' is
 * an old alias of 'mean'. Both warn. Nothing given means DEFAULT_REDUCTION.
 */
export function resolveReduction(
  reduction: string | undefined,
  sizeAverage: boolean | undefined,
  reduce: boolean | undefined,
): ResolvedReduction {
  if (sizeAverage !== undefined || reduce !== undefined) {
    const chosen = legacyReduction(sizeAverage, reduce);
    return {
      reduction: chosen,
      warnings: [`size_average and reduce args will be deprecated, please use reduction='${chosen}' instead.`],
    };
  }
  if (reduction === 'elementwise_mean') {
    return {
      reduction: 'mean',
      warnings: ["reduction='elementwise_mean' is deprecated, please use reduction='mean' instead."],
    };
  }
  if (reduction === undefined) return { reduction: DEFAULT_REDUCTION, warnings: [] };
  if (REDUCTIONS.includes(reduction)) return { reduction: reduction as Reduction, warnings: [] };
  throw new UsageError(`${reduction} is not a valid value for reduction`);
}
