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
  typeof import('hyparquet/src/convert.js') &
  typeof import('hyparquet/src/thrift.js');

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
 * Whether a run-length / bit-packed hybrid stream in bytes [start, end) of `view` declares a run hyparquet
 * cannot decode safely: it writes an RLE run into its output array without a bound (a run of 2^28 values
 * grows a JavaScript array until V8 ends the process), and a bit-packed run of width 0 loops as many times as
 * it declares. The headers are read as hyparquet reads them (32-bit varints).
 */
function hybridOverruns(hp: PageDecoders, view: DataView, start: number, end: number, width: number, expected: number): boolean {
  const reader = { view, offset: start };
  let seen = 0;
  while (seen < expected && reader.offset < Math.min(end, view.byteLength)) {
    const header = hp.readVarInt(reader);
    // a bit-packed run: (header >> 1) groups of 8 values; an RLE run: header >>> 1 copies of one value
    const count = header & 1 ? (header >> 1) << 3 : header >>> 1;
    // a bit-packed run may declare more values than the page has (writers pad it): hyparquet stops writing at
    // the array's end, and reads a byte per 8 / width values, so only a width of 0 can loop without end
    const bounded = !(header & 1) || width === 0;
    if (count < 0 || (bounded && seen + count > expected + (header & 1 ? 7 : 0))) return true;
    seen += count;
    reader.offset += header & 1 ? Math.ceil((count * width) / 8) : (width + 7) >> 3;
  }
  return false;
}

/** The value of a page's RLE or dictionary-index stream (at `at` in `data`) overruns its values. */
function dataOverruns(hp: PageDecoders, data: DataView, at: number, encoding: string, type: string, values: number, v2: boolean): boolean {
  if (encoding !== 'RLE' && !encoding.endsWith('_DICTIONARY')) return false;
  if (type === 'BOOLEAN') return hybridOverruns(hp, data, at + 4, at + 4 + data.getUint32(at, true), 1, values);
  const width = data.getUint8(at);
  return (width > 0 || v2) && hybridOverruns(hp, data, at + 1, data.byteLength, width, values);
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
      const view = new DataView(decompressed.buffer, decompressed.byteOffset, decompressed.byteLength);
      const values = header.data_page_header.num_values;
      const levels = maxDefinition > 0 ? 4 + view.getUint32(0, true) : 0;
      if ((maxDefinition > 0 && hybridOverruns(hp, view, 4, levels, 1, values)) || dataOverruns(hp, view, levels, header.data_page_header.encoding, column.type, values, false)) {
        throw fail.corrupt('a run of values longer than its page');
      }
      page = hp.readDataPage(decompressed, header.data_page_header, column);
      encoding = header.data_page_header.encoding;
    } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2 !== undefined) {
      const h = header.data_page_header_v2;
      const levels = h.repetition_levels_byte_length + h.definition_levels_byte_length;
      const view = new DataView(bytes, stored.byteOffset, stored.byteLength);
      let overrun = maxDefinition > 0 && hybridOverruns(hp, view, h.repetition_levels_byte_length, levels, 1, h.num_values);
      if (!overrun && (h.encoding === 'RLE' || h.encoding.endsWith('_DICTIONARY'))) {
        const packed = stored.subarray(levels);
        const size = Number(header.uncompressed_page_size) - levels;
        const data = h.is_compressed !== false && size > 0 ? hp.decompressPage(packed, size, column.codec, column.compressors) : packed;
        overrun = dataOverruns(hp, new DataView(data.buffer, data.byteOffset, data.byteLength), 0, h.encoding, column.type, h.num_values, true);
      }
      if (overrun) throw fail.corrupt('a run of values longer than its page');
      page = hp.readDataPageV2(stored, header, column);
      encoding = h.encoding;
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
