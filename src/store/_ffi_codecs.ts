/**
 * bzip2 and xz decompression through the system's libbz2 and liblzma (the
 * libraries numcodecs itself uses), loaded through Deno's FFI on first use.
 * Without FFI (`--deny-ffi`, Deno Deploy) or the libraries, decoding throws
 * an error that says what is missing.
 *
 * @module
 */

const BZ2_NAMES = ["libbz2.so.1.0", "libbz2.so.1", "libbz2.so", "libbz2.1.0.dylib", "libbz2.dylib"];
const LZMA_NAMES = ["liblzma.so.5", "liblzma.so", "liblzma.5.dylib", "liblzma.dylib"];

const BZ2_SYMBOLS = {
  BZ2_bzBuffToBuffDecompress: {
    parameters: ["buffer", "buffer", "buffer", "u32", "i32", "i32"],
    result: "i32",
  },
} as const;

const LZMA_SYMBOLS = {
  lzma_stream_buffer_decode: {
    parameters: [
      "buffer",
      "u32",
      "pointer",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "buffer",
      "usize",
    ],
    result: "i32",
  },
} as const;

function open<S extends Deno.ForeignLibraryInterface>(
  names: string[],
  symbols: S,
  what: string,
): Deno.DynamicLibrary<S> {
  let last: unknown;
  for (const name of names) {
    try {
      return Deno.dlopen(name, symbols);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(
    `${what} needs ${names[0]} through FFI (run with --allow-ffi; on Debian the library is in ` +
      `${what === "bz2" ? "libbz2-1.0" : "liblzma5"}): ${(last as Error)?.message ?? "not found"}`,
  );
}

let bz2: Deno.DynamicLibrary<typeof BZ2_SYMBOLS> | undefined;
let lzma: Deno.DynamicLibrary<typeof LZMA_SYMBOLS> | undefined;

/** Largest output tried when the expected size was too small (a chain of bytes codecs). */
const MAX_OUTPUT = 2 ** 31;

const BZ2_ERRORS: Record<number, string> = {
  [-3]: "out of memory",
  [-4]: "corrupt data",
  [-5]: "not bzip2 data",
  [-7]: "truncated data",
};

/**
 * Decompresses one bzip2 stream, expecting about `size` bytes out.
 *
 * @example
 * ```ts ignore
 * const bytes = bz2Decompress(compressed, 4096);
 * ```
 */
export function bz2Decompress(src: Uint8Array, size: number): Uint8Array {
  bz2 ??= open(BZ2_NAMES, BZ2_SYMBOLS, "bz2");
  for (let capacity = Math.max(size, 64); capacity <= MAX_OUTPUT; capacity *= 2) {
    const out = new Uint8Array(capacity);
    const length = new Uint32Array([capacity]);
    const r = bz2.symbols.BZ2_bzBuffToBuffDecompress(out, length, src, src.length, 0, 0);
    if (r === 0) return out.subarray(0, length[0]);
    if (r !== -8) throw new Error(`bz2: ${BZ2_ERRORS[r] ?? `error ${r}`}`);
  }
  throw new Error(`bz2: decompresses to more than ${MAX_OUTPUT} bytes`);
}

const LZMA_ERRORS: Record<number, string> = {
  5: "out of memory",
  6: "memory limit reached",
  7: "not xz data (numcodecs' LZMA with format other than FORMAT_XZ is not supported)",
  8: "unsupported options",
  9: "corrupt data",
};

/**
 * Decompresses one xz stream (numcodecs `LZMA` in its default `FORMAT_XZ`),
 * expecting about `size` bytes out.
 *
 * @example
 * ```ts ignore
 * const bytes = xzDecompress(compressed, 4096);
 * ```
 */
export function xzDecompress(src: Uint8Array, size: number): Uint8Array {
  lzma ??= open(LZMA_NAMES, LZMA_SYMBOLS, "lzma");
  for (let capacity = Math.max(size, 64); capacity <= MAX_OUTPUT; capacity *= 2) {
    const out = new Uint8Array(capacity);
    const memlimit = new BigUint64Array([0xffffffffffffffffn]);
    const inPos = new BigUint64Array(1);
    const outPos = new BigUint64Array(1);
    const r = lzma.symbols.lzma_stream_buffer_decode(
      memlimit,
      0,
      null,
      src,
      inPos,
      src.length as unknown as bigint,
      out,
      outPos,
      capacity as unknown as bigint,
    );
    if (r === 0) return out.subarray(0, Number(outPos[0]));
    if (r !== 10) throw new Error(`lzma: ${LZMA_ERRORS[r] ?? `error ${r}`}`);
  }
  throw new Error(`lzma: decompresses to more than ${MAX_OUTPUT} bytes`);
}
