/**
 * Where arrays live: local directories, http(s) servers and S3 buckets
 * behind one small {@linkcode Store} interface, discovery of the arrays of a
 * Zarr v2/v3 hierarchy (listing, consolidated metadata, OME-NGFF
 * multiscales), and atomic file writes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { discoverArrays, FileStore, writeFileAtomic } from "./mod.ts";
 * const dir = Deno.makeTempDirSync();
 * await writeFileAtomic(`${dir}/.zgroup`, '{"zarr_format": 2}');
 * await writeFileAtomic(
 *   `${dir}/a/.zarray`,
 *   JSON.stringify({
 *     zarr_format: 2, shape: [4], chunks: [4], dtype: "<u1", compressor: null,
 *     fill_value: 0, order: "C", filters: null,
 *   }),
 * );
 * const found = await discoverArrays(new FileStore(dir), []);
 * assertEquals(found.map((f) => f.path), ["a"]);
 * ```
 *
 * @module
 */
export type { RangeQuery, Store } from "./types.ts";
export { FileStore, HttpStore, openStore } from "./store.ts";
export { type Listing, openS3Store, parseS3Url, type S3Options, S3Store } from "./s3.ts";
export type { RetryPolicy } from "./_http_retry.ts";
export { discoverArrays, type FoundArray } from "./discovery.ts";
export { checkWritable, writeFileAtomic } from "./atomic.ts";
export { registerNativeCodecs } from "./codecs.ts";
export { type Compression, createDecoder, type Decoder, decoder } from "./decoders.ts";
export {
  chunkKey,
  loadRawLayout,
  type RawLayout,
  rawLayout,
  type RawLayoutResult,
} from "./raw_array.ts";
