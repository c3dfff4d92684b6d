/**
 * Chunk decoders that write into memory the caller owns (the kernels' input
 * region), so a decoded chunk is never copied and nothing is allocated per
 * chunk. Two implementations, chosen once per process:
 *
 * - `native`: the system's libzstd and libdeflate through Deno's FFI (the
 *   libraries numcodecs and zarr-python use), decoding straight into the
 *   destination. Needs `--allow-ffi` and the shared libraries.
 * - `node`: `node:zlib`'s native decoders with the output length bounded by
 *   the chunk's size, then one copy into the destination. Works everywhere
 *   Deno does (Deno Deploy, `--deny-ffi`).
 *
 * `LAMELLA_DECODER=native|node|auto` (default `auto`: native when available)
 * forces one; `native` fails loudly when the libraries cannot be loaded.
 *
 * @module
 */
import * as zlib from "node:zlib";
import { zstdCompress } from "./codecs.ts";

/** Compressions the fast chunk path decodes. */
export type Compression = "none" | "zstd" | "gzip" | "zlib";

/** Decodes one compressed chunk into a destination buffer. */
export interface Decoder {
  /** `native` (libzstd/libdeflate through FFI) or `node` (`node:zlib`). */
  readonly kind: "native" | "node";
  /**
   * Decodes `src` into `dst` and returns the number of bytes written. Throws
   * an Error naming the codec when the data is corrupt or decodes to more
   * than `dst.length` bytes.
   */
  decode(compression: Compression, src: Uint8Array, dst: Uint8Array): number;
}

const ZSTD_NAMES = ["libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib"];
const DEFLATE_NAMES = [
  "libdeflate.so.0",
  "libdeflate.so",
  "libdeflate.0.dylib",
  "libdeflate.dylib",
];

const ZSTD_SYMBOLS = {
  ZSTD_createDCtx: { parameters: [], result: "pointer" },
  ZSTD_decompressDCtx: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize"],
    result: "usize",
  },
  ZSTD_isError: { parameters: ["usize"], result: "u32" },
  ZSTD_getErrorName: { parameters: ["usize"], result: "pointer" },
} as const;

const DEFLATE_SYMBOLS = {
  libdeflate_alloc_decompressor: { parameters: [], result: "pointer" },
  libdeflate_gzip_decompress_ex: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "buffer", "buffer"],
    result: "i32",
  },
  libdeflate_zlib_decompress_ex: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "buffer", "buffer"],
    result: "i32",
  },
} as const;

