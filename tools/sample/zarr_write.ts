/**
 * A minimal Zarr writer for local directories: v2 and v3 groups and arrays,
 * chunk by chunk, with Zstd or gzip compression from `node:zlib`.
 *
 * It writes what lamella's sample data and tests need, the way OpenOrganelle
 * and zarr-python lay stores out: C order, full-size (padded) edge chunks,
 * chunks that hold only the fill value not written, little-endian bytes.
 * Every file is written atomically (a temporary name, then a rename), so a
 * reader never sees half a chunk. Reading uses zarrita; this module only reads
 * back its own chunks (`readChunk`) so pyramids can be built level by level.
 *
 * @module
 */

import { zstdCompress } from "../../src/store/codecs.ts";
import { writeFileAtomic } from "../../src/store/atomic.ts";
import { TYPED_ARRAY_CTORS } from "../../kernels/types.ts";
import zlib from "node:zlib";
import { dirname, join } from "node:path";
import { StoreError, UnsupportedError } from "../../src/model/errors.ts";

/** Zarr v3 data type names this writer handles (numeric, fixed size). */
export type DataType =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64";

/** Zarr v2 dtype strings this writer handles: little-endian (or single-byte) numeric types. */
export type V2Dtype = keyof V2DtypeNames;

/** Each v2 dtype string and the Zarr v3 data type it stands for. */
export type V2DtypeNames = {
  "|i1": "int8";
  "|u1": "uint8";
  "<i2": "int16";
  "<u2": "uint16";
  "<i4": "int32";
  "<u4": "uint32";
  "<i8": "int64";
  "<u8": "uint64";
  "<f4": "float32";
  "<f8": "float64";
};

/** The typed array that holds the elements of each data type (BigInt arrays for 64-bit integers). */
export type TypedArrays = {
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
};

/** The typed array that holds one chunk of a given data type, e.g. `Int16Array` for `int16`. */
export type TypedArrayFor<D extends DataType> = TypedArrays[D];

/** Any typed array this writer accepts. */
export type NumericTypedArray = TypedArrays[DataType];

const V2_NAMES: V2DtypeNames = {
  "|i1": "int8",
  "|u1": "uint8",
  "<i2": "int16",
  "<u2": "uint16",
  "<i4": "int32",
  "<u4": "uint32",
  "<i8": "int64",
  "<u8": "uint64",
  "<f4": "float32",
  "<f8": "float64",
};

