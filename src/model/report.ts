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
  version: string;
  startedAt: string;
  seconds: number;
  source: string;
  environment: BudgetEnvironment & {
    runtime: string;
    os: string;
    cores: number;
    limits: Record<string, number | string | null>;
    warnings: string[];
  };
  arrays: ArrayReport[];
}

/** One array's entry in report.json. */
export interface ArrayReport {
  path: string;
  dtype: string;
  shape: number[];
  chunks: number[];
  /** Decoded size in bytes. */
  bytes: number;
  strategy: Strategy;
  reason: string;
  seconds: number;
  chunksTotal?: number;
  /** Chunks absent from the store, read as the fill value. */
  chunksMissing?: number;
  multiscale?: Multiscale;
  stats?: unknown;
  [stage: string]: unknown;
  /** Only with `RunRequest.partials`: the states, in place of the stages' results. */
  partial?: ArrayPartial;
  error?: string;
}

/** An array's `timing` in report.json: where the chunk pass's time went. */
export interface TimingReport {
  /** `fast` (decoded into kernel memory) or `generic` (zarrita). */
  path: "fast" | "generic";
  /** Wall-clock seconds of the chunk pass. */
  seconds: number;
  workers: number;
  /** Seconds summed over workers. */
  fetch?: number;
  wait?: number;
  decode?: number;
  reduce?: number;
  encodedBytes?: number;
  decodedBytes?: number;
  /** Most decoded and encoded bytes held at once, summed over workers. */
  peakDecodedBytes?: number;
  peakEncodedBytes?: number;
  /** The plan's bounds for the same. */
  plannedDecodedBytes: number;
  plannedEncodedBytes: number;
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
  to: number;
}
