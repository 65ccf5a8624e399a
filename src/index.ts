/**
 * The library API of bce-loss: the accurate BCEWithLogitsLoss kernel and its helpers.
 *
 *   import { bceWithLogits, tensor } from 'bce-loss';
 *   const r = bceWithLogits(tensor([0.5, -1.2], [2]), tensor([1, 0], [2]), { reduction: 'sum', grad: true });
 */
export { bceWithLogits, bceElement, bceGradLogit, bceGradTarget, bceElements, checkTargets, sigmoid, logSigmoid } from './core/kernel.js';
export { CompensatedSum } from './core/sum.js';
export { allowWasm } from './core/kernel-wasm.js';
export type { BceOptions, BceResult, Reduction, ElementOutputs } from './core/kernel.js';
export { bceWithLogitsParallel, PARALLEL_MIN_ELEMENTS, startWorkers } from './parallel.js';
export type { ParallelOptions } from './parallel.js';
export { tensor, numel, broadcastTo, alignForBroadcast, shapeString, torchSize } from './core/tensor.js';
export type { Tensor, BroadcastPlan } from './core/tensor.js';
export { resolveReduction } from './core/reduction.js';
export { parseJson } from './io/json.js';
export { parseNumber } from './io/number.js';
export { BceError, InputError, UsageError, ExitCode } from './errors.js';
