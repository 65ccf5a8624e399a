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
 * Shapes are checked as the in-memory path checks them, with the same messages: a CSV file's shape
 * [rows, cols] is known only at its end, so the checks run at the end. Any error while streaming a set of
 * files that fits in memory is re-derived by the in-memory path, so a bad file gets exactly the message
 * it gets there (which of two bad files is named, in which order the checks run).
 */
import { InputError, printableName } from '../errors.js';
import type { Io, OpenFile } from './source.js';
import type { ComputeOptions } from '../cli/compute.js';
import { DEFAULT_REDUCTION } from '../core/reduction.js';
import { chunkPartial, SUM_CHUNK } from '../core/kernel.js';
import { ChunkSums } from '../core/kernel-edge.js';
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

/** Inputs up to this many bytes in all are re-read in memory to word an error exactly as that path does. */
export const IN_MEMORY_ERROR_BYTES = 1 << 30;

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

/**
 * A weight or pos_weight flag, opened, and read only when its declared shape broadcasts to the logits' shape
 * as far as it is known: one that does not (an .npz member of any declared size) is left unread, as an empty
 * tensor of its shape, for the shape checks at the end to word.
 */
async function readOperand(
  reader: SourceReader,
  flag: string | undefined,
  name: string,
  role: 'weight' | 'pos_weight',
  known: number[],
  read: ComputeOptions['read'],
): Promise<Input | undefined> {
  if (flag === undefined) return undefined;
  const { tensor, where } = await openTensorFlag(reader, flag, name, true, read, role);
  try {
    alignForBroadcast(tensor.shape, planShape(known, tensor.shape), role, where);
  } catch (e) {
    if (e instanceof InputError) return { tensor: { data: new Float64Array(0), shape: [...tensor.shape] }, where };
    throw e;
  }
  return { tensor: tensor.load(), where };
}

/**
 * Computes the loss by streaming the logits and targets files, or returns undefined when they cannot be
 * streamed (a format other than CSV and NPY, a CSV file that needs csv-parse, a Fortran-order .npy...).
 * The caller has checked streamable(o).
 */
export async function computeStreamed(
  o: ComputeOptions,
  io: Io,
  inMemoryErrorBytes = IN_MEMORY_ERROR_BYTES,
): Promise<{ problem: Problem; result: BceResult } | undefined> {
  const { reduction, warnings } = o.flagReduction ?? { reduction: DEFAULT_REDUCTION, warnings: [] };
  const tables = { ...o, logits: withRoleField(o.logits, 'logits'), targets: withRoleField(o.targets, 'targets') };
  if (tableSpec(tables.logits) !== undefined || tableSpec(tables.targets) !== undefined) {
    // tables (FILE:COLUMNS): one reader per file for both selections (./table-stream.ts)
    const streamed = await (await import('./table-stream.js')).streamTables(tables, io, reduction as 'mean' | 'sum');
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
    const progress = o.read.progress?.(total);
    try {
      const sources = await startSources(o, opened, paths.map(printableName), (n) => progress?.add(n));
      const result = sources && (await stream(o, io, sources, reduction as 'mean' | 'sum'));
      progress?.finish();
      if (result === NOT_STREAMED) return NOT_STREAMED;
      return { problem: { ...result.problem, warnings }, result: result.result };
    } catch (e) {
      progress?.finish();
      if (e instanceof CsvFallback) {
        if (total <= inMemoryErrorBytes) return NOT_STREAMED;
        throw new InputError(
          printableName(paths[opened.findIndex((f) => f.format === 'csv')]),
          `${e.message}: a CSV file this large is read by the streaming reader, which takes plain numeric CSV only (no quotes)`,
        );
      }
      // the in-memory path words every error of files that fit in memory
      if (e instanceof InputError && total <= inMemoryErrorBytes) return NOT_STREAMED;
      throw e;
    }
  } finally {
    for (const f of opened) await f.file.close();
  }
}

/** The logits' and targets' sources, started; NOT_STREAMED when one cannot stream (Fortran order, nesting). */
async function startSources(
  o: ComputeOptions,
  opened: Opened[],
  paths: string[],
  onBytes: (n: number) => void,
): Promise<ElementSource[] | undefined> {
  const sources: ElementSource[] = [];
  for (let k = 0; k < 2; k++) {
    const f = opened[k];
    if (f.format === 'csv') {
      const s = new CsvSource(f.file, paths[k], f.file.size, o.read.csv ?? {}, onBytes);
      await s.start();
      sources.push(s);
    } else if (f.format === 'npy') {
      const s = new NpySource(f.file, paths[k], f.file.size, onBytes);
      if (!(await s.start())) return NOT_STREAMED;
      sources.push(s);
    } else {
      const s = new JsonSource(f.file, paths[k], f.file.size, onBytes);
      if (!(await s.start())) return NOT_STREAMED;
      sources.push(s);
    }
  }
  return sources;
}

