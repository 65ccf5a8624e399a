/**
 * A flat column's chunk (one number per row, no list) decoded page by page with hyparquet's own page
 * decoders, without its nested-data assembly: for a nullable column, even one without a null, that assembly
 * copies every value into a JavaScript array, where a flat column's page is a typed array as it is (PLAIN
 * encoding) and its definition levels say all there is about nulls.
 */
import type { ColumnMetaData, DecodedArray, SchemaTree } from 'hyparquet';

/** The parts of hyparquet used here: page headers, decompression, data pages v1 and v2, dictionaries. */
export type PageDecoders = typeof import('hyparquet/src/column.js') &
  typeof import('hyparquet/src/datapage.js') &
  typeof import('hyparquet/src/convert.js');

/** How hyparquet's page decoders see a column. */
type ColumnDecoder = Parameters<PageDecoders['readDataPage']>[2];

/** A page's values and the row (within the row group) of the first. */
export interface FlatPage {
  readonly rowStart: number;
  readonly data: DecodedArray;
}

/** What decodeFlat reports instead of values: a null at a row of the group, or corrupt data. */
export interface FlatFailures {
  nullAt(row: number): Error;
  corrupt(what: string): Error;
}

/** The index of the first null among definition levels (any level below the leaf's), or -1. */
function firstNull(levels: readonly number[] | undefined, max: number): number {
  if (levels === undefined) return -1;
  for (let i = 0; i < levels.length; i++) if (levels[i] !== max) return i;
  return -1;
}

/**
 * The pages of `rows` rows of a flat column, from its column chunk's bytes. `leaf` is the column's node in
 * the schema tree, `root` the tree.
 */
export function decodeFlat(
  hp: PageDecoders,
  bytes: ArrayBuffer,
  meta: ColumnMetaData,
  root: SchemaTree,
  leaf: SchemaTree,
  rows: number,
  decoder: Pick<ColumnDecoder, 'parsers' | 'compressors'>,
  fail: FlatFailures,
): FlatPage[] {
  const column: ColumnDecoder = { ...decoder, pathInSchema: meta.path_in_schema, type: meta.type, element: leaf.element, schemaPath: [root, leaf], codec: meta.codec };
  const maxDefinition = leaf.element.repetition_type === 'OPTIONAL' ? 1 : 0;
  const reader = { view: new DataView(bytes), offset: 0 };
  const pages: FlatPage[] = [];
  let dictionary: DecodedArray | undefined;
  let filled = 0;
  while (filled < rows && reader.offset < reader.view.byteLength - 1) {
    const header = hp.parquetHeader(reader);
    if (header.type === 'DICTIONARY_PAGE') {
      dictionary = hp.convert(hp.readPage(reader, header, column, undefined, undefined, 0).data ?? [], column);
      continue;
    }
    const stored = new Uint8Array(bytes, reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    let page;
    let encoding;
    if (header.type === 'DATA_PAGE' && header.data_page_header !== undefined) {
      const decompressed = hp.decompressPage(stored, Number(header.uncompressed_page_size), column.codec, column.compressors);
      page = hp.readDataPage(decompressed, header.data_page_header, column);
      encoding = header.data_page_header.encoding;
    } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2 !== undefined) {
      page = hp.readDataPageV2(stored, header, column);
      encoding = header.data_page_header_v2.encoding;
    } else {
      throw fail.corrupt(`an unexpected ${String(header.type)} page`);
    }
    const k = firstNull(page.definitionLevels, maxDefinition);
    if (k >= 0) throw fail.nullAt(filled + k);
    const data = hp.convertWithDictionary(page.dataPage, dictionary, encoding, column);
    if (filled + data.length > rows) throw fail.corrupt(`more values than the ${rows} rows of the row group`);
    pages.push({ rowStart: filled, data });
    filled += data.length;
  }
  if (filled !== rows) throw fail.corrupt(`${filled} values in a row group of ${rows} rows`);
  return pages;
}
