/**
 * Deciding before reading: the pipeline file and the seed's environment
 * variables, the cgroup (v1 and v2) memory and CPU limits, the budget they
 * leave, and the plan for each array (strategy, workers, read-ahead and the
 * bytes held at once). Pure apart from reading the limits; the only place
 * memory and parallelism are decided.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_LIMITS, detectBudget, planArray } from "./mod.ts";
 * const budget = detectBudget(DEFAULT_LIMITS, {
 *   cgroup: null, systemMemoryBytes: 2 ** 31, cores: 2, rssBytes: 5e7,
 * });
 * const plan = planArray(
 *   { path: "em/s0", bytes: 5e8, chunkBytes: 2 ** 19, dtype: "int16", chunkCount: 954 },
 *   budget,
 *   DEFAULT_LIMITS,
 * );
 * assertEquals(plan.strategy, "streaming");
 * ```
 *
 * @module
 */
export {
  type Budget,
  budgetEnvironment,
  describeBudget,
  detectBudget,
  type EnvironmentProbe,
  formatMiB,
  type PlatformLimits,
  probeEnvironment,
} from "./budget.ts";
export { type CgroupLimits, readCgroupLimits } from "./cgroup.ts";
export {
  loadPipelineConfig,
  parsePipelineConfig,
  type PipelineConfig,
  type StageSpec,
} from "./config.ts";
export {
  CHUNK_MEMORY_FACTOR,
  DEFAULT_REMOTE_LATENCY_MS,
  DEFAULT_WORKSPACE_BYTES,
  encodedBound,
  MAX_READ_AHEAD,
  type Plan,
  planArray,
  type PlannedArray,
} from "./planner.ts";
export {
  DEFAULT_LIMITS,
  LARGE_ARRAY_MODES,
  type LargeArrayMode,
  type LimitOverrides,
  type LimitSettings,
  mergeLimits,
  parseLimitEnv,
} from "./settings_env.ts";
export { parseShardSpec, shardRanges, type ShardSizing, type ShardSpec } from "./shard_range.ts";
export { DEFAULT_TUNE_FILE, readTuneFile, tune, type TuneFile } from "./tune.ts";
