/**
 * The codecs zarr-python writes that zarrita reads wrong or not at all,
 * registered in zarrita's registry by {@linkcode registerNativeCodecs}:
 *
 * - `crc32c` that verifies the checksum (zarrita strips it unchecked, so a
 *   flipped byte would read as data);
 * - numcodecs `astype` and `quantize` (stored in one dtype, read as another);
 * - numcodecs `delta`, including `astype` (zarrita ignores it and reads half
 *   the chunk);
 * - numcodecs `bz2` and `lzma` (xz), through the system's libbz2 and liblzma.
 *
 * Upstream, zarrita would need each of these; lamella keeps them in its own
 * layer instead of forking it.
 *
 * @module
 */
import { bz2Decompress, xzDecompress } from "./_ffi_codecs.ts";

/** A decoded chunk as zarrita passes it between array codecs. */
interface Chunk {
  data: ArrayLike<number | bigint> & { length: number };
  shape: number[];
  stride: number[];
}

/** What zarrita tells a codec about the chunks it decodes. */
interface ChunkMeta {
  dataType: string;
  shape: number[];
  fillValue: unknown;
  [key: string]: unknown;
}

type Ctor = new (n: number) => ArrayLike<number | bigint> & {
  length: number;
  [i: number]: number | bigint;
};

const CTORS: Record<string, Ctor> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
} as unknown as Record<string, Ctor>;

const NUMPY_TYPES: Record<string, string> = {
  i1: "int8",
  u1: "uint8",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
  f4: "float32",
  f8: "float64",
};

/**
 * The data type of a numcodecs dtype string (`"<f4"`, `"|u1"`, `"int16"`),
 * or an error naming the codec when lamella cannot convert it.
 */
function dataType(dtype: unknown, codec: string): string {
  const s = String(dtype);
  if (s in CTORS) return s;
  const m = /^([<>|=]?)([iuf][1248])$/.exec(s);
  if (!m || !NUMPY_TYPES[m[2]]) {
    throw new Error(`${codec}: dtype ${JSON.stringify(dtype)} is not supported`);
  }
  if (m[1] === ">" && m[2][1] !== "1") {
    throw new Error(`${codec}: big-endian dtype ${s} is not supported`);
  }
  return NUMPY_TYPES[m[2]];
}

/** Converts one value as NumPy's `astype` does (floats to integers truncate, integers wrap). */
function converter(from: string, to: string): (x: number | bigint) => number | bigint {
  const toBig = to === "int64" || to === "uint64";
  const fromBig = from === "int64" || from === "uint64";
  if (toBig && fromBig) return (x) => x;
  if (toBig) return (x) => BigInt(Math.trunc(Number(x)));
  if (fromBig) return (x) => Number(x);
  if (to.startsWith("float")) return (x) => x;
  return (x) => Math.trunc(x as number);
}

function convert(chunk: Chunk, from: string, to: string): Chunk {
  const out = new CTORS[to](chunk.data.length);
  const f = converter(from, to);
  for (let i = 0; i < chunk.data.length; i++) out[i] = f(chunk.data[i]);
  return { data: out, shape: chunk.shape, stride: chunk.stride };
}

/**
 * An array codec stored as `encoded` and read as `decoded` (numcodecs
 * `astype` and `quantize`).
 */
function castCodec(name: string, encodedKey: string, decodedKey: string) {
  return {
    fromConfig(config: Record<string, unknown>, meta: ChunkMeta) {
      const decoded = dataType(config[decodedKey] ?? meta.dataType, name);
      const encoded = dataType(config[encodedKey] ?? decoded, name);
      return {
        kind: "array_to_array" as const,
        getEncodedMeta: (m: ChunkMeta): ChunkMeta => ({ ...m, dataType: encoded }),
        encode(): never {
          throw new Error(`${name}: lamella does not encode`);
        },
        decode: (chunk: Chunk) => convert(chunk, encoded, decoded),
      };
    },
  };
}

