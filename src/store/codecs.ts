/**
 * Native codecs. Deno's `node:zlib` decodes zstd, gzip and zlib in native
 * code, several times faster than the WASM builds zarrita ships; they are
 * registered in zarrita's codec registry under the v3 and numcodecs names.
 * Blosc and LZ4 stay with numcodecs' WASM. The codecs zarrita lacks or reads
 * wrong (crc32c verification, astype, quantize, delta with astype, bz2, lzma)
 * come from `numcodecs.ts`.
 *
 * @module
 */
import * as zlib from "node:zlib";
import * as zarr from "zarrita";
import { NUMCODECS } from "./numcodecs.ts";

type Codec = {
  kind: "bytes_to_bytes";
  encode(bytes: Uint8Array): Uint8Array;
  decode(bytes: Uint8Array): Uint8Array;
};

function entry(make: (config: Record<string, unknown>) => Codec) {
  return () =>
    Promise.resolve({
      kind: "bytes_to_bytes" as const,
      fromConfig: (config: unknown) => make((config ?? {}) as Record<string, unknown>),
    });
}

function view(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A zstd frame with no content: magic, header (size 0), one empty last block. */
const EMPTY_FRAME = [0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00];

/**
 * Zstd-compresses `bytes` at `level` with the content size in the frame
 * header (as numcodecs writes it). Deno 2.9's encoder appends an empty second
 * frame after incompressible input of 64 KiB or more (denoland/deno#36688),
 * which some readers (TensorStore) reject: it is cut off here.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { zstdDecompressSync } from "node:zlib";
 * import { zstdCompress } from "./codecs.ts";
 * // Incompressible input of 64 KiB (a seeded generator, so the example is the same every run).
 * let x = 1;
 * const noise = Uint8Array.from({ length: 65536 }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
 * const frame = zstdCompress(noise, 1);
 * // No empty frame (magic 28 b5 2f fd, then 5 header/block bytes) at the end, and it round-trips.
 * assertNotEquals([...frame.subarray(frame.length - 9, frame.length - 5)], [0x28, 0xb5, 0x2f, 0xfd]);
 * assertEquals(new Uint8Array(zstdDecompressSync(frame)), noise);
 * ```
 */
export function zstdCompress(bytes: Uint8Array, level: number): Uint8Array {
  const out = view(zlib.zstdCompressSync(bytes, {
    // Node's option, missing from the type declarations.
    ...{ pledgedSrcSize: bytes.length } as zlib.ZstdOptions,
    params: { [zlib.constants.ZSTD_c_compressionLevel]: level },
  }));
  const n = out.length - EMPTY_FRAME.length;
  if (n > 0 && EMPTY_FRAME.every((b, i) => out[n + i] === b)) return out.subarray(0, n);
  return out;
}

const zstd = entry((config) => ({
  kind: "bytes_to_bytes",
  encode: (bytes) => zstdCompress(bytes, Number(config.level ?? 1)),
  decode: (bytes) => view(zlib.zstdDecompressSync(bytes)),
}));

const gzip = entry((config) => ({
  kind: "bytes_to_bytes",
  encode: (bytes) => view(zlib.gzipSync(bytes, { level: Number(config.level ?? 1) })),
  decode: (bytes) => view(zlib.gunzipSync(bytes)),
}));

const deflate = entry((config) => ({
  kind: "bytes_to_bytes",
  encode: (bytes) => view(zlib.deflateSync(bytes, { level: Number(config.level ?? 1) })),
  decode: (bytes) => view(zlib.inflateSync(bytes)),
}));

let registered = false;

/**
 * Registers the native codecs with zarrita (idempotent). Call before opening
 * arrays.
 *
 * @example
 * ```ts
 * import { registerNativeCodecs } from "./codecs.ts";
 * registerNativeCodecs();
 * ```
 */
export function registerNativeCodecs(): void {
  if (registered) return;
  registered = true;
  // The registry's value type is internal to zarrita; our entries match it.
  const registry = zarr.registry as unknown as Map<string, unknown>;
  for (const name of ["zstd", "numcodecs.zstd"]) registry.set(name, zstd);
  for (const name of ["gzip", "numcodecs.gzip"]) registry.set(name, gzip);
  for (const name of ["zlib", "numcodecs.zlib"]) registry.set(name, deflate);
  for (const [name, entry] of Object.entries(NUMCODECS)) registry.set(name, entry);
}
