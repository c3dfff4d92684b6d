/**
 * Chooses how to process each array within the memory budget: all at once,
 * in batches, as a bounded stream, or not at all, with a one-line reason.
 *
 * Sizes in reasons are in MB of 10^6 bytes, the unit of the thresholds and of
 * the `*_MB` settings. The planner is pure: no I/O, no clock.
 *
 * @module
 */

import type { Plan } from "../model/plan.ts";
import { type Budget, formatMiB } from "./budget.ts";
import type { LimitSettings } from "./settings_env.ts";

/** What the planner needs to know about an array. */
export interface PlannedArray {
  /** Path of the array inside the store, for messages. */
  path: string;
  /** Decoded size of the whole array in bytes. */
  bytes: number;
  /** Decoded size of one chunk in bytes. */
  chunkBytes: number;
  /** The array's data type, e.g. `uint8`. */
  dtype: string;
  /** Number of chunks to read (stored chunks, when absent ones are known to be skipped). */
  chunkCount: number;
  /**
   * Bytes the requested stages keep per worker (histogram bins, partial
   * results); reserved from the budget before sizing batches. Default 0.
   */
  stageStateBytes?: number;
  /**
   * Where the chunks come from: `local` files are read one chunk at a time
   * per worker; `remote` (http(s), S3) keeps requests in flight to hide
   * `latencyMs` (default {@linkcode DEFAULT_REMOTE_LATENCY_MS}). Default local.
   */
  store?: { kind: "local" | "remote"; latencyMs?: number };
  /** Kernel work space per worker (histogram tables, label lists). Default {@linkcode DEFAULT_WORKSPACE_BYTES}. */
  workspaceBytes?: number;
  /** Decoded bytes per second one worker is expected to consume (sizes remote read-ahead). Default 1 GB/s. */
  workerBytesPerSecond?: number;
}

/** Latency assumed for remote stores when none was measured (`deno task tune` measures it). */
export const DEFAULT_REMOTE_LATENCY_MS = 50;
/** Kernel work space reserved per worker unless a stage needs more. */
export const DEFAULT_WORKSPACE_BYTES = 2 ** 21;
/**
 * Memory a worker thread's own V8 isolate takes (its heap, the modules and
 * the kernels' WASM instance): measured as about 12.5 MiB per worker on the
 * 110 MiB bench array (peak RSS 88.6 MiB on one thread, 113.3 MiB on two
 * workers), rounded up.
 */
export const WORKER_ISOLATE_BYTES = 16 * 2 ** 20;

/** Most requests one worker keeps in flight against a remote store. */
export const MAX_READ_AHEAD = 256;

export type { Plan };

/**
 * A chunk in flight costs its decoded bytes plus the encoded bytes it was
 * decoded from (at most as large for the codecs Zarr uses).
 */
export const CHUNK_MEMORY_FACTOR = 2;

const MB = 1e6;

/**
 * Most bytes a compressed chunk of `decodedBytes` can take (zstd's bound:
 * incompressible data grows by a little); the chunk engine's read buffer
 * starts at this size.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { encodedBound } from "./planner.ts";
 * assert(encodedBound(524288) > 524288);
 * ```
 */
export function encodedBound(decodedBytes: number): number {
  return decodedBytes + Math.ceil(decodedBytes / 128) + 512;
}

/**
 * Plans one array:
 * - over `maxArraySizeMb`: `skip` or `error` per `largeArrayMode` (`stream` streams it);
 * - a chunk that does not fit the budget: `error` with advice;
 * - under `directMaxMb` and fitting the budget: `direct`, every chunk in flight;
 * - under `chunkedMaxMb` and fitting the budget: `chunked`, batches of about
 *   `zarrChunkSizeMb`;
 * - otherwise `streaming`, about `streamingChunkMb` in flight.
 *
 * Batches never hold more than the budget (after stage state) allows, counting
 * {@linkcode CHUNK_MEMORY_FACTOR} bytes per decoded byte, and always hold at
 * least one whole chunk.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { planArray } from "./planner.ts";
 * import { DEFAULT_LIMITS } from "./settings_env.ts";
 * const budget = {
 *   memoryLimitBytes: 512e6, memorySource: "override" as const, cgroupPath: null,
 *   budgetBytes: 300e6, cpuLimit: null, workers: 2, warnings: [],
 * };
 * const plan = planArray(
 *   { path: "em/s0", bytes: 879.7e6, chunkBytes: 262144, dtype: "uint8", chunkCount: 3356 },
 *   budget,
 *   DEFAULT_LIMITS,
 * );
 * assertEquals(plan.strategy, "streaming");
 * assert(plan.inFlightBytes <= 8e6);
 * ```
 */
