/**
 * lamella's data model: the report and its parts, the plan and budget an
 * array was processed under, the array description stages receive, and the
 * errors lamella throws. Types and error classes only; everything else may
 * import this module.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { StoreError, VERSION } from "./mod.ts";
 * const e = new StoreError("/data/x.zarr", "no such directory");
 * assertEquals(e.message, "/data/x.zarr: no such directory");
 * assertEquals(typeof VERSION, "string");
 * ```
 *
 * @module
 */
export type { ArrayInfo, Multiscale } from "./array.ts";
export type { BudgetEnvironment, MemorySource, Plan, Strategy } from "./plan.ts";
export {
  type ArrayPartial,
  type ArrayReport,
  type Report,
  type TimingReport,
  VERSION,
} from "./report.ts";
export {
  causeMessage,
  ChunkError,
  ConfigError,
  LamellaError,
  StoreError,
  UnsupportedError,
} from "./errors.ts";
