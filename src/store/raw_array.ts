/**
 * The direct chunk layout of an array whose chunks are plain: little-endian
 * (or single-byte) values in C order, compressed by zstd, gzip, zlib or
 * nothing, one chunk per store key. Such chunks are read and decoded by the
 * fast path (src/run/chunk_engine.ts) straight into the kernels' memory;
 * every other layout (filters, transpose, sharding, big-endian, checksums,
 * blosc, unusual fill values) goes through zarrita, and `rawLayout` says why.
 *
 * @module
 */
import type { NumericDtype } from "../../kernels/mod.ts";
import type { Compression } from "./decoders.ts";
import { getMetadata, normalizeMetadata } from "./metadata.ts";

/** How to find and decode an array's chunks without zarrita. */
export interface RawLayout {
  /** Element type. */
  dtype: Exclude<NumericDtype, "float16" | "bool">;
  /** Extent of each axis. */
  shape: number[];
  /** Chunk extent of each axis. */
  chunks: number[];
  /** How chunk bytes are compressed. */
  compression: Compression;
  /** Value of never-written chunks. */
  fill: number | bigint;
  /** Chunk keys: `keyPrefix` + coordinates joined by `separator`; `scalarKey` for a 0-d array. */
  keyPrefix: string;
  /** Separator of chunk coordinates in keys. */
  separator: "/" | ".";
  /** Key of the only chunk of a 0-d array. */
  scalarKey: string;
}

/**
 * Store key of the chunk at grid `coords`, relative to the array (no leading slash).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chunkKey } from "./raw_array.ts";
 * const layout = { keyPrefix: "c/", separator: "/" as const, scalarKey: "c" };
 * assertEquals(chunkKey(layout, [0, 3]), "c/0/3");
 * ```
 */
export function chunkKey(
  layout: Pick<RawLayout, "keyPrefix" | "separator" | "scalarKey">,
  coords: number[],
): string {
  return coords.length === 0 ? layout.scalarKey : layout.keyPrefix + coords.join(layout.separator);
}

const V2_DTYPES: Record<string, RawLayout["dtype"]> = {
  "|i1": "int8",
  "|u1": "uint8",
  "<i1": "int8",
  "<u1": "uint8",
  "<i2": "int16",
  "<u2": "uint16",
  "<i4": "int32",
  "<u4": "uint32",
  "<i8": "int64",
  "<u8": "uint64",
  "<f4": "float32",
  "<f8": "float64",
};

const V3_DTYPES = new Set<string>([
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float32",
  "float64",
]);

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

const COMPRESSIONS: Record<string, Compression> = { zstd: "zstd", gzip: "gzip", zlib: "zlib" };

/** Why an array takes zarrita's path, or its raw layout. */
export type RawLayoutResult = { layout: RawLayout } | { generic: string };

/**
 * The raw layout of an array from its metadata document (`.zarray` for
 * Zarr v2, `zarr.json` for v3), or the reason it needs the generic path.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { rawLayout } from "./raw_array.ts";
 * const r = rawLayout({
 *   zarr_format: 2, shape: [10], chunks: [4], dtype: "<i2", order: "C", filters: null,
 *   compressor: { id: "zstd", level: 1 }, fill_value: 0, dimension_separator: "/",
 * });
 * assert("layout" in r);
 * assertEquals(r.layout.compression, "zstd");
 * ```
 */
export function rawLayout(meta: Record<string, unknown>): RawLayoutResult {
  return meta.zarr_format === 3 ? v3Layout(meta) : v2Layout(meta);
}

function integers(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((n) => Number.isSafeInteger(n) && n >= 0);
}

function v2Layout(meta: Record<string, unknown>): RawLayoutResult {
  const dtype = V2_DTYPES[String(meta.dtype)];
  if (!dtype) return { generic: `dtype ${JSON.stringify(meta.dtype)}` };
  if (meta.order !== "C") return { generic: `order ${JSON.stringify(meta.order)}` };
  if (Array.isArray(meta.filters) ? meta.filters.length > 0 : meta.filters != null) {
    return { generic: "filters" };
  }
  const { shape, chunks } = meta;
  if (!integers(shape) || !integers(chunks) || shape.length !== chunks.length) {
    return { generic: "shape/chunks" };
  }
  if (chunks.some((c) => c === 0)) return { generic: "zero-sized chunks" };
  let compression: Compression = "none";
  if (meta.compressor != null) {
    const id = String((meta.compressor as { id?: unknown }).id);
    if (!COMPRESSIONS[id]) return { generic: `compressor ${id}` };
    compression = COMPRESSIONS[id];
  }
  const fill = fillValue(dtype, meta.fill_value);
  if (fill === undefined) return { generic: `fill_value ${JSON.stringify(meta.fill_value)}` };
  const sep = meta.dimension_separator === "/" ? "/" : ".";
  return {
    layout: {
      dtype,
      shape,
      chunks,
      compression,
      fill,
      keyPrefix: "",
      separator: sep,
      scalarKey: "0",
    },
  };
}