export function planArray(array: PlannedArray, budget: Budget, limits: LimitSettings): Plan {
  const { bytes, chunkBytes, chunkCount } = array;
  const stateBytes = array.stageStateBytes ?? 0;
  if (
    !validCount(bytes) || !validCount(chunkCount) || !validCount(stateBytes) ||
    !(chunkBytes > 0 && Number.isFinite(chunkBytes))
  ) {
    return refuse(
      `invalid geometry for ${array.path} (${bytes} bytes, ${chunkBytes}-byte chunks, ${chunkCount} chunks)`,
    );
  }
  const size = `${formatMB(bytes)} array`;

  const tooLarge = bytes > limits.maxArraySizeMb * MB;
  const overMax = `${size} > MAX_ARRAY_SIZE_MB=${limits.maxArraySizeMb}`;
  if (tooLarge && limits.largeArrayMode === "skip") {
    return {
      strategy: "skip",
      reason: `skip: ${overMax} (LARGE_ARRAY_MODE=skip)`,
      ...NOTHING,
    };
  }
  if (tooLarge && limits.largeArrayMode === "fail") {
    return refuse(
      `${overMax} and LARGE_ARRAY_MODE=fail; set LARGE_ARRAY_MODE=stream to process it in bounded memory, or raise MAX_ARRAY_SIZE_MB`,
    );
  }

  if (chunkCount === 0 || bytes === 0) {
    return {
      strategy: "direct",
      reason: `direct: ${size} has no chunks to read`,
      ...NOTHING,
      workers: 1,
    };
  }

  const remote = array.store?.kind === "remote";
  const latencyMs = array.store?.latencyMs ?? DEFAULT_REMOTE_LATENCY_MS;
  const workspace = array.workspaceBytes ?? DEFAULT_WORKSPACE_BYTES;
  // Per worker: one decoded chunk, its encoded bytes, the kernels' work space, stage state;
  // a worker thread is also a V8 isolate of its own (one thread runs in the main isolate).
  const perWorker = chunkBytes * CHUNK_MEMORY_FACTOR + workspace + stateBytes;
  const cost = (n: number) => perWorker * n + (n > 1 ? WORKER_ISOLATE_BYTES * n : 0);
  let workers = Math.max(1, Math.min(budget.workers, chunkCount));
  while (workers > 1 && cost(workers) > budget.budgetBytes) workers--;
  const available = budget.budgetBytes - cost(workers);
  const within = `within a ${formatMiB(budget.budgetBytes)} budget`;

  if (available < 0) {
    const state = stateBytes > 0 ? ` and ${formatMB(stateBytes)} of stage state` : "";
    return refuse(
      `one ${formatMB(chunkBytes)} chunk of ${array.path} (${array.dtype}) needs ${
        formatMB(chunkBytes * CHUNK_MEMORY_FACTOR)
      } while decoding, plus ${
        formatMB(workspace)
      } of kernel work space${state}, but the budget is ${
        formatMiB(budget.budgetBytes)
      }; raise the memory limit (MEMORY_LIMIT_MB or the container's) or the memory fraction, or rechunk the array into smaller chunks`,
    );
  }
  const fits = bytes * CHUNK_MEMORY_FACTOR <= budget.budgetBytes;
  const direct = !tooLarge && bytes < limits.directMaxMb * MB && fits;
  const chunked = !direct && !tooLarge && bytes < limits.chunkedMaxMb * MB && fits;
  const strategy: Plan["strategy"] = direct ? "direct" : chunked ? "chunked" : "streaming";
  const perWorkerChunks = Math.ceil(chunkCount / workers);

  // Remote requests beyond the first cost their encoded bytes (at most a chunk each).
  let readAhead = 1;
  let why = "";
  if (remote) {
    const rate = array.workerBytesPerSecond ?? 1e9;
    const covering = Math.ceil((latencyMs / 1000) * rate / chunkBytes);
    const wanted = direct
      ? perWorkerChunks
      : chunked
      ? Math.max(1, Math.floor((limits.zarrChunkSizeMb * MB) / chunkBytes))
      : Math.max(covering, Math.floor((limits.streamingChunkMb * MB) / chunkBytes));
    const affordable = 1 + Math.floor(available / (chunkBytes * workers));
    readAhead = Math.max(1, Math.min(wanted, perWorkerChunks, MAX_READ_AHEAD, affordable));
    why = readAhead < wanted
      ? ` (${wanted} wanted; ${
        readAhead === affordable
          ? "the budget"
          : readAhead === MAX_READ_AHEAD
          ? "the cap"
          : "the chunk count"
      } allows ${readAhead})`
      : "";
  }
  const inFlightBytes = workers * chunkBytes;
  const encodedInFlightBytes = workers * readAhead * encodedBound(chunkBytes);
  const reading = remote
    ? `${workers} worker${workers === 1 ? "" : "s"} × ${readAhead} request${
      readAhead === 1 ? "" : "s"
    } in flight${why} for ${latencyMs} ms latency, decoding one ${
      formatMB(chunkBytes)
    } chunk at a time`
    : `${workers} worker${workers === 1 ? "" : "s"}, each reading, decoding and reducing one ${
      formatMB(chunkBytes)
    } chunk at a time (local reads)`;
  const held = `at most ${formatMB(inFlightBytes)} decoded + ${
    formatMB(encodedInFlightBytes)
  } encoded + ${formatMB(workspace * workers)} kernel work space in flight ${within}`;
  let head: string;
  if (direct) head = `direct: ${size} < ${limits.directMaxMb} MB threshold`;
  else if (chunked) {
    head = `chunked: ${size} in the ${limits.directMaxMb}–${limits.chunkedMaxMb} MB range`;
  } else if (tooLarge) head = `streaming: ${overMax} (LARGE_ARRAY_MODE=stream)`;
  else if (bytes >= limits.chunkedMaxMb * MB) {
    head = `streaming: ${size} >= ${limits.chunkedMaxMb} MB threshold`;
  } else {
    head = `streaming: ${size} needs ${
      formatMB(bytes * CHUNK_MEMORY_FACTOR)
    } at once, more than the budget allows`;
  }
  return {
    strategy,
    reason: `${head}; ${reading}; ${held}`,
    batchChunks: readAhead,
    inFlightBytes,
    encodedInFlightBytes,
    workspaceBytes: workspace,
    workers,
  };
}

function validCount(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

const NOTHING = {
  batchChunks: 0,
  inFlightBytes: 0,
  encodedInFlightBytes: 0,
  workspaceBytes: 0,
  workers: 0,
} as const;

function refuse(why: string): Plan {
  return { strategy: "error", reason: `error: ${why}`, ...NOTHING };
}

/**
 * Formats bytes in MB of 10^6 bytes (kB below 1 MB): whole numbers bare,
 * others with one decimal.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatMB } from "./planner.ts";
 * assertEquals(formatMB(879_700_000), "879.7 MB");
 * assertEquals(formatMB(8e6), "8 MB");
 * assertEquals(formatMB(262_144), "262.1 kB");
 * ```
 */
export function formatMB(bytes: number): string {
  const [value, unit] = bytes >= MB
    ? [bytes / MB, "MB"]
    : bytes >= 1e3
    ? [bytes / 1e3, "kB"]
    : [bytes, "B"];
  return `${Math.round(value * 10) / 10} ${unit}`;
}
