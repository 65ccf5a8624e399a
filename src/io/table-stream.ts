/**
 * Tables streamed for mean and sum (./stream.ts): the logits' and targets' selections as ElementSources over
 * one reader per table file, so that a file named by both is read once, a batch of rows at a time, in
 * bounded memory. The computation and its checks are stream.ts's.
 */
import type { Io } from './source.js';
import type { ComputeOptions } from '../cli/compute.js';
import type { BceResult } from '../core/kernel.js';
import type { ElementSource } from './chunked-file.js';
import type { Problem } from './inputs.js';
import type { TableReader } from './table.js';
import type { Selection } from './table-open.js';
import { checkWidths, openTable, selectColumns, selectionShape, selectionValues, tableSpec, unionColumns } from './table-open.js';
import { stream } from './stream.js';
import type { ParallelOptions } from '../parallel.js';

/** One table read once for several selections: each batch's values wait in a queue per selection. */
class SharedTable {
  readonly selections: Selection[] = [];
  readonly queues: Float64Array[][] = [];
  readonly widths: number[] = [];
  rows = 0;
  done = false;
  private union: number[] = [];

  constructor(readonly table: TableReader) {}

  async select(selector: string): Promise<TableSource> {
    this.selections.push(await selectColumns(this.table, selector));
    this.queues.push([]);
    this.widths.push(0);
    return new TableSource(this, this.selections.length - 1);
  }

  /** Fixes the columns read and reads the first batch (a list column's width is known from it). */
  async start(): Promise<void> {
    this.union = unionColumns(this.selections);
    this.selections.forEach((s, k) => {
      this.widths[k] = s.columns.reduce((a, c) => a + (this.table.columns[c].width ?? 0), 0);
    });
    await this.pull();
  }

  /** Reads the next batch into the queues; false at the end. */
  async pull(): Promise<boolean> {
    if (this.done) return false;
    const b = await this.table.next(this.union);
    if (b === undefined) {
      this.done = true;
      return false;
    }
    this.rows += b.rows;
    this.selections.forEach((s, k) => {
      const { data, width } = selectionValues(b, this.union, s);
      if (b.rows > 0) this.widths[k] = width;
      this.queues[k].push(data);
    });
    return true;
  }
}

/** One selection of a shared table, element by element. */
class TableSource implements ElementSource {
  readonly where: string;
  /** how much of the first queued array is read */
  private head = 0;

  constructor(
    private readonly shared: SharedTable,
    private readonly k: number,
  ) {
    this.where = shared.selections[k].where;
  }

  get width(): number {
    return this.shared.widths[this.k];
  }

  knownShape(): number[] {
    const s = this.shape();
    if (!this.shared.done) s[0] = -1;
    return s;
  }

  async read(dst: Float64Array): Promise<number> {
    const q = this.shared.queues[this.k];
    let n = 0;
    while (n < dst.length) {
      if (q.length === 0) {
        if (!(await this.shared.pull())) break;
        continue;
      }
      const c = q[0];
      const m = Math.min(c.length - this.head, dst.length - n);
      dst.set(c.subarray(this.head, this.head + m), n);
      n += m;
      this.head += m;
      if (this.head === c.length) {
        q.shift();
        this.head = 0;
      }
    }
    return n;
  }

  shape(): number[] {
    const { table, selections, rows } = this.shared;
    return selectionShape(table, selections[this.k], rows, this.width);
  }
}

/**
 * The mean or sum over the logits' and targets' selections of tables, streamed; undefined (computed in memory)
 * when only one of the two is a table.
 */
export async function streamTables(
  o: ComputeOptions,
  io: Io,
  reduction: 'mean' | 'sum',
  parallel: ParallelOptions = {},
): Promise<{ problem: Problem; result: BceResult } | undefined> {
  const specs = [tableSpec(o.logits), tableSpec(o.targets)];
  if (specs[0] === undefined || specs[1] === undefined) return undefined;
  const shared = new Map<string, SharedTable>();
  // one progress bar at a time: none for two tables read side by side
  const read = specs[0].path === specs[1].path ? o.read : { ...o.read, progress: undefined };
  try {
    const sources: TableSource[] = [];
    for (const spec of specs as { path: string; selector: string }[]) {
      let table = shared.get(spec.path);
      if (table === undefined) {
        table = new SharedTable(await openTable(io, spec.path, read));
        shared.set(spec.path, table);
      }
      sources.push(await table.select(spec.selector));
    }
    for (const table of shared.values()) await table.start();
    checkWidths(sources[0].where, sources[0].width, sources[1].where, sources[1].width);
    return await stream(o, io, { logits: sources[0], targets: sources[1] }, reduction, parallel);
  } finally {
    for (const table of shared.values()) await table.table.close();
  }
}