/**
 * The kernel's reduction, chunk by chunk, over both sources to their ends; `computing` turns false (and the sum
 * stops) once the sources disagree, for the shape checks to word.
 */
async function reduceChunks(
  logits: ElementSource,
  targets: ElementSource,
  w: BroadcastPlan | undefined,
  p: BroadcastPlan | undefined,
  computing: boolean,
): Promise<{ total: ChunkSums; computing: boolean }> {
  const x = new Float64Array(SUM_CHUNK);
  const y = new Float64Array(SUM_CHUNK);
  const wChunk = w && w.block > 1 ? new Float64Array(SUM_CHUNK) : undefined;
  const pChunk = p && p.block > 1 ? new Float64Array(SUM_CHUNK) : undefined;
  const total = new ChunkSums();
  let n = 0;
  for (;;) {
    const nx = await logits.read(x);
    const ny = await targets.read(y);
    const m = Math.min(nx, ny);
    if (nx !== ny) computing = false;
    if (computing && m > 0) {
      let wOp = w;
      let pOp = p;
      if (wChunk && w) {
        fillOperand(w, n, m, wChunk);
        wOp = { data: wChunk, inner: 1, block: SUM_CHUNK };
      }
      if (pChunk && p) {
        fillOperand(p, n, m, pChunk);
        pOp = { data: pChunk, inner: 1, block: SUM_CHUNK };
      }
      // one chunk of the kernel's reduction: its own compensated sum, merged as finishBce merges it
      total.add(...chunkPartial(x, y, wOp, pOp, 0, m));
    }
    n += Math.max(nx, ny);
    if (nx < SUM_CHUNK && ny < SUM_CHUNK) break;
    // one source ended: read the other to its end, for its shape (and its errors)
    if (nx < SUM_CHUNK || ny < SUM_CHUNK) {
      const rest = nx < SUM_CHUNK ? targets : logits;
      while ((await rest.read(x)) === SUM_CHUNK);
      break;
    }
  }
  return { total, computing };
}

/** The streamed computation over the logits' and targets' sources, started. */
export async function stream(
  o: ComputeOptions,
  io: Io,
  [logits, targets]: ElementSource[],
  reduction: 'mean' | 'sum',
): Promise<{ problem: Problem; result: BceResult }> {
  const known = logits.knownShape();
  // weight and pos_weight are read whole, as the in-memory path reads them
  const reader = new SourceReader(io);
  const weight = await readOperand(reader, o.weight, '--weight', 'weight', known, o.read);
  const posWeight = await readOperand(reader, o.posWeight, '--pos-weight', 'pos_weight', known, o.read);

  // The broadcast plans, on the logits' shape as far as it is known; a plan that fails now fails the
  // shape checks at the end, which word it.
  const plan = (f: Input | undefined, name: string): BroadcastPlan | undefined | null => {
    if (f === undefined) return undefined;
    try {
      return broadcastTo(f.tensor, planShape(known, f.tensor.shape), name, f.where);
    } catch (e) {
      if (e instanceof InputError) return null;
      throw e;
    }
  };
  const w = plan(weight, 'weight');
  const p = plan(posWeight, 'pos_weight');
  let computing = w !== null && p !== null && sameShape(known.slice(1), targets.knownShape().slice(1));

  const reduced = await reduceChunks(logits, targets, w ?? undefined, p ?? undefined, computing);
  computing = reduced.computing;

  // The shape checks of the in-memory path (./inputs.ts loadProblem), in its order and words.
  const shape = logits.shape();
  checkShapes(shape, targets.shape(), targets.where, weight, posWeight);
  if (!computing) throw new Error('streaming: the shapes agree but the computation stopped');
  const count = numel(shape);
  const loss = reduced.total.result(reduction === 'mean', count);
  const empty = (s: number[]): Tensor => ({ data: new Float64Array(0), shape: s });
  return {
    problem: {
      logits: { tensor: empty(shape), where: logits.where },
      targets: { tensor: empty(shape), where: targets.where },
      weight,
      posWeight,
      reduction,
      warnings: [],
    },
    result: { reduction, shape: [...shape], loss, sums: reduced.total.state() },
  };
}
