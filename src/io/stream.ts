/**
 * Streaming: the loss of files larger than memory. For reduction mean or sum without gradients, logits and
 * targets given as CSV, NPY or flat JSON array files are read in chunks (./csv-source.ts, ./npy-source.ts,
 * ./json-source.ts) and computed chunk by chunk, so
 * memory does not depend on the files' size; weight and pos_weight (normally small) are read whole.
 *
 * The result is the in-memory one, bit for bit: the kernel's deterministic reduction (kernel.ts: chunks of
 * SUM_CHUNK elements, each summed by its own compensated sum, the partial sums merged in order) is followed
 * here chunk by chunk, with bceElements on the same values in the same order.
 *
 * The errors are the in-memory ones by construction. Each source reads its file with the tokenizer or scanner
 * of the in-memory reader, so a file's first error is the same, in the same words and place. What streaming
 * changes is the order in which the inputs are read, so each input's error is kept and thrown in the in-memory
 * order (./inputs.ts loadProblem): the logits' (thrown at once), then the targets' (the logits are read to
 * their end first, without computing), then the errors of reading weight and pos_weight, then the shape checks
 * (a CSV file's shape [rows, cols] is known only at its end, so they all run at the end), then the errors of
 * loading an archive member's data. A CSV file that needs csv-parse (quoted cells) is handed to the in-memory
 * path, in that same order, when the inputs fit in memory.
 */
import { InputError, printableName } from '../errors.js';
import type { Io, OpenFile } from './source.js';
import type { ComputeOptions } from '../cli/compute.js';
import { DEFAULT_REDUCTION } from '../core/reduction.js';
import { SUM_CHUNK } from '../core/kernel.js';
import type { ChunkSums } from '../core/kernel-edge.js';
import type { BceResult } from '../core/kernel.js';
import { alignForBroadcast, broadcastTo, numel, sameShape } from '../core/tensor.js';
import type { BroadcastPlan, Tensor } from '../core/tensor.js';
import { formatOfName, sniffFormat } from './read-tensor.js';
import type { TensorFormat } from './read-tensor.js';
import { tableSpec, withRoleField } from './table-open.js';
import { CsvSource } from './csv-source.js';
import { JsonSource } from './json-source.js';
import { NPY_HEAD_BYTES, NpySource } from './npy-source.js';
import type { ElementSource } from './chunked-file.js';
import { CsvFallback } from './csv-fast.js';
import { checkShapes, openTensorFlag } from './inputs.js';
import type { Input, Problem } from './inputs.js';
import { SourceReader } from './source.js';
import { ChunkPipeline, STREAM_THREADS_MIN_ELEMENTS } from './chunk-pipeline.js';
import { threadsFromEnv } from '../parallel.js';
import type { ParallelOptions } from '../parallel.js';

/**
 * A CSV file that needs csv-parse (quoted cells, odd line ends) is handed to the in-memory path when the inputs
 * hold at most this many bytes in all; a larger one is refused.
 */
export const HAND_OVER_BYTES = 1 << 30;

