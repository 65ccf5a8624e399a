/**
 * The decompressors hyparquet does not build in: gzip, brotli, lz4 and lz4_raw from hyparquet-compressors, zstd
 * from fzstd (what hyparquet-compressors uses). Not its `compressors` object: importing that module
 * instantiates a WebAssembly snappy, and V8 reserves gigabytes of address space for a WebAssembly memory, so
 * that every Parquet read would fail under an address-space limit (ulimit -v, prlimit --as). hyparquet's own
 * snappy is plain JavaScript.
 */
import type { Compressors } from 'hyparquet';

export async function loadCompressors(): Promise<Compressors> {
  const [gzip, brotli, lz4, zstd] = await Promise.all([
    import('hyparquet-compressors/src/gzip.js'),
    import('hyparquet-compressors/src/brotli.js'),
    import('hyparquet-compressors/src/lz4.js'),
    import('fzstd'),
  ]);
  return {
    GZIP: (input, length) => gzip.gunzip(input, new Uint8Array(length)),
    BROTLI: brotli.decompressBrotli,
    LZ4: lz4.decompressLz4,
    LZ4_RAW: lz4.decompressLz4Raw,
    ZSTD: (input) => zstd.decompress(input),
  };
}