type TypedArrayConstructor = {
  new (length: number): NumericTypedArray;
  new (buffer: ArrayBuffer): NumericTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

// The same constructors the kernels use (zarr_write has no bool or float16).
const CONSTRUCTORS: Record<DataType, TypedArrayConstructor> = TYPED_ARRAY_CTORS;

/** Compression of chunk bytes: Zstd or gzip at a level, or none. */
export type Compressor = { id: "zstd"; level: number } | { id: "gzip"; level: number } | null;

/** Counts of what a writer has done so far. */
export interface WriteStats {
  /** Chunk files written. */
  chunksWritten: number;
  /** Chunks not written because every element equals the fill value. */
  chunksSkipped: number;
  /** Bytes of chunk files written (compressed). */
  bytesWritten: number;
}

/**
 * Writes the chunks of one array created by {@link createArrayV2} or
 * {@link createArrayV3}. `T` is the typed array of the array's data type.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createArrayV3 } from "./zarr_write.ts";
 * const dir = await Deno.makeTempDir();
 * const w = await createArrayV3(`${dir}/v`, {
 *   shape: [4, 6], chunks: [4, 4], dataType: "uint16", compressor: null,
 * });
 * assertEquals(w.grid.join(), "1,2");
 * assertEquals(w.regionShape([0, 1]).join(), "4,2");
 * await w.writeChunk([0, 1], new Uint16Array(8).fill(3));
 * assertEquals((await w.readChunk([0, 1]))[1], 3); // padded to [4, 4]: [3, 3, 0, 0, ...]
 * ```
 */
export interface ArrayWriter<T extends NumericTypedArray = NumericTypedArray> {
  /** Directory of the array (holds `.zarray` or `zarr.json`). */
  readonly dir: string;
  /** Zarr format of the metadata written. */
  readonly format: 2 | 3;
  /** Data type as a Zarr v3 name. */
  readonly dataType: DataType;
  /** Array shape. */
  readonly shape: readonly number[];
  /** Chunk shape. */
  readonly chunks: readonly number[];
  /** Number of chunks along each dimension. */
  readonly grid: readonly number[];
  /** Fill value: a number, or a bigint for int64/uint64. */
  readonly fillValue: number | bigint;
  /** Running counts of written and skipped chunks. */
  readonly stats: Readonly<WriteStats>;
  /** Store key of a chunk relative to the array, e.g. `0/1/2` (v2) or `c/0/1/2` (v3). */
  chunkKey(coords: readonly number[]): string;
  /** Shape of the part of a chunk inside the array (smaller than `chunks` at the far edges). */
  regionShape(coords: readonly number[]): number[];
  /**
   * Writes one chunk. `data` is in C order and has either the full chunk shape
   * or the in-bounds {@link regionShape} (then it is padded with the fill
   * value). Resolves to `false` when the chunk is all fill value and was
   * therefore not stored (any earlier file for it is removed).
   */
  writeChunk(coords: readonly number[], data: T): Promise<boolean>;
  /** Reads back a full-size chunk; an absent chunk reads as the fill value. */
  readChunk(coords: readonly number[]): Promise<T>;
}

/** Options of {@link createArrayV2}. */
export interface ArrayV2Options<D extends V2Dtype> {
  /** Array shape. */
  shape: readonly number[];
  /** Chunk shape, same rank as `shape`. */
  chunks: readonly number[];
  /** Numeric dtype, e.g. `"<i2"` or `"|u1"`. */
  dtype: D;
  /** Chunk compressor; `null` stores raw bytes. */
  compressor: Compressor;
  /** Fill value of absent chunks and of edge padding. Default 0. */
  fillValue?: number | bigint;
  /** Separator of chunk indices in keys (`0/1/2` or `0.1.2`). Default `"."`, as in the v2 spec. */
  dimensionSeparator?: "/" | ".";
  /** Attributes written to `.zattrs` when given. */
  attrs?: Record<string, unknown>;
}

/** Options of {@link createArrayV3}. */
export interface ArrayV3Options<D extends DataType> {
  /** Array shape. */
  shape: readonly number[];
  /** Chunk shape (regular grid), same rank as `shape`. */
  chunks: readonly number[];
  /** Data type, e.g. `"float32"`. */
  dataType: D;
  /**
   * Compression after the `bytes` (little-endian) codec; `null` for none.
   * Written as the v3 codec of the same name (`zstd` or `gzip`).
   */
  compressor: Compressor;
  /** Fill value; `NaN` and infinities are written as the strings the spec requires. Default 0. */
  fillValue?: number | bigint;
  /** Separator of the default chunk key encoding (`c/0/1/2` or `c.0.1.2`). Default `"/"`. */
  separator?: "/" | ".";
  /** Names of the dimensions, written as `dimension_names`. */
  dimensionNames?: readonly string[];
  /** Array attributes. */
  attrs?: Record<string, unknown>;
}

/**
 * Writes a Zarr v2 group: `.zgroup`, and `.zattrs` when attributes are given.
 * Parent directories are created.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeGroupV2 } from "./zarr_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeGroupV2(`${dir}/data.zarr`, { note: "root" });
 * assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/data.zarr/.zgroup`)).zarr_format, 2);
 * ```
 */
export async function writeGroupV2(dir: string, attrs?: Record<string, unknown>): Promise<void> {
  await makeDir(dir);
  await writeJson(join(dir, ".zgroup"), { zarr_format: 2 });
  if (attrs !== undefined) await writeJson(join(dir, ".zattrs"), attrs);
}

/**
 * Writes a Zarr v3 group: `zarr.json` with `node_type: "group"`.
 * Parent directories are created.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeGroupV3 } from "./zarr_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeGroupV3(`${dir}/v3.zarr`, { note: "root" });
 * const meta = JSON.parse(await Deno.readTextFile(`${dir}/v3.zarr/zarr.json`));
 * assertEquals(meta.node_type, "group");
 * assertEquals(meta.attributes.note, "root");
 * ```
 */
export async function writeGroupV3(dir: string, attrs?: Record<string, unknown>): Promise<void> {
  await makeDir(dir);
  await writeJson(join(dir, "zarr.json"), {
    zarr_format: 3,
    node_type: "group",
    attributes: attrs ?? {},
  });
}

/**
 * Creates a Zarr v2 array (`.zarray` with `order: "C"`, `filters: null`, and
 * `.zattrs` when attributes are given) and returns a writer for its chunks.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createArrayV2 } from "./zarr_write.ts";
 * const dir = await Deno.makeTempDir();
 * const w = await createArrayV2(`${dir}/a`, {
 *   shape: [3, 4], chunks: [2, 4], dtype: "<i2",
 *   compressor: { id: "zstd", level: 1 }, dimensionSeparator: "/",
 * });
 * await w.writeChunk([0, 0], new Int16Array([1, 2, 3, 4, 5, 6, 7, 8]));
 * // the edge chunk holds one row; it is padded to two rows on disk
 * await w.writeChunk([1, 0], new Int16Array([9, 10, 11, 12]));
 * assertEquals(w.stats.chunksWritten, 2);
 * assertEquals(w.chunkKey([1, 0]), "1/0");
 * ```
 */
export async function createArrayV2<D extends V2Dtype>(
  dir: string,
  options: ArrayV2Options<D>,
): Promise<ArrayWriter<TypedArrayFor<V2DtypeNames[D]>>> {
  const dataType = V2_NAMES[options.dtype] as V2DtypeNames[D];
  if (dataType === undefined) {
    throw new UnsupportedError(
      dir,
      `dtype ${options.dtype} is not one of ${Object.keys(V2_NAMES)}`,
    );
  }
  const fillValue = checkFill(dir, dataType, options.fillValue ?? 0);
  checkGrid(dir, options.shape, options.chunks);
  const separator = options.dimensionSeparator ?? ".";
  const meta = {
    chunks: [...options.chunks],
    compressor: options.compressor === null ? null : { ...options.compressor },
    dimension_separator: separator,
    dtype: options.dtype,
    fill_value: fillJson(fillValue),
    filters: null,
    order: "C",
    shape: [...options.shape],
    zarr_format: 2,
  };
  await makeDir(dir);
  await writeJson(join(dir, ".zarray"), meta);
  if (options.attrs !== undefined) await writeJson(join(dir, ".zattrs"), options.attrs);
  return makeWriter(dir, 2, dataType, options.shape, options.chunks, fillValue, {
    key: (coords) => coords.length === 0 ? "0" : coords.join(separator),
    compressor: options.compressor,
  });
}

/**
 * Creates a Zarr v3 array (`zarr.json` with a regular chunk grid, the default
 * chunk key encoding and codecs `bytes` (little-endian) plus the optional
 * compressor) and returns a writer for its chunks.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createArrayV3 } from "./zarr_write.ts";
 * const dir = await Deno.makeTempDir();
 * const w = await createArrayV3(`${dir}/spectrum`, {
 *   shape: [5], chunks: [4], dataType: "float64",
 *   compressor: { id: "zstd", level: 3 }, fillValue: NaN,
 * });
 * await w.writeChunk([1], new Float64Array([42])); // padded with NaN on disk
 * assertEquals(w.chunkKey([1]), "c/1");
 * ```
 */
export async function createArrayV3<D extends DataType>(
  dir: string,
  options: ArrayV3Options<D>,
): Promise<ArrayWriter<TypedArrayFor<D>>> {
  if (!(options.dataType in CONSTRUCTORS)) {
    throw new UnsupportedError(dir, `data type ${options.dataType} is not numeric`);
  }
  const fillValue = checkFill(dir, options.dataType, options.fillValue ?? 0);
  checkGrid(dir, options.shape, options.chunks);
  if (
    options.dimensionNames !== undefined && options.dimensionNames.length !== options.shape.length
  ) {
    throw new RangeError(
      `${dir}: ${options.dimensionNames.length} dimension names for ${options.shape.length} dimensions`,
    );
  }
  const separator = options.separator ?? "/";
  const codecs: unknown[] = [{ name: "bytes", configuration: { endian: "little" } }];
  if (options.compressor?.id === "zstd") {
    codecs.push({
      name: "zstd",
      configuration: { level: options.compressor.level, checksum: false },
    });
  } else if (options.compressor?.id === "gzip") {
    codecs.push({ name: "gzip", configuration: { level: options.compressor.level } });
  }
  const meta: Record<string, unknown> = {
    zarr_format: 3,
    node_type: "array",
    shape: [...options.shape],
    data_type: options.dataType,
    chunk_grid: { name: "regular", configuration: { chunk_shape: [...options.chunks] } },
    chunk_key_encoding: { name: "default", configuration: { separator } },
    fill_value: fillJson(fillValue),
    codecs,
    attributes: options.attrs ?? {},
  };
  if (options.dimensionNames !== undefined) meta.dimension_names = [...options.dimensionNames];
  await makeDir(dir);
  await writeJson(join(dir, "zarr.json"), meta);
  return makeWriter(dir, 3, options.dataType, options.shape, options.chunks, fillValue, {
    key: (coords) => ["c", ...coords].join(separator),
    compressor: options.compressor,
  });
}

/**
 * Produces the chunk whose grid coordinates are `coords`; `regionShape` is the
 * in-bounds part of that chunk, which is the shape the result must have.
 */
export type ChunkGenerator<T extends NumericTypedArray> = (
  coords: number[],
  regionShape: number[],
) => T | Promise<T>;

/**
 * Writes every chunk of an array in C order of the chunk grid, asking
 * `generate` for one chunk at a time, so an array of any size is written in
 * the memory of one chunk. Returns the writer's counts afterwards.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createArrayV2, writeArray } from "./zarr_write.ts";
 * const dir = await Deno.makeTempDir();
 * const w = await createArrayV2(`${dir}/ramp`, {
 *   shape: [100, 100], chunks: [64, 64], dtype: "|u1", compressor: { id: "gzip", level: 5 },
 * });
 * const stats = await writeArray(w, (coords, shape) => {
 *   const data = new Uint8Array(shape[0] * shape[1]);
 *   if (coords[0] === 0) data.fill(7); // row 1 of the grid stays all-zero: not stored
 *   return data;
 * });
 * assertEquals(stats.chunksWritten, 2);
 * assertEquals(stats.chunksSkipped, 2);
 * ```
 */
export async function writeArray<T extends NumericTypedArray>(
  writer: ArrayWriter<T>,
  generate: ChunkGenerator<T>,
): Promise<WriteStats> {
  for (const coords of chunkCoords(writer.grid)) {
    const data = await generate(coords, writer.regionShape(coords));
    await writer.writeChunk(coords, data);
  }
  return { ...writer.stats };
}

/**
 * Every chunk coordinate of a grid, in C order (last index fastest).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chunkCoords } from "./zarr_write.ts";
 * const all = [...chunkCoords([2, 2])];
 * assertEquals(JSON.stringify(all), "[[0,0],[0,1],[1,0],[1,1]]");
 * ```
 */
export function* chunkCoords(grid: readonly number[]): Generator<number[]> {
  if (grid.some((n) => n === 0)) return;
  const coords = grid.map(() => 0);
  while (true) {
    yield [...coords];
    let d = grid.length - 1;
    while (d >= 0 && ++coords[d] === grid[d]) coords[d--] = 0;
    if (d < 0) return;
  }
}

// ---------------------------------------------------------------------------

interface Layout {
  key: (coords: readonly number[]) => string;
  compressor: Compressor;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function makeWriter<D extends DataType>(
  dir: string,
  format: 2 | 3,
  dataType: D,
  shape: readonly number[],
  chunks: readonly number[],
  fillValue: number | bigint,
  layout: Layout,
): ArrayWriter<TypedArrayFor<D>> {
  if (!LITTLE_ENDIAN_HOST) {
    throw new UnsupportedError(dir, "writing from a big-endian host is not supported");
  }
  type T = TypedArrayFor<D>;
  const Ctor = CONSTRUCTORS[dataType];
  const grid = shape.map((n, i) => Math.ceil(n / chunks[i]));
  const chunkLength = chunks.reduce((a, b) => a * b, 1);
  const stats: WriteStats = { chunksWritten: 0, chunksSkipped: 0, bytesWritten: 0 };
  const madeDirs = new Set<string>([dir]);

  const checkCoords = (coords: readonly number[]) => {
    if (coords.length !== grid.length || coords.some((c, i) => !(c >= 0 && c < grid[i]))) {
      throw new RangeError(`${dir}: chunk [${coords}] is outside the chunk grid [${grid}]`);
    }
  };
  const regionShape = (coords: readonly number[]) => {
    checkCoords(coords);
    return coords.map((c, i) => Math.min(chunks[i], shape[i] - c * chunks[i]));
  };
  const filled = (): T => {
    const out = new Ctor(chunkLength) as T;
    // deno-lint-ignore no-explicit-any
    if (fillValue !== 0 && fillValue !== 0n) (out as any).fill(fillValue);
    return out;
  };

  return {
    dir,
    format,
    dataType,
    shape: [...shape],
    chunks: [...chunks],
    grid,
    fillValue,
    stats,
    chunkKey: (coords) => {
      checkCoords(coords);
      return layout.key(coords);
    },
    regionShape,
    async writeChunk(coords, data) {
      const region = regionShape(coords);
      const regionLength = region.reduce((a, b) => a * b, 1);
      if (!(data instanceof Ctor)) {
        throw new TypeError(`${dir}: chunk data must be a ${Ctor.name} for ${dataType}`);
      }
      let full: NumericTypedArray = data;
      if (data.length !== chunkLength) {
        if (data.length !== regionLength) {
          throw new RangeError(
            `${dir}: chunk [${coords}] has ${data.length} elements; expected ${chunkLength} ` +
              `(chunk [${chunks}]) or ${regionLength} (in-bounds region [${region}])`,
          );
        }
        full = filled();
        padInto(full, data, chunks, region);
      }
      const path = join(dir, layout.key(coords));
      if (isAllFill(full, fillValue)) {
        await Deno.remove(path).catch((e) => {
          if (!(e instanceof Deno.errors.NotFound)) {
            throw new StoreError(path, String(e), { cause: e });
          }
        });
        stats.chunksSkipped++;
        return false;
      }
      const raw = new Uint8Array(full.buffer, full.byteOffset, full.byteLength);
      const bytes = compress(raw, layout.compressor);
      const parent = dirname(path);
      if (!madeDirs.has(parent)) {
        await makeDir(parent);
        madeDirs.add(parent);
      }
      await writeFileAtomic(path, bytes);
      stats.chunksWritten++;
      stats.bytesWritten += bytes.byteLength;
      return true;
    },
    async readChunk(coords) {
      checkCoords(coords);
      const path = join(dir, layout.key(coords));
      let stored: Uint8Array;
      try {
        stored = await Deno.readFile(path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return filled();
        throw new StoreError(path, String(e), { cause: e });
      }
      const raw = decompress(stored, layout.compressor);
      const expected = chunkLength * Ctor.BYTES_PER_ELEMENT;
      if (raw.byteLength !== expected) {
        throw new StoreError(path, `decoded ${raw.byteLength} bytes, expected ${expected}`);
      }
      const out = new Ctor(chunkLength);
      new Uint8Array(out.buffer).set(raw);
      return out as T;
    },
  };
}

/** Copies a C-order region of shape `region` into the top corner of a chunk of shape `chunks`. */
function padInto(
  full: NumericTypedArray,
  region: NumericTypedArray,
  chunks: readonly number[],
  shape: readonly number[],
): void {
  const rank = chunks.length;
  const row = shape[rank - 1];
  if (row === 0) return;
  const rows = region.length / row;
  const index = new Array(rank - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let offset = 0;
    for (let d = 0; d < rank - 1; d++) offset = offset * chunks[d] + index[d];
    offset *= chunks[rank - 1];
    // deno-lint-ignore no-explicit-any
    (full as any).set(region.subarray(r * row, (r + 1) * row), offset);
    for (let d = rank - 2; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
}

function isAllFill(data: NumericTypedArray, fillValue: number | bigint): boolean {
  if (typeof fillValue === "number" && Number.isNaN(fillValue)) {
    for (let i = 0; i < data.length; i++) if (!Number.isNaN(data[i])) return false;
    return true;
  }
  for (let i = 0; i < data.length; i++) if (data[i] !== fillValue) return false;
  return true;
}

function compress(raw: Uint8Array, compressor: Compressor): Uint8Array {
  if (compressor === null) return raw;
  if (compressor.id === "zstd") {
    return zstdCompress(raw, compressor.level);
  }
  return zlib.gzipSync(raw, { level: compressor.level });
}

function decompress(stored: Uint8Array, compressor: Compressor): Uint8Array {
  if (compressor === null) return stored;
  if (compressor.id === "zstd") return zlib.zstdDecompressSync(stored);
  return zlib.gunzipSync(stored);
}

function checkGrid(dir: string, shape: readonly number[], chunks: readonly number[]): void {
  if (shape.length !== chunks.length) {
    throw new RangeError(`${dir}: shape [${shape}] and chunks [${chunks}] differ in rank`);
  }
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new RangeError(`${dir}: shape [${shape}] must hold non-negative integers`);
  }
  if (chunks.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`${dir}: chunks [${chunks}] must hold positive integers`);
  }
}

function checkFill(dir: string, dataType: DataType, fill: number | bigint): number | bigint {
  const wide = dataType === "int64" || dataType === "uint64";
  if (wide) return BigInt(fill);
  if (typeof fill === "bigint") return Number(fill);
  if (!dataType.startsWith("float") && !Number.isInteger(fill)) {
    throw new RangeError(
      `${dir}: fill value ${fill} is not an integer, but the data type is ${dataType}`,
    );
  }
  return fill;
}

/** Zarr writes NaN and the infinities as strings; JSON numbers for the rest. */
function fillJson(fill: number | bigint): number | string {
  if (typeof fill === "bigint") {
    if (fill > BigInt(Number.MAX_SAFE_INTEGER) || fill < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`fill value ${fill} cannot be written exactly as a JSON number`);
    }
    return Number(fill);
  }
  if (Number.isNaN(fill)) return "NaN";
  if (fill === Infinity) return "Infinity";
  if (fill === -Infinity) return "-Infinity";
  return fill;
}

async function makeDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new StoreError(dir, `cannot create directory: ${e}`, { cause: e });
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(value, null, 4) + "\n"));
}
