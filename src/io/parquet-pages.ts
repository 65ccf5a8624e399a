/**
 * Page headers checked before hyparquet decodes a column chunk. hyparquet sizes its arrays by what the page
 * headers declare, and V8 ends the process (it throws nothing) when a JavaScript array grows past about
 * 2^27 elements: so a header declaring more values than bce reads, or more bytes than a page may hold, is
 * refused first, as an input error.
 */
import type { AsyncBuffer, PageHeader, RowGroup } from 'hyparquet';
import { InputError, quote } from '../errors.js';

/** The most values one page may declare. */
export const MAX_PAGE_VALUES = 2 ** 25;
/** The most values (or rows) one column chunk, or one row group, may declare: a row group's rows live in one array. */
export const MAX_CHUNK_VALUES = 2 ** 26;
/** The most bytes one page may declare once decompressed. */
const MAX_PAGE_BYTES = 2 ** 30;

/** A column chunk of a row group: its bytes in the file and its column, for messages. */
interface ChunkRange {
  readonly start: number;
  readonly end: number;
  readonly column: string;
}

/** The byte ranges of the chunks of columns `names` in a row group. */
function chunkRanges(group: RowGroup, names: readonly string[]): ChunkRange[] {
  const ranges: ChunkRange[] = [];
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (meta === undefined || !names.includes(meta.path_in_schema[0])) continue;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    ranges.push({ start, end: start + Number(meta.total_compressed_size), column: meta.path_in_schema.join('.') });
  }
  return ranges;
}

/** The values a page declares (data pages v1 and v2, dictionary pages). */
function pageValues(h: PageHeader): number {
  return Number(h.data_page_header?.num_values ?? h.data_page_header_v2?.num_values ?? h.dictionary_page_header?.num_values ?? 0);
}

/** Walks the page headers of one chunk, held in `view`, refusing what is out of bounds. */
function checkChunk(view: DataView, parseHeader: (r: { view: DataView; offset: number }) => PageHeader, fail: (what: string) => InputError): void {
  const reader = { view, offset: 0 };
  let total = 0;
  // hyparquet reads pages while at least two bytes remain
  while (reader.offset < view.byteLength - 1) {
    const h = parseHeader(reader);
    const values = pageValues(h);
    if (!(Number.isSafeInteger(values) && values >= 0 && values <= MAX_PAGE_VALUES)) {
      throw fail(`a page declares ${values} values, and bce reads at most ${MAX_PAGE_VALUES} in one page`);
    }
    if (h.type !== 'DICTIONARY_PAGE') total += values;
    if (total > MAX_CHUNK_VALUES) throw fail(`its pages declare more than ${MAX_CHUNK_VALUES} values, more than bce reads in one row group`);
    const size = Number(h.uncompressed_page_size);
    if (!(size >= 0 && size <= MAX_PAGE_BYTES)) throw fail(`a page declares ${size} bytes, and bce reads at most ${MAX_PAGE_BYTES} in one page`);
    const stored = Number(h.compressed_page_size);
    if (!(stored >= 0 && reader.offset + stored <= view.byteLength)) throw fail(`a page of ${stored} bytes runs past the end of its column chunk`);
    reader.offset += stored;
  }
}

/**
 * `file` as hyparquet reads a row group's columns `names` from it: each byte range it fetches is checked,
 * page header by page header, for the column chunks that the range holds, before hyparquet sees it.
 */
export function pageChecked(
  file: AsyncBuffer,
  group: RowGroup,
  names: readonly string[],
  parseHeader: (r: { view: DataView; offset: number }) => PageHeader,
  where: string,
  groupNumber: number,
): AsyncBuffer {
  const ranges = chunkRanges(group, names);
  return {
    byteLength: file.byteLength,
    slice(start: number, end?: number): Promise<ArrayBuffer> {
      const checked = (async () => {
        const buffer = await file.slice(start, end);
        const stop = start + buffer.byteLength;
        for (const r of ranges) {
          if (r.start < start || r.end > stop || r.end < r.start) continue;
          const fail = (what: string): InputError => new InputError(where, `row group ${groupNumber}, column ${quote(r.column)}: ${what}`);
          checkChunk(new DataView(buffer, r.start - start, r.end - r.start), parseHeader, fail);
        }
        return buffer;
      })();
      // a range hyparquet prefetches but does not await (another failed first) must not go unobserved
      checked.catch(() => undefined);
      return checked;
    },
  };
}
