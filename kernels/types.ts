/**
 * Types shared by the WASM kernels and their TypeScript references.
 *
 * @module
 */

/** Numeric dtypes the kernels reduce. `bool` is reduced as 0/1 bytes. */
export type NumericDtype =
  | "bool"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float16"
  | "float32"
  | "float64";

/** Every numeric dtype, in a fixed order (for tests and benchmarks). */
export const NUMERIC_DTYPES: readonly NumericDtype[] = [
  "bool",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float16",
  "float32",
  "float64",
];

/** The typed array a chunk of each dtype arrives in. */
export type ChunkData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | { readonly length: number; readonly buffer: ArrayBufferLike; readonly byteOffset: number };

/**
 * A mergeable statistics partial of one or more chunks.
 *
 * - `exact` (integers up to 32 bits): `sum` and `sumSq` are exact BigInts.
 * - `wide` (64-bit integers): `sum` is exact; `m2` is the f64 sum of squared
 *   deviations from this partial's mean.
 * - `float`: `sum` (with Neumaier compensation `sumComp`) and `m2` cover the
 *   `finiteCount` finite values; infinities are only counted.
 */
export type StatsPartial =
  | {
    kind: "exact";
    count: number;
    min: number;
    max: number;
    sum: bigint;
    sumSq: bigint;
  }
  | {
    kind: "wide";
    count: number;
    min: bigint;
    max: bigint;
    sum: bigint;
    m2: number;
  }
  | {
    kind: "float";
    count: number;
    nanCount: number;
    posInfCount: number;
    negInfCount: number;
    min: number;
    max: number;
    finiteCount: number;
    sum: number;
    sumComp: number;
    m2: number;
  };

/**
 * Size in bytes of one element of `dtype`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bytesPerElement } from "./types.ts";
 * assertEquals(bytesPerElement("float16"), 2);
 * ```
 */
export function bytesPerElement(dtype: NumericDtype): number {
  switch (dtype) {
    case "bool":
    case "int8":
    case "uint8":
      return 1;
    case "int16":
    case "uint16":
    case "float16":
      return 2;
    case "int32":
    case "uint32":
    case "float32":
      return 4;
    default:
      return 8;
  }
}

/**
 * The typed array constructor each dtype's chunks come in (`bool` as bytes,
 * `float16` as the runtime's Float16Array).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { TYPED_ARRAY_CTORS } from "./types.ts";
 * assert(new TYPED_ARRAY_CTORS.int16(2) instanceof Int16Array);
 * ```
 */
export const TYPED_ARRAY_CTORS = {
  bool: Uint8Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float16: (globalThis as unknown as { Float16Array: Float32ArrayConstructor }).Float16Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;
