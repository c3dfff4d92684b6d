/**
 * The fast chunk path: reads a range of an array's chunks, decodes each one
 * straight into the kernels' input region and runs every stage on that one
 * decoded copy. Buffers are reused from chunk to chunk, so nothing the size
 * of a chunk is allocated on the JS heap and no collection needs forcing.
 *
 * Local stores are read synchronously, one chunk at a time per thread (a
 * read from the page cache takes microseconds; more reads in flight only
 * hold memory). Remote stores keep `readAhead` requests in flight and
 * decode their replies in index order. Every phase is timed, so the report
 * can say where the time went.
 *
 * @module
 */
import { bytesPerElement, type ChunkData, residentInput } from "../../kernels/mod.ts";
import { ChunkError } from "../model/errors.ts";
import { chunkCoords, product } from "./chunk_reduce.ts";
import type { ArrayInfo, Chunk, Stage } from "../stages/stage.ts";
import { type Decoder, decoder } from "../store/decoders.ts";
import { chunkKey, type RawLayout } from "../store/raw_array.ts";
import { FileStore, type Store } from "../store/store.ts";
import { encodedBound } from "../plan/planner.ts";

/** Where one range's time went (milliseconds of this thread) and what it moved. */
export interface ChunkTiming {
  /** Reading encoded bytes (local reads; remote: the part not overlapped, see `waitMs`). */
  fetchMs: number;
  /** Waiting for remote replies that had not arrived when they were needed. */
  waitMs: number;
  decodeMs: number;
  /** Running the stages on decoded chunks. */
  reduceMs: number;
  chunks: number;
  /** Chunks absent from the store (read as the fill value). */
  missing: number;
  encodedBytes: number;
  decodedBytes: number;
  /** Most encoded bytes held at once (requests in flight plus the one being decoded). */
  peakEncodedBytes: number;
  /** Most decoded bytes held at once (always one chunk: the input region). */
  peakDecodedBytes: number;
  /** `native` or `node` (see src/store/decoders.ts). */
  decoder: string;
}

/** An empty timing record. */
export function emptyTiming(decoderKind = ""): ChunkTiming {
  return {
    fetchMs: 0,
    waitMs: 0,
    decodeMs: 0,
    reduceMs: 0,
    chunks: 0,
    missing: 0,
    encodedBytes: 0,
    decodedBytes: 0,
    peakEncodedBytes: 0,
    peakDecodedBytes: 0,
    decoder: decoderKind,
  };
}

/**
 * Adds timings of ranges run one after another or side by side (peaks are
 * summed: side by side, the worst case is that they coincide).
 */
export function addTiming(a: ChunkTiming, b: ChunkTiming): ChunkTiming {
  return {
    fetchMs: a.fetchMs + b.fetchMs,
    waitMs: a.waitMs + b.waitMs,
    decodeMs: a.decodeMs + b.decodeMs,
    reduceMs: a.reduceMs + b.reduceMs,
    chunks: a.chunks + b.chunks,
    missing: a.missing + b.missing,
    encodedBytes: a.encodedBytes + b.encodedBytes,
    decodedBytes: a.decodedBytes + b.decodedBytes,
    peakEncodedBytes: a.peakEncodedBytes + b.peakEncodedBytes,
    peakDecodedBytes: a.peakDecodedBytes + b.peakDecodedBytes,
    decoder: a.decoder || b.decoder,
  };
}

/** What one range of chunks asks of the engine. */
export interface EngineJob {
  /** Chunk index range `[from, to)`, C order over the chunk grid. */
  from: number;
  to: number;
  /** Remote stores: requests kept in flight. Local stores read one chunk at a time. */
  readAhead: number;
  /** Kernel work space reserved up front, so no stage grows memory mid-chunk. */
  workspaceBytes: number;
  /** The decoder to use (default: this thread's {@linkcode decoder}). */
  decoder?: Decoder;
}

/** What a range produced. */
export interface EngineResult {
  states: unknown[];
  chunks: number;
  missing: number;
  timing: ChunkTiming;
}