function openFirst<S extends Deno.ForeignLibraryInterface>(
  names: string[],
  symbols: S,
): Deno.DynamicLibrary<S> {
  let last: unknown;
  for (const name of names) {
    try {
      return Deno.dlopen(name, symbols);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`cannot load ${names[0]}: ${(last as Error)?.message ?? "not found"}`);
}

/** A size_t argument: Deno's FFI takes numbers for `usize` (its types say bigint). */
const size = (n: number) => n as unknown as bigint;

const LIBDEFLATE_RESULTS = ["success", "bad data", "short output", "insufficient space"];

/** libzstd and libdeflate through FFI, one decompression context each per thread. */
class NativeDecoder implements Decoder {
  readonly kind = "native";
  #zstd = openFirst(ZSTD_NAMES, ZSTD_SYMBOLS);
  #dctx = this.#zstd.symbols.ZSTD_createDCtx();
  #deflate?: Deno.DynamicLibrary<typeof DEFLATE_SYMBOLS>;
  #inflater: Deno.PointerValue = null;
  // Out-parameters of libdeflate (size_t), reused.
  #consumed = new BigUint64Array(1);
  #produced = new BigUint64Array(1);

  constructor() {
    try {
      this.#deflate = openFirst(DEFLATE_NAMES, DEFLATE_SYMBOLS);
      this.#inflater = this.#deflate.symbols.libdeflate_alloc_decompressor();
    } catch {
      // gzip and zlib fall back to node:zlib.
    }
  }

  decode(compression: Compression, src: Uint8Array, dst: Uint8Array): number {
    if (compression === "none") return copyInto(src, dst);
    if (compression === "zstd") {
      const z = this.#zstd.symbols;
      const r = z.ZSTD_decompressDCtx(this.#dctx, dst, size(dst.length), src, size(src.length));
      if (z.ZSTD_isError(r)) {
        const name = z.ZSTD_getErrorName(r);
        const why = name ? new Deno.UnsafePointerView(name).getCString() : `code ${r}`;
        throw new Error(`zstd: ${why}`);
      }
      return Number(r);
    }
    if (!this.#deflate) return nodeDecode(compression, src, dst);
    const d = this.#deflate.symbols;
    const f = compression === "gzip"
      ? d.libdeflate_gzip_decompress_ex
      : d.libdeflate_zlib_decompress_ex;
    const r = f(
      this.#inflater,
      src,
      size(src.length),
      dst,
      size(dst.length),
      this.#consumed,
      this.#produced,
    );
    if (r !== 0) {
      throw new Error(`${compression}: ${LIBDEFLATE_RESULTS[r] ?? `libdeflate error ${r}`}`);
    }
    // A stream of several gzip members (rare): node:zlib reads them all.
    if (Number(this.#consumed[0]) < src.length) return nodeDecode(compression, src, dst);
    return Number(this.#produced[0]);
  }
}

function copyInto(src: Uint8Array, dst: Uint8Array): number {
  if (src.length > dst.length) {
    throw new Error(`uncompressed chunk of ${src.length} bytes, expected at most ${dst.length}`);
  }
  dst.set(src);
  return src.length;
}

function nodeDecode(compression: Compression, src: Uint8Array, dst: Uint8Array): number {
  // One byte more than fits, so an oversized chunk is detected, not truncated.
  const options = { maxOutputLength: dst.length + 1 };
  let out: Uint8Array;
  try {
    out = compression === "zstd"
      ? zlib.zstdDecompressSync(src, options as zlib.ZstdOptions)
      : compression === "gzip"
      ? zlib.gunzipSync(src, options)
      : compression === "zlib"
      ? zlib.inflateSync(src, options)
      : src;
  } catch (e) {
    const message = (e as Error).message;
    if (/maxOutputLength|larger than|too large/i.test(message)) {
      throw new Error(`${compression}: decodes to more than the ${dst.length}-byte chunk`);
    }
    throw new Error(`${compression}: ${message}`);
  }
  return copyInto(out, dst);
}

/** `node:zlib` with bounded output, copied into the destination. */
class NodeDecoder implements Decoder {
  readonly kind = "node";
  decode(compression: Compression, src: Uint8Array, dst: Uint8Array): number {
    return nodeDecode(compression, src, dst);
  }
}

/**
 * A decoder of the given kind (for tests and benchmarks; the engine uses
 * {@linkcode decoder}). `native` throws when the libraries cannot be loaded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createDecoder } from "./decoders.ts";
 * const dst = new Uint8Array(3);
 * assertEquals(createDecoder("node").decode("none", new Uint8Array([1, 2, 3]), dst), 3);
 * ```
 */
export function createDecoder(kind: "native" | "node"): Decoder {
  return kind === "native" ? new NativeDecoder() : new NodeDecoder();
}

let chosen: Decoder | undefined;

/**
 * The decoder of this thread: native when FFI is allowed and the libraries
 * load (unless `LAMELLA_DECODER=node`), else `node:zlib`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decoder } from "./decoders.ts";
 * import { zstdCompress } from "./codecs.ts";
 * const dst = new Uint8Array(4);
 * const n = decoder().decode("zstd", zstdCompress(new Uint8Array([1, 2, 3, 4]), 1), dst);
 * assertEquals(n, 4);
 * assertEquals(dst[3], 4);
 * ```
 */
export function decoder(): Decoder {
  if (chosen) return chosen;
  const wanted = readWanted();
  if (wanted === "node") return chosen = new NodeDecoder();
  const allowed = typeof Deno.dlopen === "function" &&
    Deno.permissions.querySync?.({ name: "ffi" }).state === "granted";
  if (wanted === "native") {
    if (!allowed) {
      throw new Error("LAMELLA_DECODER=native needs FFI: run with --allow-ffi (or -A)");
    }
    return chosen = new NativeDecoder();
  }
  if (allowed) {
    try {
      return chosen = new NativeDecoder();
    } catch {
      // No libzstd on this system.
    }
  }
  return chosen = new NodeDecoder();
}

function readWanted(): "native" | "node" | "auto" {
  let value: string | undefined;
  try {
    value = Deno.env.get("LAMELLA_DECODER");
  } catch {
    return "auto"; // no env permission
  }
  if (value === undefined || value === "" || value === "auto") return "auto";
  if (value === "native" || value === "node") return value;
  throw new Error(`LAMELLA_DECODER: expected native, node or auto; found "${value}"`);
}

const ZSTD_COMPRESS_SYMBOLS = {
  ZSTD_createCCtx: { parameters: [], result: "pointer" },
  ZSTD_compressCCtx: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "i32"],
    result: "usize",
  },
  ZSTD_compressBound: { parameters: ["usize"], result: "usize" },
  ZSTD_isError: { parameters: ["usize"], result: "u32" },
} as const;

/** Compresses chunk after chunk into one reused output buffer. */
export interface ZstdEncoder {
  /** `native` (libzstd through FFI) or `node` (`node:zlib`). */
  readonly kind: "native" | "node";
  /** One zstd frame of `src`; a view valid until the next call (native). */
  encode(src: Uint8Array): Uint8Array;
}

/**
 * A zstd compressor at `level` for writers that compress many chunks: libzstd
 * through FFI with one context and one output buffer, reused (node:zlib's
 * one-shot compressor allocates a context per call and holds native memory
 * until V8 collects it); `node:zlib` where FFI or libzstd is unavailable.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { zstdDecompressSync } from "node:zlib";
 * import { zstdEncoder } from "./decoders.ts";
 * const bytes = new Uint8Array(4096).map((_, i) => i % 7);
 * const frame = zstdEncoder(1).encode(bytes);
 * assertEquals(new Uint8Array(zstdDecompressSync(frame)), bytes);
 * ```
 */
export function zstdEncoder(level: number): ZstdEncoder {
  try {
    const lib = openFirst(ZSTD_NAMES, ZSTD_COMPRESS_SYMBOLS).symbols;
    const cctx = lib.ZSTD_createCCtx();
    let out = new Uint8Array(0);
    return {
      kind: "native",
      encode(src: Uint8Array): Uint8Array {
        const bound = Number(lib.ZSTD_compressBound(size(src.length)));
        if (out.length < bound) out = new Uint8Array(bound);
        const r = lib.ZSTD_compressCCtx(cctx, out, size(out.length), src, size(src.length), level);
        if (lib.ZSTD_isError(r)) throw new Error(`zstd: compression failed (code ${r})`);
        return out.subarray(0, Number(r));
      },
    };
  } catch {
    return { kind: "node", encode: (src) => zstdCompress(src, level) };
  }
}