/** A CSV input that needs csv-parse (./csv-fast.ts CsvFallback), and which input it is. */
class NeedsCsvParse extends Error {
  constructor(
    readonly where: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** An input's error, kept to be thrown in the in-memory order. */
type Failure = InputError | NeedsCsvParse;

/** An input's error or its need of csv-parse as a Failure; anything else (a bug) is thrown on. */
function failure(e: unknown, where: string): Failure {
  if (e instanceof InputError || e instanceof NeedsCsvParse) return e;
  if (e instanceof CsvFallback) return new NeedsCsvParse(where, e.message);
  throw e;
}

/** Not streamed after all: the caller computes in memory. */
const NOT_STREAMED = undefined;

/** A value of `op` at every flat index of [from, from + n), written to out (weight and pos_weight per chunk). */
function fillOperand(op: BroadcastPlan, from: number, n: number, out: Float64Array): void {
  const { data, inner, block } = op;
  let k = from % inner;
  let j = Math.floor(from / inner) % block;
  for (let i = 0; i < n; i++) {
    out[i] = data[j];
    if (++k === inner) {
      k = 0;
      if (++j === block) j = 0;
    }
  }
}

/** The shape used to plan a broadcast while the logits' first dimension is unknown (-1): the operand's own. */
function planShape(known: number[], s: readonly number[]): number[] {
  if (known[0] !== -1) return known;
  const aligned = s.length >= known.length ? s[s.length - known.length] : 1;
  return [aligned, ...known.slice(1)];
}

interface Opened {
  file: OpenFile;
  format: TensorFormat;
}

async function openInput(io: Io, path: string, override: TensorFormat | undefined): Promise<Opened | undefined> {
  // anything but a regular file is left to the in-memory path, which reads it or words the error
  const file = await io.openFile(path);
  if (file === undefined) return undefined;
  let format = override ?? formatOfName(path);
  if (format === undefined) {
    const head = Buffer.alloc(Math.min(file.size, NPY_HEAD_BYTES));
    await file.read(head, 0, head.length, 0);
    format = sniffFormat(head);
    // a binary file that does not sniff as any format is not CSV: let the in-memory path say what it is
    if (format === 'csv' && head.includes(0)) format = 'safetensors';
  }
  return { file, format };
}

/** A weight or pos_weight flag as read: the input, or the error of opening it, or that of loading its data. */
interface Operand {
  input?: Input;
  openError?: InputError;
  loadError?: InputError;
}

/**
 * A weight or pos_weight flag, opened, and loaded only when its declared shape broadcasts to the logits' shape
 * as far as it is known: one that does not (an .npz member of any declared size) is left unloaded, as an empty
 * tensor of its shape, for the shape checks at the end to word. Its errors are returned, not thrown.
 */
async function readOperand(
  reader: SourceReader,
  flag: string | undefined,
  name: string,
  role: 'weight' | 'pos_weight',
  known: number[],
  read: ComputeOptions['read'],
): Promise<Operand> {
  if (flag === undefined) return {};
  let declared;
  try {
    declared = await openTensorFlag(reader, flag, name, true, read, role);
  } catch (e) {
    if (e instanceof InputError) return { openError: e };
    throw e;
  }
  const { tensor, where } = declared;
  const unloaded = { tensor: { data: new Float64Array(0), shape: [...tensor.shape] }, where };
  try {
    alignForBroadcast(tensor.shape, planShape(known, tensor.shape), role, where);
  } catch (e) {
    if (e instanceof InputError) return { input: unloaded };
    throw e;
  }
  try {
    return { input: { tensor: tensor.load(), where } };
  } catch (e) {
    if (e instanceof InputError) return { input: unloaded, loadError: e };
    throw e;
  }
}

/**
 * Computes the loss by streaming the logits and targets files, or returns undefined when they cannot be
 * streamed (a format other than CSV, NPY and flat JSON, a CSV file that needs csv-parse, a Fortran-order
 * .npy...). The caller has checked streamable(o).
 */
export async function computeStreamed(
  o: ComputeOptions,
  io: Io,
  handOverBytes = HAND_OVER_BYTES,
  parallel: ParallelOptions = { threads: threadsFromEnv(io.env) },
): Promise<{ problem: Problem; result: BceResult } | undefined> {
  const { reduction, warnings } = o.flagReduction ?? { reduction: DEFAULT_REDUCTION, warnings: [] };
  const tables = { ...o, logits: withRoleField(o.logits, 'logits'), targets: withRoleField(o.targets, 'targets') };
  if (tableSpec(tables.logits) !== undefined || tableSpec(tables.targets) !== undefined) {
    // tables (FILE:COLUMNS): one reader per file for both selections (./table-stream.ts)
    const streamed = await (await import('./table-stream.js')).streamTables(tables, io, reduction as 'mean' | 'sum', parseBound(parallel));
    return streamed && { problem: { ...streamed.problem, warnings }, result: streamed.result };
  }
  const paths = [o.logits as string, o.targets as string];
  const opened: Opened[] = [];
  try {
    for (const p of paths) {
      const f = await openInput(io, p, o.read.inputFormat);
      if (f === undefined) return NOT_STREAMED;
      opened.push(f);
      if (f.format !== 'csv' && f.format !== 'npy' && f.format !== 'json') return NOT_STREAMED;
      if (f.format === 'csv' && o.read.csv?.engine === 'csv-parse') return NOT_STREAMED;
    }
    const total = opened.reduce((a, f) => a + f.file.size, 0);
    // inputs big enough for two threads (a float64 pair of that many elements): the worker boots while the
    // headers and weights are read
    const pipeline = new ChunkPipeline(opened.every((f) => f.format === 'npy') ? parallel : parseBound(parallel));
    if (total >= 16 * (parallel.minElements ?? STREAM_THREADS_MIN_ELEMENTS)) pipeline.start();
    const progress = o.read.progress?.(total);
    try {
      const started = await startBoth(o, opened, paths.map(printableName), (n) => progress?.add(n));
      const result = started && (await stream(o, io, { ...started, pipeline }, reduction as 'mean' | 'sum', parallel));
      if (result === NOT_STREAMED) return NOT_STREAMED;
      return { problem: { ...result.problem, warnings }, result: result.result };
    } catch (e) {
      if (!(e instanceof NeedsCsvParse)) throw e;
      if (total <= handOverBytes) return NOT_STREAMED;
      throw new InputError(
        e.where,
        `${e.message}: a CSV file this large is read by the streaming reader, which takes plain numeric CSV only (no quotes)`,
      );
    } finally {
      progress?.finish();
      await pipeline.close();
    }
  } finally {
    for (const f of opened) await f.file.close();
  }
}

/**
 * The threads of a streamed reduction whose reading is mostly parsing (text, tables): unless BCE_THREADS
 * asks for more, its kernel stays on the reading thread, where it is a small part of the time; a worker
 * computing its chunks measured no faster, and took ~17 MiB more (README, Performance).
 */
function parseBound(parallel: ParallelOptions): ParallelOptions {
  return parallel.threads === undefined ? { ...parallel, threads: 1 } : parallel;
}

/** One input's source, started; NOT_STREAMED when it cannot stream (Fortran order, nesting). */
async function startSource(
  o: ComputeOptions,
  f: Opened,
  where: string,
  onBytes: (n: number) => void,
): Promise<ElementSource | undefined> {
  if (f.format === 'csv') {
    const s = new CsvSource(f.file, where, f.file.size, o.read.csv ?? {}, onBytes);
    await s.start();
    return s;
  }
  const s = f.format === 'npy' ? new NpySource(f.file, where, f.file.size, onBytes) : new JsonSource(f.file, where, f.file.size, onBytes);
  return (await s.start()) ? s : NOT_STREAMED;
}

/** The number of elements of a shape known in full; undefined while a dimension is not known yet (-1). */
function knownCount(shape: readonly number[]): number | undefined {
  return shape.includes(-1) ? undefined : numel(shape);
}

/**
 * The kernel's reduction, chunk by chunk, over both sources to their ends (./chunk-pipeline.ts computes the
 * chunks, on a second thread for big inputs); `computing` turns false (and the sum stops) once the sources
 * disagree, for the shape checks to word. The logits' errors are thrown; the targets' first error is
 * returned, after the logits are read to their end.
 */
async function reduceChunks(
  logits: ElementSource,
  targets: ElementSource | undefined,
  w: BroadcastPlan | undefined,
  p: BroadcastPlan | undefined,
  computing: boolean,
  pipeline: ChunkPipeline,
): Promise<{ total: ChunkSums; computing: boolean; failed?: Failure }> {
  pipeline.operands(w, p);
  const known = knownCount(logits.knownShape());
  let failed: Failure | undefined;
  let n = 0;
  let moreX = true;
  let moreY = targets !== undefined;
  try {
    while (moreX || moreY) {
      if (computing) pipeline.engage(n, known);
      const slot = await pipeline.next();
      let nx = 0;
      try {
        if (moreX) nx = await logits.read(slot.x);
      } catch (e) {
        throw failure(e, logits.where);
      }
      let ny = 0;
      if (moreY && targets) {
        try {
          ny = await targets.read(slot.y);
        } catch (e) {
          failed = failure(e, targets.where);
        }
      }
      const m = Math.min(nx, ny);
      if (nx !== ny || failed) computing = false;
      if (computing && m > 0) {
        // weight and pos_weight laid out per element for the chunk, when they are not uniform
        if (slot.w && w) fillOperand(w, n, m, slot.w);
        if (slot.p && p) fillOperand(p, n, m, slot.p);
        // one chunk of the kernel's reduction: its own compensated sum, merged in order as finishBce merges it
        pipeline.add(m);
      }
      n += Math.max(nx, ny);
      // a source that ended (or failed) is done; the other is read to its end, for its shape and its errors
      if (nx < SUM_CHUNK) moreX = false;
      if (ny < SUM_CHUNK) moreY = false;
    }
    return { total: await pipeline.finish(), computing, failed };
  } finally {
    await pipeline.close();
  }
}

/**
 * The logits' and targets' sources, started; a targets source that failed to start is its Failure, thrown
 * in the in-memory order (after the logits are read to their end). The chunks are computed by `pipeline`,
 * given when its worker was started before the sources (by default a new one).
 */
export interface StartedSources {
  logits: ElementSource;
  targets?: ElementSource;
  failedStart?: Failure;
  pipeline?: ChunkPipeline;
}

/**
 * Starts the logits' source (its errors come first, as in memory), then the targets'; NOT_STREAMED when one
 * cannot stream (Fortran order, nesting).
 */
async function startBoth(
  o: ComputeOptions,
  opened: Opened[],
  paths: string[],
  onBytes: (n: number) => void,
): Promise<StartedSources | undefined> {
  let logits: ElementSource | undefined;
  try {
    logits = await startSource(o, opened[0], paths[0], onBytes);
  } catch (e) {
    throw failure(e, paths[0]);
  }
  if (logits === NOT_STREAMED) return NOT_STREAMED;
  try {
    const targets = await startSource(o, opened[1], paths[1], onBytes);
    return targets === NOT_STREAMED ? NOT_STREAMED : { logits, targets };
  } catch (e) {
    return { logits, failedStart: failure(e, paths[1]) };
  }
}

/** The streamed computation over the logits' and targets' sources, started. */
export async function stream(
  o: ComputeOptions,
  io: Io,
  { logits, targets, failedStart, pipeline }: StartedSources,
  reduction: 'mean' | 'sum',
  parallel: ParallelOptions = {},
): Promise<{ problem: Problem; result: BceResult }> {
  const known = logits.knownShape();
  // weight and pos_weight are read whole, as the in-memory path reads them
  const reader = new SourceReader(io);
  const weight = await readOperand(reader, o.weight, '--weight', 'weight', known, o.read);
  const posWeight = weight.openError ? {} : await readOperand(reader, o.posWeight, '--pos-weight', 'pos_weight', known, o.read);

  // The broadcast plans, on the logits' shape as far as it is known; a plan that fails now fails the
  // shape checks at the end, which word it.
  const plan = (f: Operand, name: string): BroadcastPlan | undefined | null => {
    if (f.input === undefined) return undefined;
    try {
      return broadcastTo(f.input.tensor, planShape(known, f.input.tensor.shape), name, f.input.where);
    } catch (e) {
      if (e instanceof InputError) return null;
      throw e;
    }
  };
  const w = plan(weight, 'weight');
  const p = plan(posWeight, 'pos_weight');
  const sound = [weight, posWeight].every((f) => !f.openError && !f.loadError);
  let computing = sound && w !== null && p !== null && !!targets && sameShape(known.slice(1), targets.knownShape().slice(1));

  const reduced = await reduceChunks(logits, targets, w ?? undefined, p ?? undefined, computing, pipeline ?? new ChunkPipeline(parallel));
  computing = reduced.computing;

  // The errors and shape checks of the in-memory path (./inputs.ts loadProblem), in its order and words.
  const failed = failedStart ?? reduced.failed;
  if (failed) throw failed;
  if (!targets) throw new Error('streaming: no targets and no error');
  for (const f of [weight, posWeight]) if (f.openError) throw f.openError;
  const shape = logits.shape();
  checkShapes(shape, targets.shape(), targets.where, weight.input, posWeight.input);
  for (const f of [weight, posWeight]) if (f.loadError) throw f.loadError;
  if (!computing) throw new Error('streaming: the shapes agree but the computation stopped');
  const count = numel(shape);
  const loss = reduced.total.result(reduction === 'mean', count);
  const empty = (s: number[]): Tensor => ({ data: new Float64Array(0), shape: s });
  return {
    problem: {
      logits: { tensor: empty(shape), where: logits.where },
      targets: { tensor: empty(shape), where: targets.where },
      weight: weight.input,
      posWeight: posWeight.input,
      reduction,
      warnings: [],
    },
    result: { reduction, shape: [...shape], loss, sums: reduced.total.state() },
  };
}
