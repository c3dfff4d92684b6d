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
 * import { assert } from "@std/assert";
 * import { zstdCompress } from "./codecs.ts";
 * const noise = crypto.getRandomValues(new Uint8Array(65536));
 * const frame = zstdCompress(noise, 1);
 * assert(frame[frame.length - 4] !== 0xfd);
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