/**
 * Runs `stages` over chunks `job.from .. job.to` of the array at `path`
 * (laid out as `layout`) in `store`, from fresh states.
 *
 * @example
 * ```ts ignore
 * const r = await reduceChunks(store, "em/s0", layout, info, [statsStage],
 *   { from: 0, to: 8, readAhead: 1, workspaceBytes: 1 << 21 });
 * ```
 */
export async function reduceChunks(
  store: Store,
  path: string,
  layout: RawLayout,
  info: ArrayInfo,
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[],
  job: EngineJob,
  onChunk?: (done: number) => void,
): Promise<EngineResult> {
  const range = openRange(path, layout, info, stages, job, onChunk);
  if (store instanceof FileStore) readLocal(store, range);
  else await readRemote(store, range, Math.max(1, job.readAhead));
  const { states, total, timing } = range;
  return { states, chunks: total, missing: timing.missing, timing };
}

/** One range under way: where its chunks are, its states and timing, and how to consume one. */
interface OpenRange {
  states: unknown[];
  timing: ChunkTiming;
  total: number;
  /** The chunk key of range position `i` (and its grid coordinates). */
  key(i: number): { coords: number[]; key: string };
  /** Decoded bytes of a full chunk. */
  chunkBytes: number;
  /** Decodes `src` (the fill value when absent) into kernel memory and runs the stages on it. */
  consume(i: number, coords: number[], src: Uint8Array | undefined): void;
  /** Throws the {@linkcode ChunkError} of the chunk at `coords`. */
  fail(coords: number[], message: string, cause?: unknown): never;
}

function openRange(
  path: string,
  layout: RawLayout,
  info: ArrayInfo,
  // deno-lint-ignore no-explicit-any
  stages: Stage<any, unknown>[],
  job: EngineJob,
  onChunk?: (done: number) => void,
): OpenRange {
  const dec = job.decoder ?? decoder();
  const timing = emptyTiming(dec.kind);
  const states = stages.map((s) => s.init(info));
  const grid = layout.shape.map((n, d) => Math.ceil(n / layout.chunks[d]));
  const elements = product(layout.chunks);
  const chunkBytes = elements * bytesPerElement(layout.dtype);
  const stride = layout.chunks.map((_, d) => product(layout.chunks.slice(d + 1)));
  const base = path ? `/${path}/` : "/";
  timing.peakDecodedBytes = chunkBytes;

  /** The input region as this dtype (a fresh view when kernels grew memory). */
  const input = () => residentInput(layout.dtype, elements, job.workspaceBytes);
  const fail = (coords: number[], message: string, cause?: unknown): never => {
    throw new ChunkError(path || "(root array)", chunkKey(layout, coords), message, { cause });
  };
  const decodeInto = (data: ChunkData, coords: number[], src: Uint8Array) => {
    const dst = new Uint8Array(data.buffer, data.byteOffset, chunkBytes);
    let n: number;
    try {
      n = dec.decode(layout.compression, src, dst);
    } catch (e) {
      return fail(coords, (e as Error).message, e);
    }
    if (n !== chunkBytes) {
      fail(coords, `decoded ${n} bytes, expected ${chunkBytes}: the chunk is truncated or corrupt`);
    }
    timing.encodedBytes += src.length;
  };
  const consume = (index: number, coords: number[], src: Uint8Array | undefined) => {
    let data = input();
    const t0 = performance.now();
    if (src === undefined) {
      (data as { fill(v: number | bigint): void }).fill(layout.fill);
      timing.missing++;
    } else decodeInto(data, coords, src);
    const t1 = performance.now();
    timing.decodeMs += t1 - t0;
    const chunk: Chunk = { data, shape: layout.chunks, stride, coords, missing: src === undefined };
    for (let s = 0; s < stages.length; s++) {
      // A kernel that grew linear memory detached the view; the bytes are still there.
      if (data.byteOffset === 0 && data.length === 0 && elements > 0) chunk.data = data = input();
      states[s] = stages[s].consume(states[s], chunk, info);
    }
    timing.reduceMs += performance.now() - t1;
    timing.decodedBytes += chunkBytes;
    timing.chunks++;
    onChunk?.(index + 1);
  };
  const key = (i: number) => {
    const coords = chunkCoords(job.from + i, grid);
    return { coords, key: base + chunkKey(layout, coords) };
  };
  return { states, timing, total: job.to - job.from, key, chunkBytes, consume, fail };
}