interface V3Codec {
  name?: string;
  configuration?: Record<string, unknown>;
}

function v3Layout(meta: Record<string, unknown>): RawLayoutResult {
  const dtype = String(meta.data_type);
  if (!V3_DTYPES.has(dtype)) return { generic: `data_type ${JSON.stringify(meta.data_type)}` };
  const grid = meta.chunk_grid as { name?: string; configuration?: { chunk_shape?: unknown } };
  const chunks = grid?.configuration?.chunk_shape;
  const shape = meta.shape;
  if (grid?.name !== "regular" || !integers(chunks) || !integers(shape)) {
    return { generic: "chunk grid" };
  }
  if (shape.length !== chunks.length || chunks.some((c) => c === 0)) {
    return { generic: "chunk grid" };
  }
  const codecs = (meta.codecs ?? []) as V3Codec[];
  if (!Array.isArray(codecs) || codecs.length < 1 || codecs.length > 2) {
    return { generic: "codec chain" };
  }
  const [bytes, compressor] = codecs;
  const endian = bytes.configuration?.endian;
  if (bytes.name !== "bytes" || (endian !== undefined && endian !== "little")) {
    return { generic: `codec ${bytes.name} ${JSON.stringify(bytes.configuration ?? {})}` };
  }
  if (endian === undefined && !dtype.endsWith("int8")) {
    return { generic: "bytes codec without endian" };
  }
  let compression: Compression = "none";
  if (compressor) {
    const name = String(compressor.name);
    if (!COMPRESSIONS[name]) return { generic: `codec ${name}` };
    compression = COMPRESSIONS[name];
  }
  const fill = fillValue(dtype as RawLayout["dtype"], meta.fill_value);
  if (fill === undefined) return { generic: `fill_value ${JSON.stringify(meta.fill_value)}` };
  const encoding = (meta.chunk_key_encoding ?? { name: "default" }) as {
    name?: string;
    configuration?: { separator?: string };
  };
  const v2Keys = encoding.name === "v2";
  if (!v2Keys && encoding.name !== "default") {
    return { generic: `chunk key encoding ${encoding.name}` };
  }
  const separator = encoding.configuration?.separator ?? (v2Keys ? "." : "/");
  if (separator !== "/" && separator !== ".") {
    return { generic: `chunk key separator ${separator}` };
  }
  return {
    layout: {
      dtype: dtype as RawLayout["dtype"],
      shape,
      chunks,
      compression,
      fill,
      keyPrefix: v2Keys ? "" : `c${separator}`,
      separator,
      scalarKey: v2Keys ? "0" : "c",
    },
  };
}

/**
 * The fill value as the chunk's element type, or undefined when it is one
 * the fast path leaves to zarrita (null, out of range). 64-bit integers come
 * as exact decimal strings from {@linkcode normalizeMetadata}.
 */
function fillValue(dtype: RawLayout["dtype"], value: unknown): number | bigint | undefined {
  const float = dtype === "float32" || dtype === "float64";
  if (float) {
    if (typeof value === "number") return value;
    if (value === "NaN") return NaN;
    if (value === "Infinity") return Infinity;
    if (value === "-Infinity") return -Infinity;
    return undefined;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (dtype === "int64" || dtype === "uint64") {
    const exact = typeof value === "string" && /^-?\d+$/.test(value)
      ? BigInt(value)
      : typeof value === "number" && Number.isSafeInteger(value)
      ? BigInt(value)
      : undefined;
    if (exact === undefined) return undefined;
    const bits = 64;
    const wraps = dtype === "uint64" ? BigInt.asUintN(bits, exact) : BigInt.asIntN(bits, exact);
    return wraps === exact ? exact : undefined;
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value)) return undefined;
  const [lo, hi] = INT_RANGES[dtype];
  return value >= lo && value <= hi ? value : undefined;
}

/**
 * Reads an array's metadata document from `store` and returns its raw
 * layout, or why it takes the generic path.
 *
 * @example
 * ```ts ignore
 * const r = await loadRawLayout(store, "recon-1/em/fibsem-uint8/s0");
 * ```
 */
export async function loadRawLayout(
  store: { get(key: string): Promise<Uint8Array | undefined> },
  path: string,
): Promise<RawLayoutResult> {
  const prefix = path ? `/${path}` : "";
  for (const name of ["zarr.json", ".zarray"]) {
    const key = `${prefix}/${name}`;
    const bytes = normalizeMetadata(key, await getMetadata((k) => store.get(k), key));
    if (!bytes) continue;
    try {
      return rawLayout(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      return { generic: `${name} is not valid JSON` };
    }
  }
  return { generic: "no metadata document" };
}
