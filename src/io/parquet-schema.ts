/**
 * A Parquet file's top-level columns as bce sees them: which it reads (numbers, and lists of numbers as rows
 * of classes), how a column's type is named in messages, and whether two part files have the same columns.
 */
import type { FileMetaData, SchemaElement, SchemaTree } from 'hyparquet';
import { MAX_CHUNK_VALUES } from './parquet-pages.js';

/** How bce reads a column: one number per row, a list of numbers per row, or not at all. */
export type ColumnKind = 'scalar' | 'list' | 'unreadable';

const NUMERIC_TYPES = new Set(['DOUBLE', 'FLOAT', 'INT32', 'INT64', 'BOOLEAN']);

/** A leaf holding plain numbers: DOUBLE, FLOAT, BOOLEAN, or an integer (not a date, a time or a decimal). */
function numericLeaf(e: SchemaElement): boolean {
  if (e.type === undefined || !NUMERIC_TYPES.has(e.type)) return false;
  const logical = e.logical_type?.type;
  if (logical !== undefined && logical !== 'INTEGER') return false;
  return e.converted_type === undefined || /^U?INT_(8|16|32|64)$/.test(e.converted_type);
}

/** A LIST column's item: the repeated group's one child (three levels), or the repeated leaf (legacy two levels). */
function listItem(node: SchemaTree): SchemaTree | undefined {
  const isList = node.element.converted_type === 'LIST' || node.element.logical_type?.type === 'LIST';
  if (!isList || node.children.length !== 1) return undefined;
  const repeated = node.children[0];
  if (repeated.element.repetition_type !== 'REPEATED') return undefined;
  if (repeated.children.length === 0) return repeated;
  return repeated.children.length === 1 ? repeated.children[0] : undefined;
}

/** The leaf under a LIST column, or undefined when it is not a list of leaves. */
function listLeaf(node: SchemaTree): SchemaTree | undefined {
  const item = listItem(node);
  if (item === undefined || item.children.length > 0) return undefined;
  return item === node.children[0] || item.element.repetition_type !== 'REPEATED' ? item : undefined;
}

/** How bce reads a top-level column. */
export function columnKind(node: SchemaTree): ColumnKind {
  if (node.children.length === 0) {
    return node.element.repetition_type !== 'REPEATED' && numericLeaf(node.element) ? 'scalar' : 'unreadable';
  }
  const leaf = listLeaf(node);
  return leaf !== undefined && numericLeaf(leaf.element) ? 'list' : 'unreadable';
}

/** A leaf's type for messages: its physical type, with its logical (or converted) type in parentheses. */
function leafType(e: SchemaElement): string {
  const logical = e.logical_type;
  let note: string | undefined = e.converted_type;
  if (logical !== undefined) {
    note = logical.type === 'INTEGER' ? `${logical.isSigned ? 'INT' : 'UINT'}_${logical.bitWidth}` : logical.type;
  }
  const physical = e.type === 'FIXED_LEN_BYTE_ARRAY' ? `${e.type}(${e.type_length})` : (e.type ?? 'GROUP');
  return note === undefined ? physical : `${physical} (${note})`;
}

/**
 * A column's type for messages and for comparing part files: `DOUBLE`, `INT64 (INT_64)`,
 * `LIST<DOUBLE>`, `BYTE_ARRAY (STRING)`, `STRUCT<a: DOUBLE>`. Nullability is left out: part files that
 * differ only in it are read alike.
 */
export function typeText(node: SchemaTree): string {
  if (node.children.length === 0) {
    const t = leafType(node.element);
    return node.element.repetition_type === 'REPEATED' ? `REPEATED ${t}` : t;
  }
  const item = listItem(node);
  if (item !== undefined) return `LIST<${item.children.length === 0 ? leafType(item.element) : typeText(item)}>`;
  const kind = node.element.converted_type === 'MAP' ? 'MAP' : 'STRUCT';
  return `${kind}<${node.children.map((c) => `${c.element.name}: ${typeText(c)}`).join(', ')}>`;
}

/** The top-level columns of a schema tree, each with its name and type text. */
export function columnsOf(tree: SchemaTree): { name: string; type: string; kind: ColumnKind }[] {
  return tree.children.map((c) => ({ name: String(c.element.name ?? ''), type: typeText(c), kind: columnKind(c) }));
}

/** The leaves of a schema tree, as dotted paths. */
function leafPaths(node: SchemaTree, prefix: string[] = [], out: string[] = []): string[] {
  for (const c of node.children) {
    const path = [...prefix, String(c.element.name)];
    if (c.children.length === 0) out.push(path.join('.'));
    else leafPaths(c, path, out);
  }
  return out;
}

/**
 * What is wrong with a footer's row groups, or undefined: each must hold exactly one column chunk per leaf
 * of the schema, with its metadata, in this file, and a row count. (hyparquet assumes all of this.)
 */
export function rowGroupProblem(metadata: FileMetaData, tree: SchemaTree): string | undefined {
  const leaves = leafPaths(tree);
  const want = [...leaves].sort().join('\n');
  if (new Set(leaves).size !== leaves.length) return 'two columns with the same name';
  for (const [g, group] of metadata.row_groups.entries()) {
    const rows = Number(group.num_rows);
    if (!Number.isSafeInteger(rows) || rows < 0) return `row group ${g + 1} has ${rows} rows`;
    if (rows > MAX_CHUNK_VALUES) return `row group ${g + 1} has ${rows} rows, and bce reads row groups of at most ${MAX_CHUNK_VALUES}`;
    const paths: string[] = [];
    for (const chunk of group.columns ?? []) {
      const meta = chunk.meta_data;
      if (meta === undefined || !Array.isArray(meta.path_in_schema)) return `a column chunk of row group ${g + 1} has no metadata`;
      if (chunk.file_path !== undefined) return `row group ${g + 1} has its data in another file (${chunk.file_path})`;
      paths.push(meta.path_in_schema.join('.'));
    }
    if (paths.sort().join('\n') !== want) return `the column chunks of row group ${g + 1} do not match the schema`;
  }
  return undefined;
}