/** numcodecs `delta`: differences, optionally stored in a narrower `astype`. */
const delta = {
  fromConfig(config: Record<string, unknown>, meta: ChunkMeta) {
    const decoded = dataType(config.dtype ?? meta.dataType, "delta");
    const encoded = dataType(config.astype ?? decoded, "delta");
    const big = decoded === "int64" || decoded === "uint64";
    return {
      kind: "array_to_array" as const,
      getEncodedMeta: (m: ChunkMeta): ChunkMeta => ({ ...m, dataType: encoded }),
      encode(): never {
        throw new Error("delta: lamella does not encode");
      },
      decode(chunk: Chunk): Chunk {
        // Cumulative sums in the decoded type (integers wrap, as in NumPy), in memory order.
        const src = convert(chunk, encoded, decoded).data as unknown as number[];
        const out = new CTORS[decoded](src.length) as unknown as number[];
        if (src.length) out[0] = src[0];
        if (big) {
          const b = out as unknown as bigint[];
          const s = src as unknown as bigint[];
          for (let i = 1; i < s.length; i++) b[i] = b[i - 1] + s[i];
        } else {
          for (let i = 1; i < src.length; i++) out[i] = out[i - 1] + src[i];
        }
        return { data: out as unknown as Chunk["data"], shape: chunk.shape, stride: chunk.stride };
      },
    };
  },
};

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32C (Castagnoli), as the v3 `crc32c` codec appends it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { crc32c } from "./numcodecs.ts";
 * assertEquals(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
 * ```
 */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The v3 `crc32c` codec, verifying the checksum before stripping it. */
const crc32cCodec = {
  fromConfig() {
    return {
      kind: "bytes_to_bytes" as const,
      encode(): never {
        throw new Error("crc32c: lamella does not encode");
      },
      decode(bytes: Uint8Array): Uint8Array {
        if (bytes.length < 4) throw new Error("crc32c: shorter than its 4-byte checksum");
        const body = bytes.subarray(0, bytes.length - 4);
        const tail = bytes.subarray(bytes.length - 4);
        const stored = (tail[0] | tail[1] << 8 | tail[2] << 16 | tail[3] << 24) >>> 0;
        const computed = crc32c(body);
        if (stored !== computed) {
          throw new Error(
            `crc32c checksum mismatch (stored ${stored.toString(16)}, computed ${
              computed.toString(16)
            }): the chunk is corrupt`,
          );
        }
        return body;
      },
      computeEncodedSize: (n: number) => n + 4,
    };
  },
};

/** Decoded bytes of a chunk described by `meta`, for decoders that need an output size. */
function decodedSize(meta: ChunkMeta): number {
  const item = { int8: 1, uint8: 1, int16: 2, uint16: 2, float16: 2 }[meta.dataType] ??
    (/64$/.test(meta.dataType) ? 8 : 4);
  return meta.shape.reduce((a, b) => a * b, 1) * item;
}

/** A bytes codec decoded by a function of the compressed bytes and the expected size. */
function bytesCodec(name: string, decode: (src: Uint8Array, size: number) => Uint8Array) {
  return {
    fromConfig(_config: unknown, meta: ChunkMeta) {
      return {
        kind: "bytes_to_bytes" as const,
        encode(): never {
          throw new Error(`${name}: lamella does not encode`);
        },
        decode: (bytes: Uint8Array) => decode(bytes, decodedSize(meta)),
      };
    },
  };
}

/** zarrita registry entries: name -> codec class loader. */
export const NUMCODECS: Record<string, () => Promise<unknown>> = {
  "crc32c": () => Promise.resolve(crc32cCodec),
  "numcodecs.crc32c": () => Promise.resolve(crc32cCodec),
  "numcodecs.astype": () => Promise.resolve(castCodec("astype", "encode_dtype", "decode_dtype")),
  "numcodecs.quantize": () => Promise.resolve(castCodec("quantize", "astype", "dtype")),
  "numcodecs.delta": () => Promise.resolve(delta),
  "numcodecs.bz2": () => Promise.resolve(bytesCodec("bz2", bz2Decompress)),
  "numcodecs.lzma": () => Promise.resolve(bytesCodec("lzma", xzDecompress)),
};
