/**
 * The stage contract: a value with a name and four pure steps. Partials must
 * merge associatively so a stage gives the same answer in one thread, in
 * workers, or across shards.
 *
 * @module
 */
import type { ChunkData } from "../../kernels/mod.ts";
import type { ArrayInfo } from "../model/array.ts";

export type { ArrayInfo };

/** One stage as declared: its name and its options (validated by the stage). */
export interface StageSpec {
  /** Stage name, as a pipeline declares it. */
  name: string;
  /** Options, validated by the stage's factory. */
  options: unknown;
  /** Where it was declared, for messages. */
  line?: number;
}

/** Decoded values of a region of an array, as zarrita returns them. */
export interface Region {
  /** Decoded values. */
  data: ChunkData;
  /** Shape of the region. */
  shape: number[];
  /** Element strides of `data`. */
  stride: number[];
}

/**
 * Reads the region `[start[d], stop[d])` of every axis `d`, every `step[d]`-th
 * element when a step is given (it decodes the chunks it covers).
 */
export type RegionReader = (start: number[], stop: number[], step?: number[]) => Promise<Region>;

/**
 * Opens another array of the same group by its name (e.g. `mz` beside
 * `intensity` in an ms-run store), for stages that read related arrays.
 */
export type SiblingOpener = (name: string) => Promise<{ shape: number[]; read: RegionReader }>;

/** One decoded chunk and where it sits in the array. */
export interface Chunk {
  /** Decoded values (in kernel memory on the fast path: valid until `consume` returns). */
  data: ChunkData;
  /** Shape of `data` (a full chunk; edge chunks include the padding). */
  shape: number[];
  /** Element strides of `data` (C order unless the array is F order). */
  stride: number[];
  /** Chunk grid coordinates. */
  coords: number[];
  /** True when the chunk was absent from the store and is the fill value. */
  missing: boolean;
}

/**
 * A stage: `init -> consume* -> merge* -> finalize`. `consume` may mutate and
 * return the state it was given.
 */
export interface Stage<S, R> {
  /** Name of the stage, and the report key of its result unless `report` says otherwise. */
  readonly name: string;
  /** Whether the stage runs on this array at all (default: every array). */
  appliesTo?(array: ArrayInfo): boolean;
  /** Whether the stage needs `array.prepass` statistics before `init`. */
  wantsPrepass?(array: ArrayInfo): boolean;
  /** The report keys of a result (default: `{ [name]: result }`). */
  report?(result: R): Record<string, unknown>;
  /** Report keys computed from the other stages' report keys, after all finish. */
  derive?(results: Record<string, unknown>, array: ArrayInfo): Record<string, unknown>;
  /**
   * For a stage that reads the array itself (row by row, or in windows) rather than
   * from the chunk pass: called once, after the chunk pass, with the merged state.
   * In a sharded run, called only in the shard that holds chunk 0 (on its own
   * state); `merge` must then keep the state that has the result. `sibling` opens
   * another array of the same group.
   */
  readArray?(state: S, read: RegionReader, array: ArrayInfo, sibling?: SiblingOpener): Promise<S>;
  /** A fresh state for `array`. */
  init(array: ArrayInfo): S;
  /** Folds one chunk into `state`; may mutate and return it. */
  consume(state: S, chunk: Chunk, array: ArrayInfo): S;
  /** Combines the states of two chunk ranges; must be associative. */
  merge(a: S, b: S): S;
  /** The result of a merged state. */
  finalize(state: S, array: ArrayInfo): R;
}

/** The valid region of a chunk inside the array (edge chunks are padded). */
export function validExtent(chunk: Chunk, array: ArrayInfo): number[] {
  return chunk.shape.map((n, d) => Math.min(n, array.shape[d] - chunk.coords[d] * array.chunks[d]));
}

/**
 * Calls `visit(start, length)` for each contiguous run of valid (unpadded)
 * elements of a chunk, in memory order. Runs go along the axis whose stride is
 * 1 (the last for C order, the first for F order, any axis for a transpose
 * codec); a full chunk is one run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { forEachValidRun } from "./stage.ts";
 * const array = { path: "a", dtype: "uint8" as const, shape: [3, 3], chunks: [2, 2] };
 * const runs: number[][] = [];
 * // The edge chunk at (1, 0) holds one valid row of two values.
 * const chunk = { data: new Uint8Array(4), shape: [2, 2], stride: [2, 1], coords: [1, 0], missing: false };
 * forEachValidRun(chunk, array, (start, length) => runs.push([start, length]));
 * assertEquals(runs, [[0, 2]]);
 * // The same chunk transposed in memory (stride 1 along the first axis): two runs of one.
 * runs.length = 0;
 * forEachValidRun({ ...chunk, stride: [1, 2] }, array, (start, length) => runs.push([start, length]));
 * assertEquals(runs, [[0, 1], [2, 1]]);
 * ```
 */
export function forEachValidRun(
  chunk: Chunk,
  array: ArrayInfo,
  visit: (start: number, length: number) => void,
): void {
  const extent = validExtent(chunk, array);
  if (extent.some((e) => e <= 0)) return;
  if (extent.every((e, d) => e === chunk.shape[d])) {
    visit(0, chunk.data.length);
    return;
  }
  // The fastest axis in memory; prefer one longer than 1 when several have stride 1.
  let inner = -1;
  for (let d = 0; d < extent.length; d++) {
    if (chunk.stride[d] === 1 && (inner < 0 || chunk.shape[inner] === 1)) inner = d;
  }
  forEachRun(extent, chunk.stride, inner, visit);
}

