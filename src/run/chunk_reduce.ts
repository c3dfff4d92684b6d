/**
 * Reading a range of chunks and feeding them to stages: shared by the main
 * thread and the chunk workers. Bounded reads in flight, index order,
 * explicit collection of decoded buffers.
 *
 * @module
 */
import type * as zarr from "zarrita";
import { causeMessage, ChunkError } from "../model/errors.ts";
import {
  chunkName,
  type ChunkNaming,
  getMetadata,
  indexAtStartPrefix,
  isMetadataKey,
  normalizeMetadata,
} from "../store/metadata.ts";
import type { ArrayInfo, Chunk, Stage } from "../stages/stage.ts";
import type { RangeQuery, Store } from "../store/types.ts";

/**
 * The store zarrita reads through: counts chunk reads that found nothing,
 * treats refused metadata as absent, makes fill values exact
 * (`normalizeMetadata`), and reads the shard index of arrays that keep it at
 * the start of each shard from there (zarrita always reads a suffix).
 */
export function countingStore(store: Store): { store: Store; missing: () => number } {
  let missing = 0;
  const indexAtStart = new Set<string>();
  const wrapped: Store = {
    location: store.location,
    async get(key: string) {
      const bytes = await getMetadata((k) => store.get(k), key);
      if (bytes === undefined && !isMetadataKey(key)) missing++;
      if (bytes && key.endsWith("zarr.json")) {
        try {
          const prefix = indexAtStartPrefix(key, JSON.parse(new TextDecoder().decode(bytes)));
          if (prefix !== undefined) indexAtStart.add(prefix);
        } catch {
          // Invalid JSON: the reader reports it.
        }
      }
      return normalizeMetadata(key, bytes);
    },
  };
  if (store.getRange) {
    const getRange = store.getRange.bind(store);
    wrapped.getRange = (key: string, range: RangeQuery) => {
      const atStart = "suffixLength" in range &&
        [...indexAtStart].some((p) => key.startsWith(p));
      return getRange(key, atStart ? { offset: 0, length: range.suffixLength } : range);
    };
  }
  return { store: wrapped, missing: () => missing };
}

export function product(xs: number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

/** Chunk grid coordinates of chunk number `i` in C order. */
export function chunkCoords(i: number, grid: number[]): number[] {
  const coords = new Array<number>(grid.length);
  for (let d = grid.length - 1; d >= 0; d--) {
    coords[d] = i % grid[d];
    i = Math.floor(i / grid[d]);
  }
  return coords;
}

/**
 * Decoded chunks are short-lived ArrayBuffers outside the V8 heap; V8 only
 * collects them after external memory grew by tens of MiB per isolate, which
 * a small container does not have. When the runtime exposes `gc` (the tasks
 * pass `--v8-flags=--expose-gc`), run a young-generation collection (about a
 * millisecond: the chunk buffers die young when few reads are in flight)
 * after every `everyBytes` decoded, and a full one every 32 of those for
 * anything that got promoted. Measured on the 880 MiB bench array: full
 * collections every 8 MiB cost 0.9 s of 2.1 s; these cost nothing visible.
 */
function collector(everyBytes: number): (bytes: number) => void {
  const gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc;
  if (!gc) return () => {};
  let since = 0;
  let minors = 0;
  return (bytes) => {
    since += bytes;
    if (since < everyBytes) return;
    since = 0;
    gc({ type: ++minors % 32 === 0 ? "major" : "minor" });
  };
}

/** Number of chunks of an array (1 for a 0-d array). */
export function chunkCount(shape: number[], chunks: number[]): number {
  return shape.length === 0 ? 1 : product(shape.map((n, d) => Math.ceil(n / chunks[d])));
}

/**
 * Reads chunks `from` .. `to` (C order; all by default) of `arr` with at
 * most `inFlight` reads outstanding and hands each decoded chunk to `consume`
 * in index order. Returns the number of chunks read.
 */
export async function forEachChunk(
  arr: zarr.Array<zarr.DataType, Store>,
  path: string,
  inFlight: number,
  gcEveryBytes: number,
  consume: (chunk: Chunk, index: number, total: number) => void,
  range?: { from: number; to: number; naming?: ChunkNaming },
): Promise<number> {
  const collect = collector(gcEveryBytes);
  const grid = arr.shape.map((n, d) => Math.ceil(n / arr.chunks[d]));
  const from = range?.from ?? 0;
  const total = (range?.to ?? chunkCount(arr.shape, arr.chunks)) - from;
  const pending: Promise<Chunk>[] = [];
  let next = 0;
  const launch = () => {
    const coords = chunkCoords(from + next++, grid);
    pending.push(
      arr.getChunk(coords).then(
        (c) => {
          // A truncated frame can decode "successfully" to too few bytes.
          const expected = product(c.shape);
          if (c.data.length !== expected) {
            throw new Error(
              `decoded ${c.data.length} values, expected ${expected}: the chunk is truncated or corrupt`,
            );
          }
          return {
            data: c.data as Chunk["data"],
            shape: c.shape,
            stride: c.stride,
            coords,
            missing: false,
          };
        },
      ).catch((e) => {
        const key = range?.naming
          ? chunkName(range.naming, coords)
          : coords.join(arr.shape.length ? "/" : "") || "0";
        throw new ChunkError(path, key, causeMessage(e), { cause: e });
      }),
    );
    // A read may fail before its turn to be awaited: mark it handled now; awaiting
    // it later still throws.
    pending[pending.length - 1].catch(() => {});
  };
  try {
    for (let done = 0; done < total; done++) {
      while (next < total && pending.length < inFlight) launch();
      const chunk = await pending.shift()!;
      consume(chunk, done, total);
      collect(
        chunk.data.length * ((chunk.data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1),
      );
    }
  } catch (e) {
    // The reads still in flight are abandoned (their failures are already handled).
    throw e;
  }
  return total;
}

/** What a range of chunks produced: one state per stage. */
export interface RangeResult {
  states: unknown[];
  chunks: number;
}

/**
 * Runs `stages` over chunks `from .. to` of `arr`, starting from fresh states.
 * `onChunk` is called after each chunk (for progress).
 */
export async function reduceRange(
  arr: zarr.Array<zarr.DataType, Store>,
  name: string,
  info: ArrayInfo,
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[],
  job: { from: number; to: number; inFlight: number; gcEveryBytes: number; naming?: ChunkNaming },
  onChunk?: (done: number) => void,
): Promise<RangeResult> {
  const states = stages.map((s) => s.init(info));
  const chunks = await forEachChunk(arr, name, job.inFlight, job.gcEveryBytes, (chunk, index) => {
    for (let s = 0; s < stages.length; s++) states[s] = stages[s].consume(states[s], chunk, info);
    onChunk?.(index + 1);
  }, job);
  return { states, chunks };
}
