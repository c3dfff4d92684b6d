/**
 * The report's types: report.json as a whole, one array's entry, its timing,
 * and the unfinalized states a shard run hands to merge. Types only; the JSON
 * Schema in schema/report.schema.json describes the same document.
 *
 * @module
 */
import type { ArrayInfo, Multiscale } from "./array.ts";
import type { BudgetEnvironment, Strategy } from "./plan.ts";

/** Version of the report format (and of lamella). */
export const VERSION = "0.1.0";

/** The whole of report.json. */
export interface Report {
  /** Version of lamella (and of the report format). */
  version: string;
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** Seconds the whole run took. */
  seconds: number;
  /** The store that was read, as given. */
  source: string;
  /** The machine and the limits the run planned from. */
  environment: BudgetEnvironment & {
    runtime: string;
    os: string;
    cores: number;
    limits: Record<string, number | string | null>;
    warnings: string[];
  };
  /** One entry per array found, in discovery order. */
  arrays: ArrayReport[];
}

/** One array's entry in report.json. */
export interface ArrayReport {
  /** Path inside the store, without a leading slash ("" for a store that is one array). */
  path: string;
  /** Element type as read ("unknown" when the array could not be opened). */
  dtype: string;
  /** Extent of each axis. */
  shape: number[];
  /** Chunk extent of each axis. */
  chunks: number[];
  /** Decoded size in bytes. */
  bytes: number;
  /** How the array was processed. */
  strategy: Strategy;
  /** Why, with the numbers the planner used. */
  reason: string;
  /** Seconds this array took. */
  seconds: number;
  /** Chunks reduced (this shard's, in a shard run). */
  chunksTotal?: number;
  /** Chunks absent from the store, read as the fill value. */
  chunksMissing?: number;
  /** The OME-NGFF scale and translation of this level, when declared. */
  multiscale?: Multiscale;
  /** The `stats` stage's result (`StatsResult` from the stages module). */
  stats?: unknown;
  /** Every other stage's result, under the stage's report key. */
  [stage: string]: unknown;
  /** Only in a shard run: other shards hold all of this array's chunks (no states here). */
  inOtherShards?: true;
  /** Only with `RunRequest.partials`: the states, in place of the stages' results. */
  partial?: ArrayPartial;
  /** Why the array failed, naming the array and chunk; absent when it did not. */
  error?: string;
}

/** An array's `timing` in report.json: where the chunk pass's time went. */
export interface TimingReport {
  /** `fast` (decoded into kernel memory) or `generic` (zarrita). */
  path: "fast" | "generic";
  /** Wall-clock seconds of the chunk pass. */
  seconds: number;
  /** Worker threads the chunk pass ran on (1: the main thread). */
  workers: number;
  /** Seconds summed over workers. */
  fetch?: number;
  /** Seconds waiting for remote replies, summed over workers. */
  wait?: number;
  /** Seconds decoding, summed over workers. */
  decode?: number;
  /** Seconds in the stages, summed over workers. */
  reduce?: number;
  /** Compressed bytes read. */
  encodedBytes?: number;
  /** Bytes after decoding. */
  decodedBytes?: number;
  /** Most decoded and encoded bytes held at once, summed over workers. */
  peakDecodedBytes?: number;
  /** Most encoded bytes held at once, summed over workers. */
  peakEncodedBytes?: number;
  /** The plan's bounds for the same. */
  plannedDecodedBytes: number;
  /** The plan's bound on encoded bytes held at once. */
  plannedEncodedBytes: number;
  /** `native` (libzstd/libdeflate) or `node` (node:zlib). */
  decoder?: string;
  /** e.g. "decode-bound: 62% of worker time in libzstd/libdeflate". */
  bottleneck: string;
}

/** An array's unfinalized result (`RunRequest.partials`): what a shard run hands to merge. */
export interface ArrayPartial {
  /** The array as the stages saw it, including the pre-pass statistics. */
  info: ArrayInfo;
  /** Names of the stages that ran, in the order of `states`. */
  stages: string[];
  /** One raw state per stage (BigInts, Maps, typed arrays: encode before writing JSON). */
  states: unknown[];
  /** The chunk index range `[from, to)` this run reduced. */
  from: number;
  /** End of the chunk index range (exclusive). */
  to: number;
}
