/**
 * Tables of predictions: files with named columns (CSV/TSV with a header, JSON Lines, Parquet and directories
 * of Parquet part files), read in row batches so that a mean or sum streams in bounded memory.
 *
 * Each table format implements TableReader; `FILE:COLUMNS` selections (./select.ts) pick columns by name,
 * index, range or glob and turn them into tensors: one column gives [N], several (or one list column) [N, C].
 */

/** One column of a table, in the file's order. */
export interface TableColumn {
  /** the header name; a headerless CSV file names its columns "1", "2", ... */
  readonly name: string;
  /**
   * values per row: 1 for a scalar column, k for a list column of fixed length k (one row of classes);
   * undefined while not known (a JSON Lines field before the first row is read)
   */
  readonly width?: number;
}

/** A batch of consecutive rows of some columns. */
export interface TableBatch {
  /** rows in this batch */
  readonly rows: number;
  /** 0-based index of the batch's first row in the table */
  readonly firstRow: number;
  /** one array per column asked for, in the order asked: rows * width values, row-major */
  readonly values: readonly Float64Array[];
}

/**
 * A table read forward in batches of rows. Errors are InputErrors naming the file (or the part file of a
 * directory), the 1-based row and the column: a null, a value that is not a number, a list of the wrong length.
 */
export interface TableReader {
  /** how messages name the table: the path, or <stdin> */
  readonly where: string;
  /** the columns in the file's order */
  readonly columns: readonly TableColumn[];
  /** false for a headerless CSV file, whose columns are selected by index only; absent: the columns have names */
  readonly header?: boolean;
  /** the number of rows when the format declares it up front (Parquet metadata), else undefined */
  readonly rows?: number;
  /**
   * Reads the next batch of the columns at `indices` (into `columns`); undefined after the last row. Every
   * call of one reader passes the same indices. A batch holds a bounded number of rows (a Parquet row group,
   * about a megabyte of text), so memory does not depend on the table's size.
   */
  next(indices: readonly number[]): Promise<TableBatch | undefined>;
  /** releases the file(s); safe to call more than once */
  close(): Promise<void>;
}