/** Runs along `inner` (elements one by one when no axis is contiguous: `inner` -1). */
function forEachRun(
  extent: number[],
  stride: number[],
  inner: number,
  visit: (start: number, length: number) => void,
): void {
  const outer = extent.map((_, d) => d).filter((d) => d !== inner);
  const index = outer.map(() => 0);
  const total = outer.reduce((a, d) => a * extent[d], 1);
  for (let k = 0; k < total; k++) {
    let start = 0;
    for (let j = 0; j < outer.length; j++) start += index[j] * stride[outer[j]];
    if (inner >= 0) visit(start, extent[inner]);
    else visit(start, 1);
    for (let j = outer.length - 1; j >= 0; j--) {
      if (++index[j] < extent[outer[j]]) break;
      index[j] = 0;
    }
  }
}

/**
 * Copies the valid (non-padding) elements of an edge chunk into one
 * contiguous array; interior chunks are returned as they are.
 */
export function validData(chunk: Chunk, array: ArrayInfo): ChunkData {
  const runs: Array<[number, number]> = [];
  let total = 0;
  forEachValidRun(chunk, array, (s, n) => {
    runs.push([s, n]);
    total += n;
  });
  if (runs.length === 1 && runs[0][0] === 0 && runs[0][1] === chunk.data.length) return chunk.data;
  const src = chunk.data as unknown as { subarray(a: number, b: number): ArrayLike<unknown> };
  const Ctor = (chunk.data as unknown as { constructor: new (n: number) => ChunkData }).constructor;
  if (!("subarray" in chunk.data)) {
    // BoolArray and friends: gather through their byte view.
    const bytes = new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.length);
    const out = new Uint8Array(total);
    let at = 0;
    for (const [s, n] of runs) {
      out.set(bytes.subarray(s, s + n), at);
      at += n;
    }
    return out;
  }
  const out = new Ctor(total) as unknown as { set(a: ArrayLike<unknown>, at: number): void };
  let at = 0;
  for (const [s, n] of runs) {
    out.set(src.subarray(s, s + n), at);
    at += n;
  }
  return out as unknown as ChunkData;
}

/**
 * The report keys of one array from its merged stage states: each stage's
 * `finalize` and `report`, then every `derive`. Shared by the runner and by
 * `merge` (src/distributed/merge.ts), which finalizes states merged across shards.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { finalizeArray } from "./stage.ts";
 * import { statsStage } from "./stats.ts";
 * const info = { path: "a", dtype: "uint8" as const, shape: [2], chunks: [2] };
 * const state = statsStage.consume(statsStage.init(info), {
 *   data: new Uint8Array([1, 3]), shape: [2], stride: [1], coords: [0], missing: false,
 * }, info);
 * const results = finalizeArray([statsStage], [state], info);
 * assertEquals((results.stats as { mean: number }).mean, 2);
 * ```
 */
export function finalizeArray(
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[],
  states: unknown[],
  info: ArrayInfo,
): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  stages.forEach((s, i) => {
    const result = s.finalize(states[i], info);
    const keys = s.report ? s.report(result) : { [s.name]: result };
    for (const [k, v] of Object.entries(keys)) {
      const prev = results[k];
      results[k] = Array.isArray(prev) && Array.isArray(v) ? [...prev, ...v] : v;
    }
  });
  for (const s of stages) if (s.derive) Object.assign(results, s.derive(results, info));
  return results;
}

/**
 * The valid (unpadded) elements of a chunk in C order of the array's axes,
 * whatever the chunk's memory order (F order, transpose codecs): what a
 * checksum must hash so that it depends on the values and the chunking only.
 * A C-ordered chunk gives the same as {@linkcode validData}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { validDataC } from "./stage.ts";
 * const array = { path: "a", dtype: "uint8" as const, shape: [2, 3], chunks: [2, 3] };
 * // [[1, 2, 3], [4, 5, 6]] stored in F order.
 * const chunk = { data: new Uint8Array([1, 4, 2, 5, 3, 6]), shape: [2, 3], stride: [1, 2], coords: [0, 0], missing: false };
 * assertEquals([...validDataC(chunk, array) as Uint8Array], [1, 2, 3, 4, 5, 6]);
 * ```
 */
export function validDataC(chunk: Chunk, array: ArrayInfo): ChunkData {
  const cStride = chunk.shape.map((_, d) => chunk.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  if (chunk.stride.every((s, d) => s === cStride[d] || chunk.shape[d] === 1)) {
    return validData(chunk, array);
  }
  const extent = validExtent(chunk, array);
  const total = extent.reduce((a, b) => a * Math.max(0, b), 1);
  const isBytes = !("subarray" in chunk.data);
  const src =
    (isBytes
      ? new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.length)
      : chunk.data) as unknown as { [i: number]: number | bigint };
  const Ctor = isBytes
    ? Uint8Array
    : (chunk.data as unknown as { constructor: new (n: number) => ChunkData }).constructor;
  const out = new Ctor(total) as unknown as { [i: number]: number | bigint };
  const rank = extent.length;
  const index = new Array<number>(rank).fill(0);
  for (let k = 0; k < total; k++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += index[d] * chunk.stride[d];
    out[k] = src[at];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < extent[d]) break;
      index[d] = 0;
    }
  }
  return out as unknown as ChunkData;
}
