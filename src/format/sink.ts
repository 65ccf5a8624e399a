/**
 * The one chunked sink of the json, csv and ndjson writers: text made row by row and handed on in chunks
 * of about CHUNK characters, so that a large result is neither one huge string nor millions of tiny writes.
 */

/** Characters gathered before a chunk is handed on. */
export const CHUNK = 1 << 16;

/**
 * Yields `head` and the text of rows 0 .. count - 1, batched into chunks of at least CHUNK characters; the
 * last chunk holds the rest and may be empty. `row` is called once per row, in order, so it may keep state
 * such as a running multi-index.
 *
 * @example
 * [...chunkRows(3, (i) => `${i}\n`, 'n\n')].join('') // 'n\n0\n1\n2\n'
 */
export function* chunkRows(count: number, row: (i: number) => string, head = ''): Generator<string> {
  let buf = head;
  for (let i = 0; i < count; i++) {
    buf += row(i);
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}