/** Local files: read, decode and reduce one chunk at a time through one reused buffer. */
function readLocal(store: FileStore, range: OpenRange): void {
  const { timing } = range;
  let encoded: Uint8Array = new Uint8Array(encodedBound(range.chunkBytes));
  timing.peakEncodedBytes = encoded.length;
  for (let i = 0; i < range.total; i++) {
    const { coords, key } = range.key(i);
    const t0 = performance.now();
    let bytes: Uint8Array | undefined;
    try {
      bytes = store.readSync(key, encoded);
    } catch (e) {
      range.fail(coords, (e as Error).message, e);
    }
    if (bytes && bytes.buffer !== encoded.buffer) {
      encoded = new Uint8Array(bytes.buffer as ArrayBuffer);
      timing.peakEncodedBytes = Math.max(timing.peakEncodedBytes, encoded.length);
    }
    timing.fetchMs += performance.now() - t0;
    range.consume(i, coords, bytes);
  }
}

/** Remote stores: `depth` requests in flight, consumed in index order. */
async function readRemote(store: Store, range: OpenRange, depth: number): Promise<void> {
  const { timing, total } = range;
  const pending: Array<{ coords: number[]; reply: Promise<Uint8Array | undefined> }> = [];
  let inFlightBytes = 0;
  let next = 0;
  const launch = () => {
    const { coords, key } = range.key(next++);
    const reply = store.get(key).then((b) => {
      if (b) {
        inFlightBytes += b.length;
        timing.peakEncodedBytes = Math.max(timing.peakEncodedBytes, inFlightBytes);
      }
      return b;
    });
    // A read may fail before its turn: mark it handled; awaiting it later still throws.
    reply.catch(() => {});
    pending.push({ coords, reply });
  };
  for (let i = 0; i < total; i++) {
    while (next < total && pending.length < depth) launch();
    const { coords, reply } = pending.shift()!;
    const t0 = performance.now();
    let bytes: Uint8Array | undefined;
    try {
      bytes = await reply;
    } catch (e) {
      range.fail(coords, (e as Error).message, e);
    }
    timing.waitMs += performance.now() - t0;
    range.consume(i, coords, bytes);
    if (bytes) inFlightBytes -= bytes.length;
  }
}

/**
 * A one-line verdict on what bounded a run, from its timing: the phase
 * that took the largest share of the threads' time.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { bottleneck, emptyTiming } from "./chunk_engine.ts";
 * const t = { ...emptyTiming("native"), decodeMs: 90, reduceMs: 8, fetchMs: 2 };
 * assert(bottleneck(t).startsWith("decode-bound: 90%"));
 * ```
 */
export function bottleneck(t: ChunkTiming): string {
  const parts: Array<[string, number, string]> = [
    ["decode", t.decodeMs, `in ${t.decoder === "native" ? "libzstd/libdeflate" : "node:zlib"}`],
    ["reduce", t.reduceMs, "in the stages' kernels"],
    ["read", t.fetchMs, "reading chunk bytes"],
    ["wait", t.waitMs, "waiting for remote replies"],
  ];
  const sum = parts.reduce((a, p) => a + p[1], 0);
  if (!(sum > 0)) return "idle: no chunk was read";
  parts.sort((a, b) => b[1] - a[1]);
  const [name, ms, what] = parts[0];
  const kind = name === "wait" ? "latency-bound" : `${name}-bound`;
  return `${kind}: ${Math.round((100 * ms) / sum)}% of worker time ${what}`;
}
